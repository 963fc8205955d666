package io.tunelog.gateway;

import io.micrometer.core.instrument.Metrics;
import io.micrometer.core.instrument.Timer;
import io.tunelog.http.HttpSecurity;
import io.tunelog.http.Problem;
import io.tunelog.http.Tokens;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tunelog.avro.CancelExperiment;
import io.tunelog.avro.SubmitExperiment;
import io.tunelog.codec.AvroBytes;
import io.tunelog.domain.event.Event;
import io.tunelog.domain.event.EventPayload;
import io.tunelog.domain.event.EventPayload.TrialDecision;
import io.tunelog.domain.event.LoggedEvent;
import io.tunelog.domain.spec.ExperimentSpec;
import io.tunelog.domain.spec.SpecException;
import io.tunelog.domain.spec.SpecParser;
import io.tunelog.domain.state.Admission;
import io.tunelog.domain.state.ExperimentState;
import io.tunelog.domain.state.Report;
import io.tunelog.domain.state.TrialState;
import io.tunelog.domain.state.TrialStatus;
import io.tunelog.gateway.ExperimentCatalog.Rejection;
import io.tunelog.kafka.KafkaClients;
import io.tunelog.kafka.Topics;
import io.tunelog.results.Json;
import io.tunelog.scheduler.SchedulingService;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.Handler;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.file.FileSystemOptions;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.net.PfxOptions;
import io.vertx.ext.web.Route;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.avro.specific.SpecificRecordBase;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tunelog over HTTP: submits experiments (as {@code tunelog submit} does) and serves what the log says about
 * them, folded by an {@link ExperimentCatalog} of its own; {@code openapi.yaml} beside this class describes every
 * endpoint.
 *
 * <pre>
 * POST /api/experiments[?id=]                        the spec as YAML or JSON; 202 and a Location
 * GET  /api/experiments                              every experiment, one line each
 * GET  /api/experiments/{experimentId}               its summary and spec (422 if its submission was rejected)
 * GET  /api/experiments/{experimentId}/trials[?status=&amp;sort=metric|trial&amp;order=asc|desc]
 * GET  /api/experiments/{experimentId}/trials/{trialId}/reports
 * GET  /api/experiments/{experimentId}/decisions
 * GET  /api/experiments/{experimentId}/curves       every trial's reports of the metric, for learning curves
 * GET  /api/experiments/{experimentId}/events[?from=&amp;limit=]
 * GET  /api/experiments/{experimentId}/stream       Server-Sent Events, resumable with Last-Event-ID
 * </pre>
 *
 * Every error is {@code {"error": ..., "field": ...}}, the field naming what is at fault when something is.
 *
 * <p>Every request under {@code /api/} needs a bearer token ({@link Tokens}): a read token for GET, a submit token
 * for anything else, unless the server was started without authentication.
 *
 * <p>It also serves the dashboard, one page ({@code GET /}) that draws from these endpoints, with ECharts from its
 * WebJar ({@code GET /webjars/echarts/...}): nothing is fetched from outside at run time. Both are static and hold no
 * data, so they are served to anyone; the page asks for a token and sends it with each of its calls.
 */
