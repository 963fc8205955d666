package io.tunelog.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import io.micrometer.core.instrument.Metrics;
import io.micrometer.core.instrument.Timer;
import io.tunelog.http.JsonResponses;
import io.tunelog.http.Problem;
import io.tunelog.results.Json;
import io.vertx.core.http.HttpHeaders;
import io.vertx.ext.web.RoutingContext;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

/** What an API request is answered with: a status, a JSON body (none for a 204), and, for what was just sent, where to find it. */
record Reply(int status, JsonNode body, String location) {
    Reply(int status, JsonNode body) {
        this(status, body, null);
    }

    /**
     * Answers the request with what {@code work} replies, run off the event loop: it takes experiments' locks, which the
     * fold holds while it applies an event, and its cost grows with what it answers (every trial of a 10,000-trial
     * experiment, a page of events). A {@link Problem} it throws is the answer instead. Every answer is timed.
     */
    static void offLoop(RoutingContext ctx, Callable<Reply> work) {
        long started = System.nanoTime();
        ctx.vertx().executeBlocking(() -> {
            Reply reply = work.call();
            return new Written(reply, reply.body() == null ? null : Json.MAPPER.writeValueAsBytes(reply.body()));
        }, false).onComplete(done -> {
            int status = done.failed() ? (done.cause() instanceof Problem p ? p.status : 500) : done.result().reply().status();
            // Micrometer's global registry: a no-op unless the process added one (the CLI does, to serve /metrics).
            Timer.builder("tunelog.gateway.requests").description("API requests answered, by route and status")
                    .tag("route", ctx.currentRoute().getPath()).tag("status", String.valueOf(status))
                    .register(Metrics.globalRegistry).record(System.nanoTime() - started, TimeUnit.NANOSECONDS);
            if (done.failed()) {
                ctx.fail(done.cause());
                return;
            }
            Reply reply = done.result().reply();
            if (reply.location() != null) {
                ctx.response().putHeader(HttpHeaders.LOCATION, reply.location());
            }
            if (done.result().json() == null) {
                ctx.response().setStatusCode(reply.status()).end(); // 204: nothing to say
                return;
            }
            JsonResponses.send(ctx, reply.status(), done.result().json());
        });
    }

    /** A reply with its body already written, off the event loop. */
    private record Written(Reply reply, byte[] json) {}
}
