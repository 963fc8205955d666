package io.tunelog.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tunelog.results.Json;
import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.ext.web.RoutingContext;
import java.io.UncheckedIOException;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How our HTTP servers answer: a JSON body, or a {@link Problem} as {@code {"error": ..., "field": ...}} (the field
 * only when something is at fault), the one error body of both servers.
 */
public final class JsonResponses {
    private static final Logger LOG = LoggerFactory.getLogger(JsonResponses.class);
    public static final String JSON = "application/json";

    private JsonResponses() {}

    /** Answers {@code status} with {@code json}, already written as bytes. */
    public static void send(RoutingContext ctx, int status, byte[] json) {
        ctx.response().setStatusCode(status).putHeader(HttpHeaders.CONTENT_TYPE, JSON).end(Buffer.buffer(json));
    }

    /** Answers {@code status} with {@code body}. */
    public static void send(RoutingContext ctx, int status, JsonNode body) {
        try {
            send(ctx, status, Json.MAPPER.writeValueAsBytes(body));
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Answers with the problem; a 401 also says how to authenticate. Once the head has gone, only a reset is left. */
    public static void problem(RoutingContext ctx, Problem p) {
        if (ctx.response().headWritten()) {
            ctx.response().reset();
            return;
        }
        ObjectNode body = Json.MAPPER.createObjectNode();
        body.put("error", p.getMessage());
        if (p.field != null) {
            body.put("field", p.field);
        }
        if (p.status == 401) {
            ctx.response().putHeader("WWW-Authenticate", Tokens.CHALLENGE);
        }
        send(ctx, p.status, body);
    }

    /**
     * A router's failure handler: a {@link Problem} is answered as itself; a failure that carries only a status (a
     * body over its limit, a path that does not decode) as {@code byStatus} explains it, or else as "request failed with
     * status N"; any other exception is logged and is a 500. Those last two name {@code field} (null: none).
     */
    public static Handler<RoutingContext> failureHandler(String field, Map<Integer, Problem> byStatus) {
        return ctx -> {
            if (ctx.failure() instanceof Problem p) {
                problem(ctx, p);
            } else if (ctx.failure() == null) {
                problem(ctx, byStatus.getOrDefault(ctx.statusCode(),
                        new Problem(ctx.statusCode(), field, "request failed with status " + ctx.statusCode())));
            } else {
                LOG.warn("request {} failed", ctx.request().path(), ctx.failure());
                problem(ctx, new Problem(500, field, "internal error: " + ctx.failure()));
            }
        };
    }
}
