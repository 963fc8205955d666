package io.tunelog.cli;

import io.tunelog.gateway.GatewayServer;
import io.tunelog.health.HealthServer;
import io.tunelog.http.HttpSecurity;
import io.tunelog.kafka.KafkaClients;
import io.tunelog.kafka.Topics;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.apache.kafka.clients.admin.Admin;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** Serves the HTTP API (services/gateway/src/main/resources/openapi.yaml) over a cluster until the process is stopped. */
@Command(name = "gateway", mixinStandardHelpOptions = true,
        description = "Serve the HTTP API (submit experiments, read their logs, stream their events) until stopped.")
final class GatewayCommand implements Callable<Integer> {
    @Mixin
    KafkaOptions kafka;

    @Option(names = "--port", defaultValue = "8080", description = "Port to listen on, 0 for any free one, printed (default: ${DEFAULT-VALUE})")
    int port;

    @Option(names = "--host", defaultValue = "127.0.0.1", description = "Address to listen on; elsewhere than loopback, "
            + "give --tls-keystore too, or tokens travel in clear (default: ${DEFAULT-VALUE})")
    String host;

    @Mixin
    HttpSecurityOptions access;

    @Mixin
    HealthOptions health;

    @Override
    public Integer call() throws Exception {
        if (port < 0 || port > 65_535) {
            throw new Tunelog.UserError(Tunelog.BAD_INPUT, "--port must be 0..65535, got " + port);
        }
        health.check();
        HttpSecurity security = access.security("the gateway");
        KafkaClients clients = kafka.requiredClients();
        // As `submit` does: a submission sent before the services have made the topics would create them wrongly.
        try (Admin admin = clients.admin()) {
            Topics.ensure(admin, kafka.layout());
        }
        GatewayServer server;
        try {
            server = GatewayServer.start(clients, host, port, security);
        } catch (IllegalStateException e) {
            throw new Tunelog.UserError(Tunelog.BAD_INPUT, e.getMessage());
        }
        HealthServer probes = health.serve(List.of(new HealthServer.Component("gateway", server::isLive, server::caughtUp)));
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            if (probes != null) {
                probes.close();
            }
            server.close();
            System.out.println("gateway stopped");
            stopped.countDown();
        }));
        System.out.println("gateway on " + security.scheme() + "://" + host + ":" + server.port());
        stopped.await();
        return 0;
    }
}
