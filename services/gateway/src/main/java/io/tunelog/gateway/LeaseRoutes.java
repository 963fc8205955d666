package io.tunelog.gateway;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tunelog.domain.event.EventPayload;
import io.tunelog.http.JsonResponses;
import io.tunelog.http.Problem;
import io.tunelog.results.Json;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.ext.web.RoutingContext;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;
import java.util.function.BiFunction;

/**
 * The ask-and-tell routes, for a work token: take the next queued trial of an experiment under a lease, then report,
 * checkpoint, renew, complete or fail it. Each answers once the gate has judged what was sent, with where the attempt
 * stands: {@code "action": "CONTINUE"} while it runs, {@code "STOP"} once the scheduler stopped or paused it or it
 * ended.
 */
final class LeaseRoutes {
    static final String LEASES = GatewayServer.EXPERIMENTS + "/:experimentId/leases";
    static final String LEASE = LEASES + "/:leaseId";
    static final int DEFAULT_LEASE_SECONDS = 60;
    static final int MAX_LEASE_SECONDS = 3_600;
    static final int MAX_WAIT_SECONDS = 60;

    private final LeaseDesk desk;

    LeaseRoutes(LeaseDesk desk) {
        this.desk = desk;
    }

    /** {@code POST /api/experiments/{experimentId}/leases[?wait=&leaseSeconds=]}: 201 and the trial, or 204. */
    void take(RoutingContext ctx) {
        String experimentId = ctx.pathParam("experimentId");
        Duration term = Duration.ofSeconds(WorkRequests.seconds(ctx.queryParams().get("leaseSeconds"), "leaseSeconds",
                DEFAULT_LEASE_SECONDS, 1, MAX_LEASE_SECONDS));
        Duration wait = Duration.ofSeconds(WorkRequests.seconds(ctx.queryParams().get("wait"), "wait", 0, 0, MAX_WAIT_SECONDS));
        String host = CommandRoutes.sender(ctx);
        Reply.offLoop(ctx, () -> desk.take(experimentId, term, wait, host)
                .map(taken -> new Reply(201, taken(taken), GatewayServer.EXPERIMENTS + "/" + experimentId + "/leases/" + taken.lease().leaseId()))
                .orElseGet(() -> new Reply(204, null)));
    }

    /** {@code POST .../leases/{leaseId}/renew}: the lease moved on, and where its attempt stands. */
    void renew(RoutingContext ctx) {
        onLease(ctx, (lease, body) -> desk.standing(lease));
    }

    /** {@code POST .../leases/{leaseId}/reports}: {@code {"step": 3, "metrics": {"loss": 0.2}}}. */
    void report(RoutingContext ctx) {
        onLease(ctx, (lease, body) -> {
            WorkRequests.Report r = WorkRequests.report(body);
            return desk.send(lease, new EventPayload.TrialReported(lease.attempt(), r.step(), r.metrics(), null, null), "step-" + r.step());
        });
    }

    /**
     * {@code POST .../leases/{leaseId}/checkpoints}: a checkpoint the client stored itself, by reference. It is named
     * within its attempt, as a worker's are, and must be stored where its id says (its URI ending
     * {@code /<experimentId>/<trialId>/a<attempt>/<name>}), which the gate checks as it does for workers.
     */
    void checkpoint(RoutingContext ctx) {
        onLease(ctx, (lease, body) -> {
            WorkRequests.CheckpointRef c = WorkRequests.checkpoint(body);
            String id = checkpointPrefix(lease) + c.name();
            String place = "/" + lease.experimentId() + "/" + id;
            String path = URI.create(c.uri()).getPath();
            if (path == null || !(path.endsWith(place) || path.endsWith(place + "/"))) {
                throw new Problem(400, "uri", "a checkpoint of this lease must be stored at a URI whose path ends with " + place
                        + ", not " + c.uri());
            }
            return desk.send(lease, new EventPayload.CheckpointRegistered(lease.attempt(), id, c.step(), c.uri(),
                    c.sizeBytes(), c.metrics()), "checkpoint-" + id);
        });
    }

