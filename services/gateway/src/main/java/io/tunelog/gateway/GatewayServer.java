package io.tunelog.gateway;

import io.tunelog.domain.spec.SpecParser;
import io.tunelog.http.HttpEndpoint;
import io.tunelog.http.HttpSecurity;
import io.tunelog.http.JsonResponses;
import io.tunelog.http.Problem;
import io.tunelog.http.Tokens;
import io.tunelog.kafka.KafkaClients;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.Route;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.Base64;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.apache.kafka.clients.producer.KafkaProducer;

/**
 * Tunelog over HTTP: submits experiments (as {@code tunelog submit} does) and serves what the log says about
 * them, folded by an {@link ExperimentCatalog} of its own; {@code openapi.yaml} beside this class describes every
 * endpoint, and is served ({@link OpenApiDocument}).
 *
 * <pre>
 * GET  /api/openapi.json                             the OpenAPI 3.1 document of all this
 * POST /api/experiments[?id=]                        the spec as YAML or JSON; 202 and a Location
 * POST /api/experiments/{experimentId}/cancel        optionally {"reason": "..."}; 202, or 409 when it is not running
 * GET  /api/experiments                              every experiment, one line each
 * GET  /api/experiments/{experimentId}               its summary and spec (422 if its submission was rejected)
 * GET  /api/experiments/{experimentId}/trials[?status=&amp;sort=metric|trial&amp;order=asc|desc]
 * GET  /api/experiments/{experimentId}/trials/{trialId}/reports
 * GET  /api/experiments/{experimentId}/decisions
 * GET  /api/experiments/{experimentId}/curves       every trial's reports of the metric, for learning curves
 * GET  /api/experiments/{experimentId}/events[?from=&amp;limit=]
 * GET  /api/experiments/{experimentId}/stream       Server-Sent Events, resumable with Last-Event-ID
 * POST /api/experiments/{experimentId}/leases[?wait=&amp;leaseSeconds=]   ask-and-tell: take the next queued trial (201, or 204)
 * POST /api/experiments/{experimentId}/leases/{leaseId}/renew|reports|checkpoints|complete|fail
 * </pre>
 *
 * Every error is RFC 9457 problem details ({@code application/problem+json}, see {@link JsonResponses}), its extension
 * member {@code field} naming what is at fault when something is.
 *
 * <p>Every request under {@code /api/} needs a bearer token ({@link Tokens}): a work token for the leases (see
 * {@link LeaseDesk}), a read token (or any other) for GET, a submit token for anything else, unless the server was
 * started without authentication.
 *
 * <p>It also serves the dashboard, one page ({@code GET /}) that draws from these endpoints, with ECharts from its
 * WebJar ({@code GET /webjars/echarts/...}): nothing is fetched from outside at run time. Both are static and hold no
 * data, so they are served to anyone; the page asks for a token and sends it with each of its calls.
 */
public final class GatewayServer implements AutoCloseable {
    static final String EXPERIMENTS = "/api/experiments";
    static final String ECHARTS = "/webjars/echarts/5.3.1/dist/echarts.min.js";
    // BodyHandler fails a body over its limit with the bare status; this says which limit.
    private static final Problem TOO_LARGE = new Problem(413, "body", "the body is over " + SpecParser.MAX_SPEC_BYTES
            + " bytes (256 KiB), the largest spec accepted");

    private static final Problem LEASE_BODY_TOO_LARGE = new Problem(413, "body", "the body is over "
            + WorkRequests.MAX_BODY_BYTES + " bytes (64 KiB), the most a lease's call takes");
    /** The leases' paths: {@code /api/experiments/<id>/leases} and below. */
    private static final Pattern LEASE_PATH = Pattern.compile("/api/experiments/[^/]+/leases(/.*)?");

    private final ExperimentCatalog catalog;
    private final KafkaProducer<String, byte[]> producer;
    /** The leases' heartbeats have a producer of their own, as a worker's do, so they never queue behind reports. */
    private final KafkaProducer<String, byte[]> heartbeatProducer;
    private final LeaseHeartbeats heartbeats;
    private final LeaseRoutes leases;
    private final HttpEndpoint endpoint;

