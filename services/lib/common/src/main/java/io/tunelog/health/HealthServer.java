package io.tunelog.health;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.tunelog.results.Json;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * Liveness and readiness over plain HTTP, for Kubernetes probes and compose healthchecks, and metrics for
 * Prometheus.
 *
 * <pre>
 * GET /health/live   200 while every component is live, else 503
 * GET /health/ready  200 while every component is live and ready, else 503
 * GET /metrics       the process's meters in Prometheus's text format, when it has them
 * </pre>
 *
 * Both answer {@code {"live": .., "ready": .., "components": {"<name>": {"live": .., "ready": ..}}}}.
 * The JDK's own server is enough for a few probes a minute, and adds no dependency.
 */
public final class HealthServer implements AutoCloseable {
    public static final String LIVE = "/health/live";
    public static final String READY = "/health/ready";
    public static final String METRICS = "/metrics";

    /** One part of the process, asked afresh on every request. */
    public record Component(String name, BooleanSupplier live, BooleanSupplier ready) {}

    private final HttpServer server;
    private final List<Component> components;

    private HealthServer(HttpServer server, List<Component> components) {
        this.server = server;
        this.components = List.copyOf(components);
    }

    /** Starts serving on host:port (0 for any free port), without metrics; see {@link #port()}. */
    public static HealthServer start(String host, int port, List<Component> components) {
        return start(host, port, components, null);
    }

    /**
     * Starts serving on host:port (0 for any free port); see {@link #port()}.
     *
     * @param metrics the Prometheus text to answer {@code GET /metrics} with, asked afresh on every scrape; or null
     */
    public static HealthServer start(String host, int port, List<Component> components, Supplier<String> metrics) {
        HttpServer server;
        try {
            server = HttpServer.create(new InetSocketAddress(host, port), 0);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot serve health on " + host + ":" + port, e);
        }
        HealthServer health = new HealthServer(server, components);
        server.createContext("/health/", health::handle);
        if (metrics != null) {
            server.createContext(METRICS, exchange -> scrape(exchange, metrics));
        }
        server.start();
        return health;
    }

    public int port() {
        return server.getAddress().getPort();
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            String path = exchange.getRequestURI().getPath();
            if (!path.equals(LIVE) && !path.equals(READY)) {
                exchange.sendResponseHeaders(404, -1);
                return;
            }
            if (!exchange.getRequestMethod().equals("GET")) {
                exchange.getResponseHeaders().set("Allow", "GET");
                exchange.sendResponseHeaders(405, -1);
                return;
            }
            ObjectNode body = Json.MAPPER.createObjectNode();
            ObjectNode each = Json.MAPPER.createObjectNode();
            boolean allLive = true;
            boolean allReady = true;
            for (Component c : components) {
                boolean live = ask(c.live());
                // A component that is not live cannot serve, whatever its readiness says.
                boolean ready = live && ask(c.ready());
                allLive &= live;
                allReady &= ready;
                each.putObject(c.name()).put("live", live).put("ready", ready);
            }
            body.put("live", allLive).put("ready", allReady).set("components", each);
            boolean up = path.equals(LIVE) ? allLive : allReady;
            byte[] bytes = Json.MAPPER.writeValueAsBytes(body);
            exchange.getResponseHeaders().set("Content-Type", "application/json");
            exchange.sendResponseHeaders(up ? 200 : 503, bytes.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(bytes);
            }
        }
    }

    private static void scrape(HttpExchange exchange, Supplier<String> metrics) throws IOException {
        try (exchange) {
            if (!exchange.getRequestURI().getPath().equals(METRICS)) {
                exchange.sendResponseHeaders(404, -1);
                return;
            }
            byte[] bytes = metrics.get().getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
            exchange.sendResponseHeaders(200, bytes.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(bytes);
            }
        }
    }

    /** A check that throws answers "no": the probe must get a status, not a dropped connection. */
    private static boolean ask(BooleanSupplier check) {
        try {
            return check.getAsBoolean();
        } catch (RuntimeException e) {
            return false;
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
