package io.tunelog.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tunelog.http.testing.TestTokens;
import io.tunelog.results.Json;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.Router;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * What both HTTP servers share, on a real server: how one starts, how it lets a client in, and how every error is
 * answered.
 */
class HttpEndpointTest {
    static final TestTokens TOKENS = TestTokens.create();
    static final HttpClient HTTP = HttpClient.newHttpClient();
    static HttpEndpoint endpoint;

    @BeforeAll
    static void start() {
        HttpSecurity security = TOKENS.security();
        endpoint = HttpEndpoint.start("the test server", "127.0.0.1", 0, security, vertx -> {
            Router router = Router.router(vertx);
            router.route("/guarded/*").handler(security.guard(m -> m == HttpMethod.GET ? Tokens.Scope.READ : Tokens.Scope.SUBMIT));
            router.route("/guarded/holder").handler(ctx ->
                    JsonResponses.send(ctx, 200, Json.MAPPER.createObjectNode().put("name", HttpSecurity.holder(ctx).orElseThrow().name())));
            router.get("/problem").handler(ctx -> {
                throw new Problem(409, "thing", "it conflicts");
            });
            router.get("/no-field").handler(ctx -> {
                throw new Problem(503, null, "not now");
            });
            router.get("/bug").handler(ctx -> {
                throw new IllegalStateException("a bug");
            });
            router.get("/status/:code").handler(ctx -> ctx.fail(Integer.parseInt(ctx.pathParam("code"))));
            router.get("/late").handler(ctx -> {
                ctx.response().setChunked(true).write("half");
                throw new Problem(500, null, "too late for a status");
            });
            router.route().failureHandler(JsonResponses.failureHandler("where", Map.of(413, new Problem(413, "body", "too big"))));
            return router;
        });
    }

    @AfterAll
    static void stop() {
        endpoint.close();
    }

    @Test
    void shouldAnswerAProblemAsRfc9457ProblemDetails() throws Exception {
        assertError(get("/problem", null), 409, "{\"type\":\"about:blank\",\"title\":\"Conflict\",\"status\":409,\"detail\":\"it conflicts\",\"instance\":\"/problem\",\"field\":\"thing\"}");
        // No field when nothing in particular is at fault.
        assertError(get("/no-field", null), 503, "{\"type\":\"about:blank\",\"title\":\"Service Unavailable\",\"status\":503,\"detail\":\"not now\",\"instance\":\"/no-field\"}");
    }

    @Test
    void shouldExplainAFailureThatCarriesOnlyAStatus() throws Exception {
        assertError(get("/status/413", null), 413, "{\"type\":\"about:blank\",\"title\":\"Request Entity Too Large\",\"status\":413,\"detail\":\"too big\",\"instance\":\"/status/413\",\"field\":\"body\"}");
        assertError(get("/status/400", null), 400, "{\"type\":\"about:blank\",\"title\":\"Bad Request\",\"status\":400,\"detail\":\"request failed with status 400\",\"instance\":\"/status/400\",\"field\":\"where\"}");
        HttpResponse<String> bug = get("/bug", null);
        assertThat(bug.statusCode()).isEqualTo(500);
        assertThat(bug.headers().firstValue("Content-Type")).hasValue("application/problem+json");
        assertThat(Json.MAPPER.readTree(bug.body()).get("title").asText()).isEqualTo("Internal Server Error");
        assertThat(Json.MAPPER.readTree(bug.body()).get("detail").asText()).isEqualTo("internal error: java.lang.IllegalStateException: a bug");
    }

    @Test
    void shouldBreakTheConnectionWhenTheStatusHasAlreadyGone() {
        // A client must not take half an answer for a whole one, nor wait for the rest until the idle timeout.
        CompletableFuture<HttpResponse<String>> answer = HTTP.sendAsync(HttpRequest.newBuilder(uri("/late")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThatThrownBy(() -> answer.get(10, TimeUnit.SECONDS))
                .isInstanceOf(ExecutionException.class).hasCauseInstanceOf(IOException.class);
    }

    @Test
    void shouldLetInOnlyATokenWhoseScopeCoversTheMethod() throws Exception {
        HttpResponse<String> none = get("/guarded/holder", null);
        assertError(none, 401, "{\"type\":\"about:blank\",\"title\":\"Unauthorized\",\"status\":401,\"detail\":\"no token: send Authorization: Bearer <token>\",\"instance\":\"/guarded/holder\",\"field\":\"Authorization\"}");
        assertThat(none.headers().firstValue("WWW-Authenticate")).hasValue(Tokens.CHALLENGE);

        HttpResponse<String> read = get("/guarded/holder", TOKENS.read());
        assertThat(read.statusCode()).isEqualTo(200);
        assertThat(Json.MAPPER.readTree(read.body()).get("name").asText()).isEqualTo("test-reader");

        HttpResponse<String> post = HTTP.send(HttpRequest.newBuilder(uri("/guarded/holder"))
                .header("Authorization", TestTokens.bearer(TOKENS.read())).POST(HttpRequest.BodyPublishers.noBody()).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(post.statusCode()).isEqualTo(403);
    }

    @Test
    void shouldRefuseToStartOnAPortTakenNamingTheServer() {
        assertThatThrownBy(() -> HttpEndpoint.start("the second server", "127.0.0.1", endpoint.port(), TOKENS.security(),
                Router::router))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageStartingWith("the second server cannot start on 127.0.0.1:" + endpoint.port());
    }

    static HttpResponse<String> get(String path, String token) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri(path));
        if (token != null) {
            request.header("Authorization", TestTokens.bearer(token));
        }
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    static URI uri(String path) {
        return URI.create("http://127.0.0.1:" + endpoint.port() + path);
    }

    static void assertError(HttpResponse<String> reply, int status, String body) {
        assertThat(reply.statusCode()).as(reply.body()).isEqualTo(status);
        assertThat(reply.headers().firstValue("Content-Type")).hasValue("application/problem+json");
        assertThat(reply.body()).isEqualTo(body);
    }
}
