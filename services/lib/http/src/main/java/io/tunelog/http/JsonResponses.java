package io.tunelog.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.netty.handler.codec.http.HttpResponseStatus;
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
 * How our HTTP servers answer: a JSON body, or a {@link Problem} as RFC 9457 problem details, the one error body of
 * both servers: {@code application/problem+json} with {@code type} {@code about:blank} (a problem is told apart by its
 * status and its {@code field}, so no problem type of our own is defined), {@code title} the status's reason phrase,
 * {@code status}, {@code detail} the one line saying what is wrong, {@code instance} the request's path, and the
 * extension member {@code field} naming what is at fault when something is.
 */
public final class JsonResponses {
    private static final Logger LOG = LoggerFactory.getLogger(JsonResponses.class);
    public static final String JSON = "application/json";
    public static final String PROBLEM_JSON = "application/problem+json";
    /** RFC 9457's type for a problem that means no more than its HTTP status. */
    public static final String ABOUT_BLANK = "about:blank";

    private JsonResponses() {}

    /** Answers {@code status} with {@code json}, already written as bytes. */
    public static void send(RoutingContext ctx, int status, byte[] json) {
        send(ctx, status, JSON, json);
    }

    /** Answers {@code status} with {@code body}. */
    public static void send(RoutingContext ctx, int status, JsonNode body) {
        send(ctx, status, JSON, bytes(body));
    }

    private static void send(RoutingContext ctx, int status, String contentType, byte[] body) {
        ctx.response().setStatusCode(status).putHeader(HttpHeaders.CONTENT_TYPE, contentType).end(Buffer.buffer(body));
    }

    private static byte[] bytes(JsonNode body) {
        try {
            return Json.MAPPER.writeValueAsBytes(body);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The problem details of {@code p}, met answering a request for {@code path} (its instance). */
    private static ObjectNode problemDetails(Problem p, String path) {
        ObjectNode body = Json.MAPPER.createObjectNode();
        body.put("type", ABOUT_BLANK);
        body.put("title", HttpResponseStatus.valueOf(p.status).reasonPhrase());
        body.put("status", p.status);
        body.put("detail", p.getMessage());
        if (path != null) {
            body.put("instance", path);
        }
        if (p.field != null) {
            body.put("field", p.field);
        }
        return body;
    }

    /** Answers with the problem; a 401 also says how to authenticate. Once the head has gone, only a reset is left. */
    public static void problem(RoutingContext ctx, Problem p) {
        if (ctx.response().headWritten()) {
            ctx.response().reset();
            return;
        }
        if (p.status == 401) {
            ctx.response().putHeader("WWW-Authenticate", Tokens.CHALLENGE);
        }
        send(ctx, p.status, PROBLEM_JSON, bytes(problemDetails(p, ctx.request().path())));
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
