package io.tunelog.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.tunelog.domain.event.LoggedEvent;
import io.tunelog.domain.state.TrialState;
import io.tunelog.domain.testing.LogBuilder;
import io.tunelog.http.testing.TestTokens;
import io.tunelog.kafka.KafkaClients;
import io.tunelog.kafka.Topics;
import io.tunelog.kafka.testing.KafkaBrokerExtension;
import io.tunelog.log.Integrity;
import io.tunelog.results.Json;
import io.tunelog.scheduler.SchedulingDecider;
import io.tunelog.suggestion.SuggestionDecider;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Future;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A 10,000-trial experiment (70,000 events), written to the log as the services would write it (no services run,
 * so nothing else acts on it): every endpoint answers it.
 */
class LargeExperimentTest {
    static final int TRIALS = 10_000;

    @RegisterExtension
    static final KafkaBrokerExtension KAFKA = new KafkaBrokerExtension();

    static KafkaClients clients;
    static GatewayServer gateway;
    static final HttpClient HTTP = HttpClient.newHttpClient();
    static final TestTokens TOKENS = TestTokens.create();
    static final String ID = "large-" + System.nanoTime();
    static List<LoggedEvent> log;

    @BeforeAll
    static void writeTheLog() throws Exception {
        clients = KafkaClients.of(KAFKA.bootstrapServers());
        try (Admin admin = clients.admin()) {
            Topics.ensure(admin, Topics.Layout.LOCAL);
        }
        LogBuilder builder = LogBuilder.submitted(ID, """
                name: large
                metric: {name: score, mode: max}
                budget: {trials: %d, concurrent: %d}
                searchSpace: {x: {uniform: [0, 1]}}
                trial: {command: [x]}
                """.formatted(TRIALS, TRIALS));
        while (builder.state().trials().size() < TRIALS) {
            builder.decide(new SuggestionDecider());
        }
        builder.decide(new SchedulingDecider());
        for (TrialState t : List.copyOf(builder.state().trials())) {
            builder.started(t.trialId(), 1);
            builder.reported(t.trialId(), 1, 1, Map.of("score", (Double) t.config().get("x") / 2));
            builder.reported(t.trialId(), 1, 2, Map.of("score", (Double) t.config().get("x")));
            builder.completed(t.trialId(), 1);
        }
        log = builder.events();
        Integrity.SequentialWriter writer = new Integrity.SequentialWriter();
        try (KafkaProducer<String, byte[]> producer = clients.producer("large-writer", null)) {
            List<Future<RecordMetadata>> sent = new ArrayList<>();
            for (LoggedEvent e : log) {
                sent.add(producer.send(writer.next(e)));
            }
            // A lone producer on a fresh topic: the records land at the offsets the builder gave them.
            assertThat(sent.get(sent.size() - 1).get().offset()).isEqualTo(log.get(log.size() - 1).offset());
        }
        gateway = GatewayServer.start(clients, "127.0.0.1", 0, TOKENS.security());
        long deadline = System.currentTimeMillis() + 120_000;
        while (true) {
            HttpResponse<String> r = get("/api/experiments/" + ID);
            if (r.statusCode() == 200 && Json.MAPPER.readTree(r.body()).get("lastOffset").asLong() == log.get(log.size() - 1).offset()) {
                break;
            }
            assertThat(System.currentTimeMillis()).as("the gateway folds the log within two minutes").isLessThan(deadline);
            Thread.sleep(200);
        }
    }

    @AfterAll
    static void stop() {
        if (gateway != null) {
            gateway.close();
        }
    }

    @Test
    void shouldServeEveryTrialAndPageTheLog() throws Exception {
        JsonNode trials = json("/api/experiments/" + ID + "/trials?sort=metric&order=desc");
        assertThat(trials.get("trials")).hasSize(TRIALS);
        double best = trials.get("trials").get(0).get("lastValue").asDouble();
        JsonNode summary = json("/api/experiments/" + ID);
        assertThat(summary.get("trials").get("completed").asInt()).isEqualTo(TRIALS);
        assertThat(summary.get("best").get("value").asDouble()).isEqualTo(best);
        assertThat(summary.get("eventsInLog").asLong()).isEqualTo(log.size());

        JsonNode page = json("/api/experiments/" + ID + "/events?from=" + log.get(50_000).offset() + "&limit=10000");
        assertThat(page.get("events")).hasSize(10_000);
        assertThat(page.get("events").get(0).get("offset").asLong()).isEqualTo(log.get(50_000).offset());
        assertThat(page.get("more").asBoolean()).isTrue();
        JsonNode last = json("/api/experiments/" + ID + "/events?from=" + log.get(log.size() - 3).offset());
        assertThat(last.get("events")).hasSize(3);
        assertThat(last.get("more").asBoolean()).isFalse();
    }

    /**
     * The summary and the listing read counts kept up as the log is folded, so they answer for every trial without
     * walking the log; how fast they answer is measured by {@code GatewayBenchmark} in the load tests, not here.
     */
    @Test
    void shouldCountEveryTrialInTheSummaryAndTheList() throws Exception {
        assertThat(json("/api/experiments/" + ID).get("trials").get("total").asInt()).isEqualTo(TRIALS);
        assertThat(json("/api/experiments").get("experiments").get(0).get("trials").get("completed").asInt()).isEqualTo(TRIALS);
    }

    static HttpResponse<String> get(String path) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.port() + path))
                        .header("Authorization", TestTokens.bearer(TOKENS.read())).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    }

    static JsonNode json(String path) throws Exception {
        HttpResponse<String> r = get(path);
        assertThat(r.statusCode()).as(path + ": " + r.body()).isEqualTo(200);
        return Json.MAPPER.readTree(r.body());
    }
}
