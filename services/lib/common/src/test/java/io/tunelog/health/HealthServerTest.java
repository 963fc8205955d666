package io.tunelog.health;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.tunelog.results.Json;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

class HealthServerTest {
    private final HttpClient http = HttpClient.newHttpClient();

    @Test
    void shouldAnswerReadyOnlyOnceEveryComponentIsReady() throws Exception {
        AtomicBoolean schedulerReady = new AtomicBoolean(false);
        try (HealthServer health = HealthServer.start("127.0.0.1", 0, List.of(
                new HealthServer.Component("scheduler", () -> true, schedulerReady::get),
                new HealthServer.Component("registry", () -> true, () -> true)))) {
            assertThat(health.port()).isPositive();

            assertThat(get(health, HealthServer.LIVE).statusCode()).isEqualTo(200);
            HttpResponse<String> notReady = get(health, HealthServer.READY);
            assertThat(notReady.statusCode()).isEqualTo(503);
            JsonNode body = Json.MAPPER.readTree(notReady.body());
            assertThat(body.get("ready").asBoolean()).isFalse();
            assertThat(body.at("/components/scheduler/ready").asBoolean()).isFalse();
            assertThat(body.at("/components/registry/ready").asBoolean()).isTrue();

            schedulerReady.set(true);
            HttpResponse<String> ready = get(health, HealthServer.READY);
            assertThat(ready.statusCode()).isEqualTo(200);
            assertThat(ready.headers().firstValue("Content-Type")).hasValue("application/json");
            assertThat(Json.MAPPER.readTree(ready.body()).at("/components/scheduler/ready").asBoolean()).isTrue();
        }
    }

    @Test
    void shouldAnswerNeitherLiveNorReadyWhenAComponentIsDeadOrItsCheckThrows() throws Exception {
        AtomicBoolean alive = new AtomicBoolean(true);
        try (HealthServer health = HealthServer.start("127.0.0.1", 0, List.of(
                new HealthServer.Component("worker", alive::get, () -> true),
                new HealthServer.Component("odd", () -> true, () -> {
                    throw new IllegalStateException("boom");
                })))) {
            assertThat(get(health, HealthServer.LIVE).statusCode()).isEqualTo(200);
            assertThat(get(health, HealthServer.READY).statusCode()).isEqualTo(503);

            alive.set(false);
            HttpResponse<String> dead = get(health, HealthServer.LIVE);
            assertThat(dead.statusCode()).isEqualTo(503);
            // Dead is not ready either, whatever the component's own readiness check says.
            assertThat(Json.MAPPER.readTree(dead.body()).at("/components/worker/ready").asBoolean()).isFalse();
        }
    }

    @Test
    void shouldRefuseOtherPathsAndMethods() throws Exception {
        try (HealthServer health = HealthServer.start("127.0.0.1", 0, List.of())) {
            assertThat(get(health, "/health/other").statusCode()).isEqualTo(404);
            HttpResponse<String> post = http.send(HttpRequest.newBuilder(uri(health, HealthServer.LIVE))
                    .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(post.statusCode()).isEqualTo(405);
            // No components: nothing is down.
            assertThat(get(health, HealthServer.READY).statusCode()).isEqualTo(200);
        }
    }

    private HttpResponse<String> get(HealthServer health, String path) throws Exception {
        return http.send(HttpRequest.newBuilder(uri(health, path)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static URI uri(HealthServer health, String path) {
        return URI.create("http://127.0.0.1:" + health.port() + path);
    }
}