public final class GatewayServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(GatewayServer.class);
    private static final String JSON = "application/json";
    private static final Set<String> SPEC_TYPES = Set.of("application/yaml", "text/yaml", "application/json");
    static final String EXPERIMENTS = "/api/experiments";
    static final String ECHARTS = "/webjars/echarts/5.3.1/dist/echarts.min.js";
    static final int DEFAULT_LIMIT = 1_000;
    static final int MAX_LIMIT = 10_000;
    static final long HEARTBEAT_MS = 15_000;
    /** A cancellation's body is at most a reason. */
    static final int MAX_CANCEL_BYTES = 4_096;
    // Events per write to a stream: a reconnecting client of a long log gets it in slices, as the socket drains.
    private static final int STREAM_SLICE = 256;
    private static final String HOLDER = "tunelog.token";

    private final ExperimentCatalog catalog;
    private final KafkaProducer<String, byte[]> producer;
    private final SchedulingService gate = new SchedulingService();
    private final HttpSecurity security;
    private final Vertx vertx;
    private final Router router;
    private final int port;

    private GatewayServer(ExperimentCatalog catalog, KafkaProducer<String, byte[]> producer, String host, int port,
                          HttpSecurity security) {
        this.catalog = catalog;
        this.producer = producer;
        this.security = security;
        // Nothing is served from the class path, so Vert.x needs no file cache directory.
        this.vertx = Vertx.vertx(new VertxOptions().setFileSystemOptions(
                new FileSystemOptions().setClassPathResolvingEnabled(false).setFileCachingEnabled(false)));
        this.router = router();
        HttpServerOptions options = new HttpServerOptions()
                // Streams beat every 15 s, so only a client that is gone goes this long without traffic.
                .setIdleTimeout(2).setIdleTimeoutUnit(TimeUnit.MINUTES);
        if (security.tls() != null) {
            options.setSsl(true).setKeyCertOptions(new PfxOptions()
                    .setPath(security.tls().keystore().toString()).setPassword(security.tls().password()));
        }
        try {
            this.port = vertx.createHttpServer(options)
                    .requestHandler(router)
                    .listen(port, host)
                    .await(30, TimeUnit.SECONDS)
                    .actualPort();
        } catch (Exception e) {
            vertx.close();
            throw new IllegalStateException("cannot serve the gateway on " + host + ":" + port + ": " + e.getMessage(), e);
        }
        security.warnings("the gateway", host).forEach(LOG::warn);
    }

    /**
     * Starts reading the log and listening on {@code host}:{@code port} (0 for any free port), letting clients in as
     * {@code security} says. The log and the rejections topic must exist or appear within a minute.
     */
    public static GatewayServer start(KafkaClients clients, String host, int port, HttpSecurity security) {
        ExperimentCatalog catalog = new ExperimentCatalog(clients);
        KafkaProducer<String, byte[]> producer = null;
        try {
            producer = clients.producer("tunelog-gateway", null);
            return new GatewayServer(catalog, producer, host, port, security);
        } catch (RuntimeException e) {
            if (producer != null) {
                producer.close();
            }
            catalog.close();
            throw e;
        }
    }

    /** The port listened on. */
    public int port() {
        return port;
    }

    /** Whether the catalog has read the log as far as it went at start. */
    public boolean caughtUp() {
        return catalog.caughtUp();
    }

    /** Whether the catalog still reads the log: a reader that failed leaves a gateway that answers from the past. */
    public boolean isLive() {
        return catalog.failure().isEmpty();
    }

    /** Every API route served, as {@code "GET /api/experiments/{experimentId}"}: what openapi.yaml must describe. */
    public List<String> routes() {
        List<String> routes = new ArrayList<>();
        for (Route route : router.getRoutes()) {
            if (route.getPath() == null || route.methods() == null || !route.getPath().startsWith("/api/")) {
                continue; // the catch-all failure handler, and the dashboard's page and script
            }
            String path = route.getPath().replaceAll(":([A-Za-z]+)", "{$1}");
            route.methods().forEach(m -> routes.add(m.name() + " " + path));
        }
        return routes;
    }

    private Router router() {
        Router r = Router.router(vertx);
        // First, so nothing under /api/ answers (not even a 404 or a body limit) before the token is checked.
        r.route("/api/*").handler(this::authorize);
        r.post(EXPERIMENTS)
                // No uploads: the body is one spec, held in memory, and the spec's own limit is the body's.
                .handler(BodyHandler.create(false).setBodyLimit(SpecParser.MAX_SPEC_BYTES))
                .handler(this::submit);
        r.post(EXPERIMENTS + "/:experimentId/cancel")
                .handler(BodyHandler.create(false).setBodyLimit(MAX_CANCEL_BYTES))
                .handler(this::cancel);
        r.get(EXPERIMENTS).handler(this::list);
        r.get(EXPERIMENTS + "/:experimentId").handler(this::experiment);
        r.get(EXPERIMENTS + "/:experimentId/trials").handler(this::trials);
        r.get(EXPERIMENTS + "/:experimentId/trials/:trialId/reports").handler(this::reports);
        r.get(EXPERIMENTS + "/:experimentId/decisions").handler(this::decisions);
        r.get(EXPERIMENTS + "/:experimentId/curves").handler(this::curves);
        r.get("/").handler(resource("dashboard/index.html", "text/html; charset=utf-8"));
        r.get(ECHARTS).handler(resource("META-INF/resources/webjars" + ECHARTS.substring("/webjars".length()), "text/javascript; charset=utf-8"));
        r.get(EXPERIMENTS + "/:experimentId/events").handler(this::events);
        r.get(EXPERIMENTS + "/:experimentId/stream").handler(this::stream);
        r.route().failureHandler(this::failed);
        r.errorHandler(404, ctx -> error(ctx, new Problem(404, "path", "no endpoint " + ctx.request().path())));
        r.errorHandler(405, ctx -> error(ctx, new Problem(405, "method", ctx.request().method() + " is not served on "
                + ctx.request().path())));
        return r;
    }

    /**
     * Reading needs a read token; anything else changes what runs, so it needs a submit token. The holder is kept for
     * the commands, which say who sent them.
     */
    private void authorize(RoutingContext ctx) {
        HttpMethod method = ctx.request().method();
        Tokens.Scope needed = method == HttpMethod.GET || method == HttpMethod.HEAD ? Tokens.Scope.READ : Tokens.Scope.SUBMIT;
        Tokens.Holder holder = security.authorize(ctx.request().getHeader(HttpHeaders.AUTHORIZATION), needed);
        if (holder != null) {
            ctx.put(HOLDER, holder);
        }
        ctx.next();
    }

    /** Who sent a command, as the log records it: the client's address, and the token's name when it has one. */
    private static String sender(RoutingContext ctx) {
        Tokens.Holder holder = ctx.get(HOLDER);
        String address = "http " + ctx.request().remoteAddress();
        return holder == null || holder.name().isEmpty() ? address : address + " token " + holder.name();
    }

    // ---- POST /api/experiments ----

    private void submit(RoutingContext ctx) {
        String type = mediaType(ctx.request().getHeader(HttpHeaders.CONTENT_TYPE));
        if (!SPEC_TYPES.contains(type)) {
            throw new Problem(415, "Content-Type", "the spec must be sent as application/yaml, text/yaml or application/json, not "
                    + (type.isEmpty() ? "without a Content-Type" : type));
        }
        String givenId = ctx.queryParams().get("id");
        Buffer body = ctx.body().buffer();
        String submitter = sender(ctx);
        blocking(ctx, () -> {
            String text = utf8(body);
            ExperimentSpec spec;
            try {
                spec = SpecParser.parse(text);
                // What the gate would refuse, refused before anything is sent, as the CLI does.
                gate.checkSubmittedSpec(spec);
            } catch (SpecException e) {
                throw new Problem(400, e.field(), e.getMessage());
            }
            String id = givenId != null ? givenId : newExperimentId(spec);
            String idProblem = Event.experimentIdProblem(id);
            if (idProblem != null) {
                throw new Problem(400, "id", idProblem);
            }
            if (catalog.read(id, e -> true).isPresent()) {
                // The gate's own words; sending it only to be refused would tell the client nothing sooner.
                throw new Problem(422, "id", "experiment " + id + " already exists");
            }
            send(id, new SubmitExperiment(id, text, submitter), "submission");
            ObjectNode node = Json.MAPPER.createObjectNode();
            node.put("experimentId", id);
            return new Reply(202, node, EXPERIMENTS + "/" + id);
        });
    }

    // ---- POST /api/experiments/{experimentId}/cancel ----

    private void cancel(RoutingContext ctx) {
        String id = ctx.pathParam("experimentId");
        String reason = cancelReason(ctx.body().buffer(), mediaType(ctx.request().getHeader(HttpHeaders.CONTENT_TYPE)));
        String requestedBy = sender(ctx);
        blocking(ctx, () -> {
            // The gate's own rule and words: what it would refuse is refused before anything is sent.
            EventPayload.ExperimentCancelled cancellation = new EventPayload.ExperimentCancelled(reason, requestedBy);
            read(id, experiment -> Admission.refusal(experiment.state(), null, cancellation)).ifPresent(refusal -> {
                throw new Problem(409, "experimentId", refusal);
            });
            send(id, new CancelExperiment(id, reason, requestedBy), "cancel");
            ObjectNode node = Json.MAPPER.createObjectNode();
            node.put("experimentId", id);
            return new Reply(202, node, EXPERIMENTS + "/" + id);
        });
    }

    /** The optional JSON body {@code {"reason": "..."}}; no body means no reason. */
    private static String cancelReason(Buffer body, String type) {
        if (body == null || body.length() == 0) {
            return "";
        }
        if (!type.equals(JSON)) {
            throw new Problem(415, "Content-Type", "a cancellation's body must be application/json, not "
                    + (type.isEmpty() ? "without a Content-Type" : type));
        }
        JsonNode node;
        try {
            node = Json.MAPPER.readTree(utf8(body));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new Problem(400, "body", "not JSON: " + e.getOriginalMessage());
        }
        if (node == null || !node.isObject()) {
            throw new Problem(400, "body", "expected an object such as {\"reason\": \"...\"}");
        }
        for (var names = node.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!name.equals("reason")) {
                throw new Problem(400, name, "unknown field; a cancellation takes only \"reason\"");
            }
        }
        JsonNode reason = node.get("reason");
        if (reason == null || reason.isNull()) {
            return "";
        }
        if (!reason.isTextual()) {
            throw new Problem(400, "reason", "expected a string, found " + reason.getNodeType().name().toLowerCase(Locale.ROOT));
        }
        return reason.asText();
    }

    /** Sends a command to the gate and waits for the broker to have it. */
    private void send(String experimentId, SpecificRecordBase command, String what) {
        try {
            producer.send(new ProducerRecord<>(Topics.SUBMISSIONS, experimentId, AvroBytes.encode(command))).get(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new Problem(503, null, "interrupted while sending the " + what + " of " + experimentId);
        } catch (Exception e) {
            throw new Problem(503, null, "cannot send the " + what + " of " + experimentId + " to Kafka: "
                    + (e.getCause() != null ? e.getCause().getMessage() : e.toString()));
        }
    }

    /** The type of a Content-Type header without its parameters, in lower case; empty when there is none. */
    static String mediaType(String header) {
        if (header == null) {
            return "";
        }
        int semicolon = header.indexOf(';');
        return (semicolon < 0 ? header : header.substring(0, semicolon)).trim().toLowerCase(Locale.ROOT);
    }

    private static String utf8(Buffer body) {
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(body == null ? new byte[0] : body.getBytes()))
                    .toString();
        } catch (CharacterCodingException e) {
            throw new Problem(400, "body", "the spec is not UTF-8 text");
        }
    }

    /** As {@code tunelog submit} names an experiment: the spec's name, the local time, and a random suffix. */
    static String newExperimentId(ExperimentSpec spec) {
        return spec.name() + "-" + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"))
                + "-" + Integer.toHexString(ThreadLocalRandom.current().nextInt(0x1000, 0x10000));
    }

    // ---- GET /api/experiments ----

    private void list(RoutingContext ctx) {
        blocking(ctx, () -> {
            List<Row> rows = catalog.readAll(Row::of);
            rows.sort(Comparator.comparing((Row r) -> r.submittedAt == null ? "" : r.submittedAt).thenComparing(r -> r.node.get("experimentId").asText()));
            ObjectNode body = Json.MAPPER.createObjectNode();
            ArrayNode list = body.putArray("experiments");
            rows.forEach(r -> list.add(r.node));
            return new Reply(200, body);
        });
    }

    private record Row(String submittedAt, ObjectNode node) {
        static Row of(Experiment experiment) {
            ExperimentState state = experiment.state();
            ObjectNode node = Json.MAPPER.createObjectNode();
            node.put("experimentId", state.experimentId());
            node.put("name", state.spec() == null ? null : state.spec().name());
            node.put("status", state.status().name());
            String submitted = state.submittedAt() == null ? null : state.submittedAt().toString();
            node.put("submittedAt", submitted);
            node.set("trials", trialCounts(experiment));
            node.set("best", best(experiment, false));
            return new Row(submitted, node);
        }
    }

    private static ObjectNode trialCounts(Experiment experiment) {
        ObjectNode trials = Json.MAPPER.createObjectNode();
        trials.put("total", experiment.state().trials().size());
        for (TrialStatus status : TrialStatus.values()) {
            trials.put(status.name().toLowerCase(Locale.ROOT), experiment.trialsByStatus().getOrDefault(status, 0));
        }
        return trials;
    }

    private static JsonNode best(Experiment experiment, boolean withConfig) {
        ExperimentState state = experiment.state();
        return experiment.best().<JsonNode>map(best -> {
            ObjectNode b = Json.MAPPER.createObjectNode();
            b.put("trialId", best.trialId());
            b.put("metric", state.spec().metric().name());
            b.put("value", best.value());
            if (withConfig) {
                b.set("config", Json.MAPPER.valueToTree(new TreeMap<>(state.trial(best.trialId()).config())));
            }
            return b;
        }).orElse(Json.MAPPER.nullNode());
    }

    // ---- GET /api/experiments/{experimentId} ----

    private void experiment(RoutingContext ctx) {
        String id = ctx.pathParam("experimentId");
        blocking(ctx, () -> {
            record Summary(ObjectNode node, String specJson) {}
            Summary summary = read(id, experiment -> {
                ExperimentState state = experiment.state();
                ObjectNode node = Json.MAPPER.createObjectNode();
                node.put("experimentId", id);
                node.put("name", state.spec() == null ? null : state.spec().name());
                node.put("status", state.status().name());
                node.put("submittedAt", state.submittedAt() == null ? null : state.submittedAt().toString());
                node.set("trials", trialCounts(experiment));
                node.set("decisions", Json.MAPPER.valueToTree(experiment.decisionsByRule()));
                node.set("best", best(experiment, true));
                state.completion().ifPresentOrElse(c -> {
                    ObjectNode done = node.putObject("completion");
                    done.put("bestTrialId", c.bestTrialId());
                    done.put("bestMetric", c.bestMetric());
                }, () -> node.putNull("completion"));
                state.cancellation().ifPresentOrElse(c -> {
                    ObjectNode cancelled = node.putObject("cancellation");
                    cancelled.put("reason", c.reason());
                    cancelled.put("cancelledBy", c.cancelledBy());
                }, () -> node.putNull("cancellation"));
                node.put("eventsInLog", state.eventCount());
                node.put("lastOffset", state.lastOffset());
                node.put("anomalies", state.anomalyCount());
                ArrayNode rejected = node.putArray("rejectedSubmissions");
                catalog.rejections(id).forEach(r -> rejected.add(rejection(r)));
                return new Summary(node, state.specJson());
            });
            // Parsed outside the lock: a spec may be a few hundred KiB.
            summary.node().set("spec", summary.specJson() == null ? Json.MAPPER.nullNode() : Json.MAPPER.readTree(summary.specJson()));
            return new Reply(200, summary.node());
        });
    }

    private static ObjectNode rejection(Rejection r) {
        ObjectNode node = Json.MAPPER.createObjectNode();
        node.put("partition", r.partition());
        node.put("offset", r.commandOffset());
        node.put("reason", r.reason());
        return node;
    }

    // ---- GET /api/experiments/{experimentId}/trials ----

    private void trials(RoutingContext ctx) {
        String id = ctx.pathParam("experimentId");
        TrialStatus status = enumParam(ctx, "status", TrialStatus.class, null);
        String sort = choice(ctx, "sort", List.of("trial", "metric"), "trial");
        String order = choice(ctx, "order", List.of("asc", "desc"), "asc");
        blocking(ctx, () -> {
            Trials trials = read(id, experiment -> {
                ExperimentState state = experiment.state();
                String metric = state.spec() == null ? null : state.spec().metric().name();
                List<TrialRow> rows = new ArrayList<>();
                for (TrialState t : state.trials()) {
                    if (status != null && t.status() != status) {
                        continue;
                    }
                    Double value = metric == null ? null : t.lastValue(metric).orElse(null);
                    ObjectNode node = Json.MAPPER.createObjectNode();
                    node.put("trialId", t.trialId());
                    node.put("status", t.status().name());
                    node.set("config", Json.MAPPER.valueToTree(new TreeMap<>(t.config())));
                    node.put("attempt", t.attempt());
                    node.put("lastValue", value);
                    node.put("stepsReported", t.reports().size());
                    node.put("lastStep", t.reports().isEmpty() ? null : t.reports().get(t.reports().size() - 1).step());
                    node.put("workerId", t.workerId());
                    node.put("origin", t.origin());
                    rows.add(new TrialRow(t.index(), value, node));
                }
                return new Trials(metric, rows);
            });
            Comparator<TrialRow> by = sort.equals("metric")
                    ? Comparator.comparing(TrialRow::value, Comparator.nullsLast(order.equals("asc")
                            ? Comparator.<Double>naturalOrder() : Comparator.<Double>reverseOrder()))
                    : Comparator.comparingInt(TrialRow::index);
            if (sort.equals("trial") && order.equals("desc")) {
                by = by.reversed();
            }
            // Ties (equal values, or none) keep creation order.
            List<TrialRow> rows = new ArrayList<>(trials.rows());
            rows.sort(by.thenComparingInt(TrialRow::index));
            ObjectNode body = Json.MAPPER.createObjectNode();
            body.put("experimentId", id);
            body.put("metric", trials.metric());
            ArrayNode list = body.putArray("trials");
            rows.forEach(r -> list.add(r.node()));
            return new Reply(200, body);
        });
    }

    private record TrialRow(int index, Double value, ObjectNode node) {}

    private record Trials(String metric, List<TrialRow> rows) {}

    // ---- GET /api/experiments/{experimentId}/trials/{trialId}/reports ----

    private void reports(RoutingContext ctx) {
        String id = ctx.pathParam("experimentId");
        String trialId = ctx.pathParam("trialId");
        blocking(ctx, () -> {
            List<Report> reports = read(id, experiment -> {
                TrialState trial = experiment.state().trial(trialId);
                return trial == null ? null : List.copyOf(trial.reports());
            });
            if (reports == null) {
                throw new Problem(404, "trialId", "experiment " + id + " has no trial " + trialId);
            }
            ObjectNode body = Json.MAPPER.createObjectNode();
            body.put("experimentId", id);
            body.put("trialId", trialId);
            ArrayNode list = body.putArray("reports");
            for (Report r : reports) {
                ObjectNode node = list.addObject();
                node.put("attempt", r.attempt());
                node.put("step", r.step());
                node.set("metrics", Json.MAPPER.valueToTree(new TreeMap<>(r.metrics())));
                node.put("timestamp", r.timestamp().toString());
            }
            return new Reply(200, body);
        });
    }

    // ---- GET /api/experiments/{experimentId}/decisions ----

    private void decisions(RoutingContext ctx) {
        String id = ctx.pathParam("experimentId");
        blocking(ctx, () -> {
            List<LoggedEvent> decisions = read(id, experiment -> List.copyOf(experiment.decisions()));
            ObjectNode body = Json.MAPPER.createObjectNode();
            body.put("experimentId", id);
            ArrayNode list = body.putArray("decisions");
            for (LoggedEvent logged : decisions) {
                TrialDecision d = (TrialDecision) logged.event().payload();
                ObjectNode node = list.addObject();
                node.put("offset", logged.offset());
                node.put("timestamp", logged.event().timestamp().toString());
                node.put("trialId", logged.event().trialId());
                node.put("attempt", d.attempt());
                node.put("action", d.action().name());
                node.put("rule", d.rule());
                node.put("reason", d.reason());
                node.put("rung", d.rung());
                node.set("inputs", Json.MAPPER.valueToTree(new TreeMap<>(d.inputs())));
            }
            return new Reply(200, body);
        });
    }

    // ---- GET /api/experiments/{experimentId}/curves ----

    /**
     * Every trial's reported values of the metric, in report order, with the trial's status: one request draws every
     * learning curve, where one per trial would be 10,000 requests for a 10,000-trial experiment.
     */
    private void curves(RoutingContext ctx) {
        String id = ctx.pathParam("experimentId");
        blocking(ctx, () -> read(id, experiment -> {
            ExperimentState state = experiment.state();
            ObjectNode body = Json.MAPPER.createObjectNode();
            body.put("experimentId", id);
            String metric = state.spec() == null ? null : state.spec().metric().name();
            body.put("metric", metric);
            body.put("mode", state.spec() == null ? null : state.spec().metric().mode().name().toLowerCase(java.util.Locale.ROOT));
            ArrayNode curves = body.putArray("curves");
            for (TrialState t : state.trials()) {
                ObjectNode curve = curves.addObject();
                curve.put("trialId", t.trialId());
                curve.put("status", t.status().name());
                ArrayNode points = curve.putArray("points");
                String lastAt = null;
                for (Report r : t.reports()) {
                    Double value = metric == null ? null : r.metrics().get(metric);
                    if (value != null) {
                        points.addArray().add(r.step()).add(value);
                        lastAt = r.timestamp().toString();
                    }
                }
                curve.put("lastReportAt", lastAt);
            }
            return new Reply(200, body);
        }));
    }

    // ---- the dashboard ----

    /** Serves one class-path resource, read once: the page and its script are all the dashboard needs. */
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

    // ---- GET /api/experiments/{experimentId}/events ----

    private void events(RoutingContext ctx) {
        String id = ctx.pathParam("experimentId");
        long from = longParam(ctx, "from", 0, Long.MAX_VALUE, 0);
        int limit = (int) longParam(ctx, "limit", 1, MAX_LIMIT, DEFAULT_LIMIT);
        blocking(ctx, () -> {
            record Page(List<LoggedEvent> events, boolean more) {}
            Page page = read(id, experiment -> {
                // One more than asked for says whether another page is there, without a count of the rest.
                List<LoggedEvent> events = experiment.eventsFrom(from, limit + 1);
                return events.size() > limit ? new Page(events.subList(0, limit), true) : new Page(events, false);
            });
            ObjectNode body = Json.MAPPER.createObjectNode();
            body.put("experimentId", id);
            ArrayNode list = body.putArray("events");
            page.events().forEach(e -> list.add(Json.event(e)));
            body.put("next", page.events().isEmpty() ? from : page.events().get(page.events().size() - 1).offset() + 1);
            body.put("more", page.more());
            return new Reply(200, body);
        });
    }

    // ---- GET /api/experiments/{experimentId}/stream ----

    private void stream(RoutingContext ctx) {
        String id = ctx.pathParam("experimentId");
        String lastEventId = ctx.request().getHeader("Last-Event-ID");
        long after;
        try {
            after = lastEventId == null || lastEventId.isBlank() ? -1 : Long.parseLong(lastEventId.trim());
        } catch (NumberFormatException e) {
            throw new Problem(400, "Last-Event-ID", "Last-Event-ID must be an event's id (its log offset), not " + lastEventId);
        }
        if (after < -1) {
            throw new Problem(400, "Last-Event-ID", "Last-Event-ID must be an offset, 0 or more, not " + lastEventId);
        }
        // A short read under the lock, on the event loop: it decides between a stream and an error status.
        int start = read(id, experiment -> experiment.firstIndexAtOrAfter(after + 1));
        new Feed(ctx, id, start).open();
    }

    /**
     * One client's stream. It holds an index into the experiment's events (which only grow) rather than a queue
     * of its own: each wake-up writes what lies past the index, a slice at a time while the socket takes it, so a
     * slow client costs a position, not a copy of the log.
     */
    private final class Feed {
        private final String experimentId;
        private final HttpServerResponse response;
        private final Context context;
        private final AtomicBoolean scheduled = new AtomicBoolean();
        private int next;
        private boolean closed;
        private Runnable unsubscribe;
        private long heartbeat;

        Feed(RoutingContext ctx, String experimentId, int next) {
            this.experimentId = experimentId;
            this.response = ctx.response();
            this.context = vertx.getOrCreateContext();
            this.next = next;
        }

        void open() {
            response.setChunked(true)
                    .putHeader(HttpHeaders.CONTENT_TYPE, "text/event-stream; charset=utf-8")
                    .putHeader(HttpHeaders.CACHE_CONTROL, "no-cache")
                    // A buffering proxy would hold events back until its buffer fills.
                    .putHeader("X-Accel-Buffering", "no");
            response.closeHandler(v -> close());
            response.exceptionHandler(e -> close());
            response.write(": events of " + experimentId + "\n\n");
            heartbeat = vertx.setPeriodic(HEARTBEAT_MS, t -> {
                if (!response.writeQueueFull()) {
                    response.write(": heartbeat\n\n");
                }
            });
            // Subscribed before the first pump, so an event folded in between wakes it again rather than being missed.
            unsubscribe = catalog.subscribe(experimentId, this::wake);
            pump();
        }

        /** From the catalog's reader thread: hands the work to this stream's event loop, once per burst. */
        void wake() {
            if (scheduled.compareAndSet(false, true)) {
                context.runOnContext(v -> {
                    scheduled.set(false);
                    pump();
                });
            }
        }

        private void pump() {
            while (!closed && !response.writeQueueFull()) {
                int from = next;
                List<LoggedEvent> slice = catalog.read(experimentId, e -> e.eventsAt(from, STREAM_SLICE)).orElse(List.of());
                if (slice.isEmpty()) {
                    return;
                }
                next += slice.size();
                StringBuilder b = new StringBuilder();
                for (LoggedEvent logged : slice) {
                    b.append("id: ").append(logged.offset()).append('\n')
                            .append("event: ").append(logged.event().payload().getClass().getSimpleName()).append('\n')
                            .append("data: ").append(Json.event(logged).toString()).append("\n\n");
                }
                response.write(b.toString());
            }
            if (!closed) {
                response.drainHandler(v -> pump());
            }
        }

        private void close() {
            if (closed) {
                return;
            }
            closed = true;
            vertx.cancelTimer(heartbeat);
            if (unsubscribe != null) {
                unsubscribe.run();
            }
        }
    }

    // ---- parameters ----

    private static long longParam(RoutingContext ctx, String name, long min, long max, long otherwise) {
        String value = ctx.queryParams().get(name);
        if (value == null) {
            return otherwise;
        }
        try {
            long n = Long.parseLong(value.trim());
            if (n >= min && n <= max) {
                return n;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new Problem(400, name, name + " must be an integer from " + min + (max == Long.MAX_VALUE ? " up" : " to " + max)
                + ", not " + value);
    }

    private static String choice(RoutingContext ctx, String name, List<String> allowed, String otherwise) {
        String value = ctx.queryParams().get(name);
        if (value == null) {
            return otherwise;
        }
        String v = value.trim().toLowerCase(Locale.ROOT);
        if (!allowed.contains(v)) {
            throw new Problem(400, name, name + " must be one of " + allowed + ", not " + value);
        }
        return v;
    }

    private static <E extends Enum<E>> E enumParam(RoutingContext ctx, String name, Class<E> type, E otherwise) {
        String value = ctx.queryParams().get(name);
        if (value == null) {
            return otherwise;
        }
        for (E e : type.getEnumConstants()) {
            if (e.name().equalsIgnoreCase(value.trim())) {
                return e;
            }
        }
        List<String> names = new ArrayList<>();
        for (E e : type.getEnumConstants()) {
            names.add(e.name());
        }
        throw new Problem(400, name, name + " must be one of " + names + ", not " + value);
    }

    // ---- answers ----

    /** {@code query} on the experiment under its lock, or the {@link Problem} that says why there is none. */
    private <T> T read(String experimentId, java.util.function.Function<Experiment, T> query) {
        return catalog.require(experimentId, query);
    }

    private record Reply(int status, JsonNode body, String location) {
        Reply(int status, JsonNode body) {
            this(status, body, null);
        }
    }

    /**
     * Runs {@code work} off the event loop: it takes experiments' locks, which the fold holds while it applies an
     * event, and its cost grows with what it answers (every trial of a 10,000-trial experiment, a page of events).
     */
    private void blocking(RoutingContext ctx, Callable<Reply> work) {
        long started = System.nanoTime();
        vertx.executeBlocking(() -> {
            Reply reply = work.call();
            return new Object[] {reply, Json.MAPPER.writeValueAsBytes(reply.body())};
        }, false).onComplete(done -> {
            int status = done.failed() ? (done.cause() instanceof Problem p ? p.status : 500) : ((Reply) done.result()[0]).status();
            // Micrometer's global registry: a no-op unless the process added one (the CLI does, to serve /metrics).
            Timer.builder("tunelog.gateway.requests").description("API requests answered, by route and status")
                    .tag("route", ctx.currentRoute().getPath()).tag("status", String.valueOf(status))
                    .register(Metrics.globalRegistry).record(System.nanoTime() - started, TimeUnit.NANOSECONDS);
            if (done.failed()) {
                ctx.fail(done.cause());
                return;
            }
            Reply reply = (Reply) done.result()[0];
            HttpServerResponse response = ctx.response().setStatusCode(reply.status()).putHeader(HttpHeaders.CONTENT_TYPE, JSON);
            if (reply.location() != null) {
                response.putHeader(HttpHeaders.LOCATION, reply.location());
            }
            response.end(Buffer.buffer((byte[]) done.result()[1]));
        });
    }

    private void failed(RoutingContext ctx) {
        if (ctx.failure() instanceof Problem p) {
            error(ctx, p);
        } else if (ctx.failure() == null && ctx.statusCode() == 413) {
            error(ctx, new Problem(413, "body", "the body is over " + SpecParser.MAX_SPEC_BYTES + " bytes (256 KiB), the largest spec accepted"));
        } else if (ctx.failure() == null) {
            error(ctx, new Problem(ctx.statusCode(), null, "request failed with status " + ctx.statusCode()));
        } else {
            LOG.warn("request {} failed", ctx.request().path(), ctx.failure());
            error(ctx, new Problem(500, null, "internal error: " + ctx.failure()));
        }
    }

    private static void error(RoutingContext ctx, Problem p) {
        if (ctx.response().headWritten()) {
            ctx.response().reset();
            return;
        }
        ObjectNode body = Json.MAPPER.createObjectNode();
        body.put("error", p.getMessage());
        if (p.field != null) {
            body.put("field", p.field);
        }
        byte[] bytes;
        try {
            bytes = Json.MAPPER.writeValueAsBytes(body);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
        if (p.status == 401) {
            ctx.response().putHeader("WWW-Authenticate", Tokens.CHALLENGE);
        }
        ctx.response().setStatusCode(p.status).putHeader(HttpHeaders.CONTENT_TYPE, JSON).end(Buffer.buffer(bytes));
    }

    @Override
    public void close() {
        try {
            vertx.close().await(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            LOG.warn("gateway did not stop cleanly: {}", e.toString());
        }
        producer.close();
        catalog.close();
    }
}
