package io.tunelog.registry.http;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tunelog.domain.state.Checkpoint;
import io.tunelog.domain.state.ExperimentState;
import io.tunelog.domain.state.TrialState;
import io.tunelog.http.HttpEndpoint;
import io.tunelog.http.HttpSecurity;
import io.tunelog.http.JsonResponses;
import io.tunelog.http.Problem;
import io.tunelog.http.Tokens;
import io.tunelog.kafka.KafkaClients;
import io.tunelog.log.ExperimentsView;
import io.tunelog.registry.storage.CheckpointStores;
import io.tunelog.results.Json;
import io.vertx.core.Vertx;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The checkpoint registry over HTTP: lists an experiment's checkpoints as the log has them and serves a
 * checkpoint's directory as a tar stream. What exists, and whether it was deleted, comes from the log
 * alone (folded by {@link ExperimentsView}); storage is consulted only for the bytes.
 *
 * <pre>
 * GET /health
 * GET /experiments/{experimentId}/checkpoints[?trial=]
 * GET /experiments/{experimentId}/checkpoints/{checkpointId}[?trial=]
 * GET /experiments/{experimentId}/checkpoints/{checkpointId}/archive[?trial=]
 * </pre>
 *
 * Checkpoint ids hold '/', so a client sends them percent-encoded as one path segment; each listed
 * checkpoint carries its archive path ready to use. Every error is RFC 9457 problem details naming the {@code field} at
 * fault ({@link JsonResponses}).
 *
 * <p>Everything under {@code /experiments/} needs a read token ({@link Tokens}), unless the server was started
 * without authentication; {@code /health} says only whether it reads the log, and answers anyone, as probes do not
 * carry tokens.
 */
public final class CheckpointServer implements AutoCloseable {
    private final ExperimentsView<ExperimentState> view;
    private final CheckpointStores stores;
    private final HttpSecurity security;
    private final HttpEndpoint endpoint;

    private CheckpointServer(ExperimentsView<ExperimentState> view, CheckpointStores stores, String host, int port,
                             HttpSecurity security) {
        this.view = view;
        this.stores = stores;
        this.security = security;
        this.endpoint = HttpEndpoint.start("the checkpoint server", host, port, security, this::routes);
    }

    /**
     * Starts reading the log and listening on {@code host}:{@code port} (0 for any free port), letting clients in as
     * {@code security} says. The log topic must exist or appear within a minute.
     */
    public static CheckpointServer start(KafkaClients clients, CheckpointStores stores, String host, int port,
                                         HttpSecurity security) {
        ExperimentsView<ExperimentState> view = ExperimentsView.states(clients, "tunelog-registry-http");
        try {
            return new CheckpointServer(view, stores, host, port, security);
        } catch (RuntimeException e) {
            view.close();
            throw e;
        }
    }

    /** The port listened on. */
    public int port() {
        return endpoint.port();
    }

    private Router routes(Vertx vertx) {
        CheckpointArchives archives = new CheckpointArchives(vertx, stores);
        Router router = Router.router(vertx);
        router.get("/health").handler(this::health);
        // Before the routes, so an unknown path or method tells nothing to a client without a token either.
        router.route("/experiments/*").handler(security.guard(method -> Tokens.Scope.READ));
        router.get("/experiments/:experimentId/checkpoints").handler(this::list);
        router.get("/experiments/:experimentId/checkpoints/:checkpointId").handler(this::metadata);
        router.get("/experiments/:experimentId/checkpoints/:checkpointId/archive").handler(ctx -> archives.send(ctx, checkpoint(ctx)));
        // What a client sends here is all in its URL, so a failure nothing else explains names the path.
        router.route().failureHandler(JsonResponses.failureHandler("path", Map.of()));
        router.errorHandler(404, ctx -> JsonResponses.problem(ctx, new Problem(404, "path", "no endpoint " + ctx.request().path()
                + "; a checkpoint id is one path segment, its '/' sent as %2F")));
        router.errorHandler(405, ctx -> JsonResponses.problem(ctx, new Problem(405, "method", ctx.request().method()
                + " is not served; use GET")));
        return router;
    }