    private GatewayServer(ExperimentCatalog catalog, KafkaProducer<String, byte[]> producer,
                          KafkaProducer<String, byte[]> heartbeatProducer, String host, int port, HttpSecurity security) {
        this.catalog = catalog;
        this.producer = producer;
        this.heartbeatProducer = heartbeatProducer;
        SecureRandom random = new SecureRandom();
        LeaseBook book = new LeaseBook(() -> {
            byte[] id = new byte[16];
            random.nextBytes(id);
            return Base64.getUrlEncoder().withoutPadding().encodeToString(id);
        });
        Clock clock = Clock.systemUTC();
        this.heartbeats = new LeaseHeartbeats(heartbeatProducer, book, hostName(), clock);
        this.leases = new LeaseRoutes(new LeaseDesk(catalog, book, new GateClient(catalog, producer), heartbeats, clock));
        try {
            this.endpoint = HttpEndpoint.start("the gateway", host, port, security, vertx -> router(vertx, security));
        } catch (RuntimeException e) {
            heartbeats.close();
            throw e;
        }
    }

    /**
     * Starts reading the log and listening on {@code host}:{@code port} (0 for any free port), letting clients in as
     * {@code security} says. The log and the rejections topic must exist or appear within a minute.
     */
    public static GatewayServer start(KafkaClients clients, String host, int port, HttpSecurity security) {
        ExperimentCatalog catalog = new ExperimentCatalog(clients);
        KafkaProducer<String, byte[]> producer = null;
        KafkaProducer<String, byte[]> heartbeatProducer = null;
        try {
            producer = clients.producer("tunelog-gateway", null);
            heartbeatProducer = clients.producer("tunelog-gateway-heartbeats", null);
            return new GatewayServer(catalog, producer, heartbeatProducer, host, port, security);
        } catch (RuntimeException e) {
            if (producer != null) {
                producer.close();
            }
            if (heartbeatProducer != null) {
                heartbeatProducer.close();
            }
            catalog.close();
            throw e;
        }
    }

    /** The port listened on. */
    public int port() {
        return endpoint.port();
    }

    /** Whether the catalog has read the log as far as it went at start. */
    public boolean caughtUp() {
        return catalog.caughtUp();
    }

    /** Whether the catalog still reads the log: a reader that failed leaves a gateway that answers from the past. */
    public boolean isLive() {
        return catalog.failure().isEmpty();
    }

    /** Every API route served, as {@code "GET /api/experiments/{experimentId}"}: what the OpenAPI document must describe. */
    public List<String> routes() {
        List<String> routes = new ArrayList<>();
        for (Route route : endpoint.router().getRoutes()) {
            if (route.getPath() == null || route.methods() == null || !route.getPath().startsWith("/api/")) {
                continue; // the catch-all failure handler, and the dashboard's page and script
            }
            String path = route.getPath().replaceAll(":([A-Za-z]+)", "{$1}");
            route.methods().forEach(m -> routes.add(m.name() + " " + path));
        }
        return routes;
    }