    /** {@code POST .../leases/{leaseId}/complete}: optionally {@code {"metrics": {...}}}. */
    void complete(RoutingContext ctx) {
        onLease(ctx, (lease, body) -> desk.send(lease, new EventPayload.TrialCompleted(lease.attempt(),
                WorkRequests.completion(body).metrics()), "completed"));
    }

    /** {@code POST .../leases/{leaseId}/fail}: {@code {"error": "...", "retryable": true}}. */
    void fail(RoutingContext ctx) {
        onLease(ctx, (lease, body) -> {
            WorkRequests.Failure f = WorkRequests.failure(body);
            return desk.send(lease, new EventPayload.TrialFailed(lease.attempt(), f.error(), f.retryable()), "failed");
        });
    }

    private void onLease(RoutingContext ctx, BiFunction<Lease, String, LeaseDesk.Standing> call) {
        String experimentId = ctx.pathParam("experimentId");
        String leaseId = ctx.pathParam("leaseId");
        String body = body(ctx);
        Reply.offLoop(ctx, () -> new Reply(200, standing(call.apply(desk.touch(experimentId, leaseId), body))));
    }

    private static String body(RoutingContext ctx) {
        Buffer buffer = ctx.body().buffer();
        if (buffer == null || buffer.length() == 0) {
            return "";
        }
        String type = ctx.request().getHeader(HttpHeaders.CONTENT_TYPE);
        String media = type == null ? "" : type.split(";")[0].trim().toLowerCase(Locale.ROOT);
        if (!media.equals(JsonResponses.JSON)) {
            throw new Problem(415, "Content-Type", "a lease's calls take application/json, not "
                    + (media.isEmpty() ? "a body without a Content-Type" : media));
        }
        return buffer.toString(StandardCharsets.UTF_8);
    }

    /** What a checkpoint of the lease's attempt is named below: {@code <trialId>/a<attempt>/}. */
    private static String checkpointPrefix(Lease lease) {
        return lease.trialId() + "/a" + lease.attempt() + "/";
    }

    private static ObjectNode taken(LeaseDesk.Taken taken) {
        Lease lease = taken.lease();
        ObjectNode node = lease(lease);
        node.set("config", Json.MAPPER.valueToTree(taken.offer().config()));
        if (taken.offer().restoreCheckpointId() == null) {
            node.putNull("restoreFrom");
        } else {
            ObjectNode restore = node.putObject("restoreFrom");
            restore.put("checkpointId", taken.offer().restoreCheckpointId());
            restore.put("uri", taken.offer().restoreUri());
        }
        node.put("leaseSeconds", lease.term().toSeconds());
        ObjectNode checkpoints = node.putObject("checkpoints");
        checkpoints.put("idPrefix", checkpointPrefix(lease));
        checkpoints.put("uriPathEndsWith", "/" + lease.experimentId() + "/" + checkpointPrefix(lease) + "<name>");
        node.put("action", "CONTINUE");
        return node;
    }

    private static ObjectNode standing(LeaseDesk.Standing s) {
        ObjectNode node = lease(s.lease());
        node.put("status", s.status());
        node.put("action", s.running() ? "CONTINUE" : "STOP");
        if (s.reason() != null) {
            node.put("reason", s.reason());
        }
        return node;
    }

    private static ObjectNode lease(Lease lease) {
        ObjectNode node = Json.MAPPER.createObjectNode();
        node.put("leaseId", lease.leaseId());
        node.put("experimentId", lease.experimentId());
        node.put("trialId", lease.trialId());
        node.put("attempt", lease.attempt());
        node.put("workerId", lease.workerId());
        node.put("expiresAt", lease.expiresAt().toString());
        return node;
    }
}