    private void health(RoutingContext ctx) {
        view.failure().ifPresent(e -> {
            throw new Problem(503, "log", "the server stopped reading the log: " + e);
        });
        ObjectNode body = Json.MAPPER.createObjectNode();
        body.put("status", "ok");
        body.put("caughtUp", view.caughtUp());
        body.put("experiments", view.experimentCount());
        JsonResponses.send(ctx, 200, body);
    }

    private void list(RoutingContext ctx) {
        String experimentId = ctx.pathParam("experimentId");
        String trial = ctx.queryParams().get("trial");
        Snapshot snapshot = snapshot(experimentId);
        if (trial != null && !snapshot.trialIds().contains(trial)) {
            throw new Problem(404, "trial", "experiment " + experimentId + " has no trial " + trial);
        }
        ObjectNode body = Json.MAPPER.createObjectNode();
        body.put("experimentId", experimentId);
        ArrayNode list = body.putArray("checkpoints");
        snapshot.checkpoints().stream()
                .filter(c -> trial == null || c.trialId().equals(trial))
                .forEach(c -> list.add(json(experimentId, c)));
        JsonResponses.send(ctx, 200, body);
    }

    private void metadata(RoutingContext ctx) {
        String experimentId = ctx.pathParam("experimentId");
        JsonResponses.send(ctx, 200, json(experimentId, checkpoint(ctx)));
    }

    /** The checkpoint the path names, in the trial {@code ?trial=} names if given. */
    private Checkpoint checkpoint(RoutingContext ctx) {
        String experimentId = ctx.pathParam("experimentId");
        String checkpointId = ctx.pathParam("checkpointId");
        String trial = ctx.queryParams().get("trial");
        List<Checkpoint> found = snapshot(experimentId).checkpoints().stream()
                .filter(c -> c.checkpointId().equals(checkpointId) && (trial == null || c.trialId().equals(trial)))
                .toList();
        if (found.isEmpty()) {
            throw new Problem(404, "checkpointId", "experiment " + experimentId + " has no checkpoint " + checkpointId
                    + (trial == null ? "" : " in trial " + trial));
        }
        if (found.size() > 1) {
            // Workers choose checkpoint ids; the rules make them unique within a trial only.
            throw new Problem(409, "checkpointId", "checkpoint id " + checkpointId + " is registered by trials "
                    + found.stream().map(Checkpoint::trialId).toList() + "; name one with ?trial=");
        }
        return found.get(0);
    }

    private record Snapshot(List<String> trialIds, List<Checkpoint> checkpoints) {}

    /** The experiment's trials and checkpoints, copied out of the folded state under its lock. */
    private Snapshot snapshot(String experimentId) {
        return view.read(experimentId, state -> new Snapshot(
                        state.trials().stream().map(TrialState::trialId).toList(),
                        state.trials().stream().flatMap(t -> t.checkpoints().stream()).toList()))
                .orElseThrow(() -> view.caughtUp()
                        ? new Problem(404, "experimentId", "no experiment " + experimentId + " in the log")
                        : new Problem(503, "experimentId", "experiment " + experimentId
                                + " is not known yet: the server is still reading the log"));
    }

    private static ObjectNode json(String experimentId, Checkpoint c) {
        ObjectNode node = Json.MAPPER.createObjectNode();
        node.put("trialId", c.trialId());
        node.put("checkpointId", c.checkpointId());
        node.put("attempt", c.attempt());
        node.put("step", c.step());
        node.put("uri", c.uri());
        node.put("sizeBytes", c.sizeBytes());
        node.set("metrics", Json.MAPPER.valueToTree(new TreeMap<>(c.metrics())));
        node.put("status", c.deleted() ? "deleted" : "live");
        node.put("archive", "/experiments/" + segment(experimentId) + "/checkpoints/" + segment(c.checkpointId()) + "/archive");
        return node;
    }

    /** Percent-encodes all but RFC 3986's unreserved characters, so the value stays one path segment. */
    static String segment(String value) {
        StringBuilder b = new StringBuilder();
        for (byte x : value.getBytes(StandardCharsets.UTF_8)) {
            char c = (char) (x & 0xff);
            if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' || c == '~') {
                b.append(c);
            } else {
                b.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
                        .append(Character.toUpperCase(Character.forDigit(c & 0xf, 16)));
            }
        }
        return b.toString();
    }

    @Override
    public void close() {
        endpoint.close();
        view.close();
    }
}
