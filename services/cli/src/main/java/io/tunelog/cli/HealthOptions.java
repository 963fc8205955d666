package io.tunelog.cli;

import io.tunelog.health.HealthServer;
import java.io.UncheckedIOException;
import java.util.List;
import picocli.CommandLine.Option;

/** Where `services` and `worker` answer liveness and readiness probes, if anywhere. */
final class HealthOptions {
    @Option(names = "--health-port", description = "Serve GET /health/live and /health/ready on this port, 0 for any "
            + "free one, printed (default: not served)")
    Integer healthPort;

    @Option(names = "--health-host", defaultValue = "127.0.0.1", description = "Address the health endpoints listen on; "
            + "0.0.0.0 in a container, for its probes (default: ${DEFAULT-VALUE})")
    String healthHost;

    /** Checked before anything starts, so a wrong port fails fast. */
    void check() {
        if (healthPort != null && (healthPort < 0 || healthPort > 65_535)) {
            throw new Tunelog.UserError(Tunelog.BAD_INPUT, "--health-port must be 0..65535, got " + healthPort);
        }
    }

    /** The started server, or null when no port was given. */
    HealthServer serve(List<HealthServer.Component> components) {
        if (healthPort == null) {
            return null;
        }
        try {
            HealthServer server = HealthServer.start(healthHost, healthPort, components);
            System.out.println("health on http://" + healthHost + ":" + server.port());
            return server;
        } catch (UncheckedIOException | IllegalArgumentException e) {
            // Port taken, or a host that does not resolve (UnresolvedAddressException).
            Throwable cause = e instanceof UncheckedIOException ? e.getCause() : e;
            throw new Tunelog.UserError(Tunelog.BAD_INPUT, "cannot serve health on " + healthHost + ":" + healthPort + ": " + cause);
        }
    }
}