    private Router router(Vertx vertx, HttpSecurity security) {
        CommandRoutes commands = new CommandRoutes(catalog, producer);
        ReadRoutes reads = new ReadRoutes(catalog);
        EventStream stream = new EventStream(catalog);
        Router r = Router.router(vertx);
        // First, so nothing under /api/ answers (not even a 404 or a body limit) before the token is checked. Reading
        // needs a read token; anything else changes what runs, so it needs a submit token.
        // The leases need a work token, whatever the method.
        r.route("/api/*").handler(security.guardRequests(request -> LEASE_PATH.matcher(request.path()).matches() ? Tokens.Scope.WORK
                : request.method() == HttpMethod.GET || request.method() == HttpMethod.HEAD ? Tokens.Scope.READ : Tokens.Scope.SUBMIT));
        r.post(EXPERIMENTS)
                // No uploads: the body is one spec, held in memory, and the spec's own limit is the body's.
                .handler(BodyHandler.create(false).setBodyLimit(SpecParser.MAX_SPEC_BYTES))
                .handler(commands::submit);
        r.post(EXPERIMENTS + "/:experimentId/cancel")
                .handler(BodyHandler.create(false).setBodyLimit(CommandRoutes.MAX_CANCEL_BYTES))
                .handler(commands::cancel);
        r.post(EXPERIMENTS + "/:experimentId/enqueue")
                .handler(BodyHandler.create(false).setBodyLimit(SpecParser.MAX_SPEC_BYTES))
                .handler(commands::enqueue);
        Buffer openApi = Buffer.buffer(OpenApiDocument.json());
        r.get(OpenApiDocument.PATH).handler(ctx -> ctx.response().putHeader(HttpHeaders.CONTENT_TYPE, JsonResponses.JSON).end(openApi));
        r.get(EXPERIMENTS).handler(reads::list);
        r.get(EXPERIMENTS + "/:experimentId").handler(reads::experiment);
        r.get(EXPERIMENTS + "/:experimentId/trials").handler(reads::trials);
        r.get(EXPERIMENTS + "/:experimentId/trials/:trialId/reports").handler(reads::reports);
        r.get(EXPERIMENTS + "/:experimentId/decisions").handler(reads::decisions);
        r.get(EXPERIMENTS + "/:experimentId/curves").handler(reads::curves);
        r.get("/").handler(resource("dashboard/index.html", "text/html; charset=utf-8"));
        r.get(ECHARTS).handler(resource("META-INF/resources/webjars" + ECHARTS.substring("/webjars".length()), "text/javascript; charset=utf-8"));
        r.get(EXPERIMENTS + "/:experimentId/events").handler(reads::events);
        r.get(EXPERIMENTS + "/:experimentId/stream").handler(stream::open);
        r.post(LeaseRoutes.LEASES).handler(leaseBody()).handler(leases::take);
        r.post(LeaseRoutes.LEASE + "/renew").handler(leaseBody()).handler(leases::renew);
        r.post(LeaseRoutes.LEASE + "/reports").handler(leaseBody()).handler(leases::report);
        r.post(LeaseRoutes.LEASE + "/checkpoints").handler(leaseBody()).handler(leases::checkpoint);
        r.post(LeaseRoutes.LEASE + "/complete").handler(leaseBody()).handler(leases::complete);
        r.post(LeaseRoutes.LEASE + "/fail").handler(leaseBody()).handler(leases::fail);
        r.routeWithRegex(LEASE_PATH.pattern()).failureHandler(JsonResponses.failureHandler(null, Map.of(413, LEASE_BODY_TOO_LARGE)));
        r.route().failureHandler(JsonResponses.failureHandler(null, Map.of(413, TOO_LARGE)));
        r.errorHandler(404, ctx -> JsonResponses.problem(ctx, new Problem(404, "path", "no endpoint " + ctx.request().path())));
        r.errorHandler(405, ctx -> JsonResponses.problem(ctx, new Problem(405, "method", ctx.request().method()
                + " is not served on " + ctx.request().path())));
        return r;
    }

    private static BodyHandler leaseBody() {
        return BodyHandler.create(false).setBodyLimit(WorkRequests.MAX_BODY_BYTES);
    }

    /** The name the leases' heartbeats give as their host. */
    private static String hostName() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            return "gateway";
        }
    }

    /** Serves one class-path resource, read once: the dashboard's page and its script are all it needs. */
    private static Handler<RoutingContext> resource(String path, String contentType) {
        byte[] bytes;
        try (InputStream in = GatewayServer.class.getClassLoader().getResourceAsStream(path)) {
            if (in == null) {
                throw new IllegalStateException("missing resource " + path + " on the class path");
            }
            bytes = in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + path, e);
        }
        Buffer body = Buffer.buffer(bytes);
        return ctx -> ctx.response().putHeader(HttpHeaders.CONTENT_TYPE, contentType).end(body);
    }

    @Override
    public void close() {
        endpoint.close();
        heartbeats.close();
        heartbeatProducer.close();
        producer.close();
        catalog.close();
    }
}
