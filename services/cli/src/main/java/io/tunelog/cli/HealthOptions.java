package io.tunelog.cli;

import io.micrometer.core.instrument.Metrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.tunelog.health.HealthServer;
import java.io.UncheckedIOException;
import java.util.List;
import picocli.CommandLine.Option;

/** Where `services` and `worker` answer liveness and readiness probes and Prometheus's scrapes, if anywhere. */
final class HealthOptions {
    @Option(names = "--health-port", description = "Serve GET /health/live, /health/ready and /metrics (Prometheus) on "
            + "this port, 0 for any free one, printed (default: not served)")
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

    /** A Prometheus registry with the JVM's own meters, as /metrics serves it. */
    static PrometheusMeterRegistry prometheusRegistry() {
        PrometheusMeterRegistry prometheus = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        new JvmMemoryMetrics().bindTo(prometheus);
        new JvmGcMetrics().bindTo(prometheus);
        new JvmThreadMetrics().bindTo(prometheus);
        new ProcessorMetrics().bindTo(prometheus);
        return prometheus;
    }

    /**
     * The started server, or null when no port was given. It also serves the process's meters: the services' and the
     * worker's register theirs in Micrometer's global registry, to which this adds a Prometheus registry with the
     * JVM's own meters.
     */
    HealthServer serve(List<HealthServer.Component> components) {
        if (healthPort == null) {
            return null;
        }
        PrometheusMeterRegistry prometheus = prometheusRegistry();
        Metrics.addRegistry(prometheus);
        try {
            HealthServer server = HealthServer.start(healthHost, healthPort, components, prometheus::scrape);
            System.out.println("health on http://" + healthHost + ":" + server.port());
            return server;
        } catch (UncheckedIOException | IllegalArgumentException e) {
            // Port taken, or a host that does not resolve (UnresolvedAddressException).
            Throwable cause = e instanceof UncheckedIOException ? e.getCause() : e;
            throw new Tunelog.UserError(Tunelog.BAD_INPUT, "cannot serve health on " + healthHost + ":" + healthPort + ": " + cause);
        }
    }
}
