package io.tunelog.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.tunelog.avro.SubmitExperiment;
import io.tunelog.codec.AvroBytes;
import io.tunelog.domain.event.EventPayload.ExperimentSubmitted;
import io.tunelog.domain.event.EventPayload.TrialDecision;
import io.tunelog.domain.event.LoggedEvent;
import io.tunelog.domain.state.ExperimentState;
import io.tunelog.domain.state.Report;
import io.tunelog.domain.state.TrialState;
import io.tunelog.http.testing.TestTls;
import io.tunelog.http.testing.TestTokens;
import io.tunelog.kafka.KafkaClients;
import io.tunelog.kafka.Topics;
import io.tunelog.log.LogReader;
import io.tunelog.platform.testing.PlatformExtension;
import io.tunelog.results.Json;
import io.tunelog.worker.WorkerAgent;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import javax.net.ssl.SSLHandshakeException;

/**
 * The gateway against a real broker, with every service and a worker running in this JVM: experiments are
 * submitted over HTTP, run for real, and what the gateway serves is checked against the log folded here. It is
 * called as a client would call it: with a read token to read and a submit token to submit.
 */
class GatewayServerTest {
    static final String SPEC = """
            name: gw-asha
            metric: {name: score, mode: max}
            seed: 7
            budget: {trials: 6, concurrent: 2}
            searchSpace:
              x: {uniform: [-1, 1]}
              y: {uniform: [-1, 1]}
            scheduler: {type: asha, maxT: 5, gracePeriod: 1, reductionFactor: 2}
            trial:
              trainable: io.tunelog.gateway.QuadraticTrainable
            """;

    @RegisterExtension
    static final PlatformExtension PLATFORM = PlatformExtension.inProcess().instance("gw").worker("gw-worker", 2);

    static KafkaClients clients;
    static WorkerAgent worker;
    static GatewayServer gateway;
    static final HttpClient HTTP = HttpClient.newHttpClient();
    static final TestTokens TOKENS = TestTokens.create();

    @BeforeAll
    static void start() throws Exception {
        clients = PLATFORM.clients();
        worker = PLATFORM.platform().worker("gw-worker");
        long deadline = System.currentTimeMillis() + 60_000;
        gateway = GatewayServer.start(clients, "127.0.0.1", 0, TOKENS.security());
        while (!gateway.caughtUp()) {
            assertThat(System.currentTimeMillis()).as("gateway caught up").isLessThan(deadline);
            Thread.sleep(50);
        }
    }

    @AfterAll
    static void stop() {
        if (gateway != null) {
            gateway.close();
        }
    }

    @Test
    void shouldRunASubmittedExperimentAndServeWhatItsLogSays() throws Exception {
        Reply submitted = post("/api/experiments", "application/yaml", SPEC);
        assertThat(submitted.status()).as(submitted.body()).isEqualTo(202);
        String id = submitted.json().get("experimentId").asText();
        assertThat(id).startsWith("gw-asha-");
        assertThat(submitted.location()).isEqualTo("/api/experiments/" + id);

        JsonNode first = await("/api/experiments/" + id, r -> r.status() == 200);
        assertThat(first.get("name").asText()).isEqualTo("gw-asha");
        CompletableFuture<List<String[]>> stream = CompletableFuture.supplyAsync(() -> readStream(id, null, "ExperimentCompleted", Integer.MAX_VALUE));

        await("/api/experiments/" + id, r -> r.status() == 200 && r.json().get("status").asText().equals("COMPLETED"));
        List<LoggedEvent> log = new ArrayList<>();
        ExperimentState state = settled(id, log);

        // The list.
        JsonNode list = get("/api/experiments").json().get("experiments");
        JsonNode line = find(list, n -> n.get("experimentId").asText().equals(id));
        assertThat(line.get("status").asText()).isEqualTo("COMPLETED");
        assertThat(line.get("name").asText()).isEqualTo("gw-asha");
        assertThat(line.get("submittedAt").asText()).isEqualTo(state.submittedAt().toString());
        assertThat(line.get("trials").get("total").asInt()).isEqualTo(6);
        assertThat(line.get("trials").get("completed").asInt() + line.get("trials").get("stopped").asInt()).isEqualTo(6);
        assertThat(line.get("trials").get("completed").asInt()).isEqualTo(count(state, "COMPLETED"));
        assertThat(line.get("best").get("trialId").asText()).isEqualTo(state.best().orElseThrow().trialId());
        assertThat(line.get("best").get("metric").asText()).isEqualTo("score");
        assertThat(line.get("best").get("value").asDouble()).isEqualTo(state.best().orElseThrow().value());

        // The summary.
        JsonNode summary = get("/api/experiments/" + id).json();
        assertThat(summary.get("eventsInLog").asLong()).isEqualTo(state.eventCount());
        assertThat(summary.get("best").get("config").get("x").asDouble())
                .isEqualTo((Double) state.trial(state.best().orElseThrow().trialId()).config().get("x"));
        assertThat(summary.get("completion").get("bestTrialId").asText()).isEqualTo(state.completion().orElseThrow().bestTrialId());
        assertThat(summary.get("spec").get("scheduler").get("type").asText()).isEqualTo("asha");
        assertThat(summary.get("anomalies").asInt()).isZero();
        Map<String, Integer> rules = new TreeMap<>();
        state.trials().forEach(t -> t.decisions().forEach(d -> rules.merge(d.rule() + "." + d.action().name().toLowerCase(), 1, Integer::sum)));
        assertThat(Json.MAPPER.treeToValue(summary.get("decisions"), Map.class)).isEqualTo(rules);
        assertThat(Json.summary(state, null).get("decisions")).isEqualTo(summary.get("decisions"));

        // The trials, each as the fold has it.
        JsonNode trials = get("/api/experiments/" + id + "/trials").json().get("trials");
        assertThat(trials).extracting(t -> t.get("trialId").asText())
                .containsExactlyElementsOf(state.trials().stream().map(TrialState::trialId).toList());
        for (JsonNode t : trials) {
            TrialState folded = state.trial(t.get("trialId").asText());
            assertThat(t.get("status").asText()).isEqualTo(folded.status().name());
            assertThat(t.get("attempt").asInt()).isEqualTo(folded.attempt());
            assertThat(t.get("stepsReported").asInt()).isEqualTo(folded.reports().size());
            assertThat(t.get("lastValue").asDouble()).isEqualTo(folded.lastValue("score").orElseThrow());
            assertThat(t.get("workerId").asText()).isEqualTo(folded.workerId()).isEqualTo("gw-worker");
            assertThat(Json.MAPPER.treeToValue(t.get("config"), Map.class)).isEqualTo(folded.config());

            JsonNode reports = get("/api/experiments/" + id + "/trials/" + folded.trialId() + "/reports").json().get("reports");
            assertThat(reports).hasSize(folded.reports().size());
            Iterator<JsonNode> served = reports.iterator();
            for (Report r : folded.reports()) {
                JsonNode s = served.next();
                assertThat(s.get("attempt").asInt()).isEqualTo(r.attempt());
                assertThat(s.get("step").asLong()).isEqualTo(r.step());
                assertThat(Json.MAPPER.treeToValue(s.get("metrics"), Map.class)).isEqualTo(r.metrics());
            }
        }
        // The curves: every trial's reported values of the metric, in report order, in one answer.
        JsonNode curves = get("/api/experiments/" + id + "/curves").json();
        assertThat(curves.get("metric").asText()).isEqualTo("score");
        assertThat(curves.get("mode").asText()).isEqualTo("max");
        assertThat(curves.get("curves")).hasSize(state.trials().size());
        for (JsonNode c : curves.get("curves")) {
            TrialState folded = state.trial(c.get("trialId").asText());
            assertThat(c.get("status").asText()).isEqualTo(folded.status().name());
            List<List<Double>> points = new ArrayList<>();
            c.get("points").forEach(p -> points.add(List.of(p.get(0).asDouble(), p.get(1).asDouble())));
            assertThat(points).containsExactlyElementsOf(folded.reports().stream()
                    .map(r -> List.of((double) r.step(), r.metrics().get("score"))).toList());
        }
        JsonNode bestFirst = get("/api/experiments/" + id + "/trials?sort=metric&order=desc").json().get("trials");
        assertThat(bestFirst.get(0).get("trialId").asText()).isEqualTo(state.best().orElseThrow().trialId());
        List<Double> values = new ArrayList<>();
        bestFirst.forEach(t -> values.add(t.get("lastValue").asDouble()));
        assertThat(values).isSortedAccordingTo((a, b) -> Double.compare(b, a));
        JsonNode stopped = get("/api/experiments/" + id + "/trials?status=stopped").json().get("trials");
        assertThat(stopped).extracting(t -> t.get("trialId").asText()).containsExactlyElementsOf(
                state.trials().stream().filter(t -> t.status().name().equals("STOPPED")).map(TrialState::trialId).toList());

        // The decisions: every rung of ASHA is one, continue or stop.
        JsonNode decisions = get("/api/experiments/" + id + "/decisions").json().get("decisions");
        List<LoggedEvent> logged = log.stream().filter(e -> e.event().payload() instanceof TrialDecision).toList();
        assertThat(logged).isNotEmpty();
        assertThat(decisions).extracting(d -> d.get("offset").asLong()).containsExactlyElementsOf(logged.stream().map(LoggedEvent::offset).toList());
        JsonNode d0 = decisions.get(0);
        TrialDecision t0 = (TrialDecision) logged.get(0).event().payload();
        assertThat(d0.get("trialId").asText()).isEqualTo(logged.get(0).event().trialId());
        assertThat(d0.get("action").asText()).isEqualTo(t0.action().name());
        assertThat(d0.get("rule").asText()).isEqualTo(t0.rule());
        assertThat(d0.get("reason").asText()).isEqualTo(t0.reason());
        assertThat(Json.MAPPER.treeToValue(d0.get("inputs"), Map.class)).isEqualTo(t0.inputs());

        // The events, in pages of 7, are the log as Json.event gives it.
        List<JsonNode> paged = new ArrayList<>();
        long from = 0;
        while (true) {
            JsonNode page = get("/api/experiments/" + id + "/events?from=" + from + "&limit=7").json();
            assertThat(page.get("events").size()).isLessThanOrEqualTo(7);
            page.get("events").forEach(paged::add);
            from = page.get("next").asLong();
            if (!page.get("more").asBoolean()) {
                break;
            }
        }
        assertThat(paged).containsExactlyElementsOf(log.stream().map(GatewayServerTest::asServed).toList());

        // The stream: every event, ids increasing, up to the completion.
        List<String[]> streamed = stream.get(60, TimeUnit.SECONDS);
        List<Long> ids = streamed.stream().map(e -> Long.parseLong(e[0])).toList();
        assertThat(ids).isSorted().doesNotHaveDuplicates();
        assertThat(streamed.get(streamed.size() - 1)[1]).isEqualTo("ExperimentCompleted");
        long completedAt = log.stream().filter(e -> e.event().payload().getClass().getSimpleName().equals("ExperimentCompleted"))
                .findFirst().orElseThrow().offset();
        assertThat(ids).containsExactlyElementsOf(log.stream().map(LoggedEvent::offset).filter(o -> o <= completedAt).toList());
        assertThat(Json.MAPPER.readTree(streamed.get(0)[2])).isEqualTo(asServed(log.get(0)));

        // Resumed after an event, it starts at the next one.
        List<String[]> resumed = readStream(id, String.valueOf(log.get(4).offset()), null, 3);
        assertThat(resumed).extracting(e -> Long.parseLong(e[0]))
                .containsExactly(log.get(5).offset(), log.get(6).offset(), log.get(7).offset());
    }

    @Test
    void shouldRefuseABadSpecNamingTheField() throws Exception {
        Reply yaml = post("/api/experiments", "application/yaml", SPEC.replace("trials: 6", "trials: -3"));
        assertThat(yaml.status()).isEqualTo(400);
        assertThat(yaml.json().get("field").asText()).isEqualTo("budget.trials");
        assertThat(yaml.json().get("detail").asText()).startsWith("budget.trials: ");

        Reply json = post("/api/experiments", "application/json; charset=utf-8",
                "{\"name\": \"j\", \"metric\": {\"name\": \"score\", \"mode\": \"sideways\"}}");
        assertThat(json.status()).isEqualTo(400);
        assertThat(json.json().get("field").asText()).isEqualTo("metric.mode");

        // What only the gate's option checks refuse is refused here too.
        Reply option = post("/api/experiments", "text/yaml", SPEC.replace("gracePeriod: 1", "gracePeriod: 1, grace: 2"));
        assertThat(option.status()).isEqualTo(400);
        assertThat(option.json().get("field").asText()).startsWith("scheduler.");

        Reply badId = post("/api/experiments?id=../escape", "application/yaml", SPEC);
        assertThat(badId.status()).isEqualTo(400);
        assertThat(badId.json().get("field").asText()).isEqualTo("id");

        Reply type = post("/api/experiments", "text/plain", SPEC);
        assertThat(type.status()).isEqualTo(415);
        assertThat(type.json().get("field").asText()).isEqualTo("Content-Type");
    }

    @Test
    void shouldRefuseABodyOverTheSpecLimitWith413() throws Exception {
        String big = SPEC + "# " + "x".repeat(300 * 1024) + "\n";
        Reply reply = post("/api/experiments", "application/yaml", big);
        assertThat(reply.status()).isEqualTo(413);
        assertThat(reply.json().get("field").asText()).isEqualTo("body");
        assertThat(reply.json().get("detail").asText()).contains("262144");
    }

    @Test
    void shouldAnswer404ForWhatTheLogDoesNotHold() throws Exception {
        Reply unknown = get("/api/experiments/no-such-experiment");
        assertThat(unknown.status()).isEqualTo(404);
        assertThat(unknown.json().get("field").asText()).isEqualTo("experimentId");
        assertThat(unknown.json().get("detail").asText()).contains("no-such-experiment");
        assertThat(get("/api/experiments/no-such-experiment/trials").status()).isEqualTo(404);
        assertThat(get("/api/experiments/no-such-experiment/stream").status()).isEqualTo(404);
        Reply path = get("/api/nothing-here");
        assertThat(path.status()).isEqualTo(404);
        assertThat(path.json().get("field").asText()).isEqualTo("path");
    }

    @Test
    void shouldRefuseQueryParametersOutOfRangeNamingThem() throws Exception {
        String id = "gw-params-" + System.nanoTime();
        assertThat(post("/api/experiments?id=" + id, "application/yaml", SPEC.replace("trials: 6", "trials: 1")).status()).isEqualTo(202);
        await("/api/experiments/" + id, r -> r.status() == 200);
        for (String[] bad : List.of(
                new String[] {"events?limit=0", "limit"}, new String[] {"events?limit=10001", "limit"},
                new String[] {"events?from=-1", "from"}, new String[] {"events?from=abc", "from"},
                new String[] {"trials?status=sleeping", "status"}, new String[] {"trials?sort=name", "sort"},
                new String[] {"trials?order=up", "order"})) {
            Reply reply = get("/api/experiments/" + id + "/" + bad[0]);
            assertThat(reply.status()).as(bad[0]).isEqualTo(400);
            assertThat(reply.json().get("field").asText()).as(bad[0]).isEqualTo(bad[1]);
        }
        assertThat(get("/api/experiments/" + id + "/events?limit=10000").status()).isEqualTo(200);
        Reply trial = get("/api/experiments/" + id + "/trials/trial-99999/reports");
        assertThat(trial.status()).isEqualTo(404);
        assertThat(trial.json().get("field").asText()).isEqualTo("trialId");
    }

    @Test
    void shouldAnswer422ForARejectedSubmission() throws Exception {
        String id = "gw-dup-" + System.nanoTime();
        assertThat(post("/api/experiments?id=" + id, "application/yaml", SPEC.replace("trials: 6", "trials: 1")).status()).isEqualTo(202);
        await("/api/experiments/" + id, r -> r.status() == 200);
        Reply again = post("/api/experiments?id=" + id, "application/yaml", SPEC);
        assertThat(again.status()).isEqualTo(422);
        assertThat(again.json().get("detail").asText()).isEqualTo("experiment " + id + " already exists");
        assertThat(again.json().get("field").asText()).isEqualTo("id");

        // A producer that skips the gateway's checks is refused by the gate, and the gateway reports the gate's reason.
        String refused = "gw-refused-" + System.nanoTime();
        try (KafkaProducer<String, byte[]> producer = clients.producer("gw-test", null)) {
            producer.send(new ProducerRecord<>(Topics.SUBMISSIONS, refused, AvroBytes.encode(new SubmitExperiment(refused,
                    SPEC.replace("gracePeriod: 1", "gracePeriod: 1, grace: 2"), "test")))).get();
        }
        JsonNode rejected = await("/api/experiments/" + refused, r -> r.status() == 422);
        assertThat(rejected.get("detail").asText()).startsWith("submission of " + refused + " rejected: ").contains("scheduler.");
        assertThat(get("/api/experiments/" + refused + "/events").status()).isEqualTo(422);
    }

    @Test
    void shouldCancelARunningExperimentAndRefuseWhatCannotBeCancelled() throws Exception {
        Reply unknown = post("/api/experiments/no-such-experiment/cancel", "application/json", "");
        assertThat(unknown.status()).isEqualTo(404);
        assertThat(unknown.json().get("field").asText()).isEqualTo("experimentId");

        String id = "gw-cancel-" + System.nanoTime();
        String sleepy = """
                name: gw-cancel
                metric: {name: score, mode: max}
                budget: {trials: 4, concurrent: 2}
                searchSpace: {x: {uniform: [0, 1]}}
                trial:
                  command: [/usr/bin/python3, -c, "import json, time; print(json.dumps({'step': 1, 'score': 0.5}), flush=True); time.sleep(300)"]
                """;
        assertThat(post("/api/experiments?id=" + id, "application/yaml", sleepy).status()).isEqualTo(202);
        await("/api/experiments/" + id, r -> r.status() == 200 && r.json().get("trials").get("running").asInt() == 2);
        assertThat(worker.runningAttempts()).isEqualTo(2);

        String cancel = "/api/experiments/" + id + "/cancel";
        for (String[] bad : List.of(new String[] {"{\"reason\": 5}", "reason"}, new String[] {"{\"why\": \"x\"}", "why"},
                new String[] {"[1]", "body"}, new String[] {"{", "body"})) {
            Reply reply = post(cancel, "application/json", bad[0]);
            assertThat(reply.status()).as(bad[0]).isEqualTo(400);
            assertThat(reply.json().get("field").asText()).as(bad[0]).isEqualTo(bad[1]);
        }
        assertThat(post(cancel, "text/plain", "stop it").status()).isEqualTo(415);
        assertThat(post(cancel, "application/json", "{\"reason\": \"" + "x".repeat(5000) + "\"}").status()).isEqualTo(413);
        assertThat(get("/api/experiments/" + id).json().get("status").asText()).as("nothing sent on a refusal").isEqualTo("RUNNING");

        Reply accepted = post(cancel, "application/json", "{\"reason\": \"from http\"}");
        assertThat(accepted.status()).as(accepted.body()).isEqualTo(202);
        assertThat(accepted.location()).isEqualTo("/api/experiments/" + id);
        JsonNode cancelled = await("/api/experiments/" + id, r -> r.json().get("status").asText().equals("CANCELLED"));
        assertThat(cancelled.get("cancellation").get("reason").asText()).isEqualTo("from http");
        assertThat(cancelled.get("cancellation").get("cancelledBy").asText()).startsWith("http ").endsWith(" token test-submitter");
        assertThat(cancelled.get("trials").get("cancelled").asInt()).isEqualTo(cancelled.get("trials").get("total").asInt()).isEqualTo(2);
        assertThat(cancelled.get("trials").get("running").asInt()).isZero();
        long deadline = System.currentTimeMillis() + 30_000;
        while (worker.runningAttempts() > 0 && System.currentTimeMillis() < deadline) {
            Thread.sleep(100);
        }
        assertThat(worker.runningAttempts()).as("the worker stopped both trial processes").isZero();

        Reply again = post(cancel, "application/json", "");
        assertThat(again.status()).isEqualTo(409);
        assertThat(again.json().get("detail").asText()).isEqualTo("experiment " + id + " is CANCELLED");
    }

    @Test
    void shouldEnqueueAConfigurationIntoARunningExperimentAndRefuseWhatTheGateWould() throws Exception {
        String id = "gw-enqueue-" + System.nanoTime();
        String sleepy = """
                name: gw-enqueue
                metric: {name: score, mode: max}
                budget: {trials: 3, concurrent: 2}
                searchSpace: {x: {uniform: [0, 1]}}
                trial:
                  command: [/usr/bin/python3, -c, "import json, time; print(json.dumps({'step': 1, 'score': 0.5}), flush=True); time.sleep(300)"]
                """;
        assertThat(post("/api/experiments?id=" + id, "application/yaml", sleepy).status()).isEqualTo(202);
        await("/api/experiments/" + id, r -> r.status() == 200 && r.json().get("trials").get("running").asInt() == 2);

        String enqueue = "/api/experiments/" + id + "/enqueue";
        for (String[] bad : List.of(new String[] {"{\"x\": 2}", "config.x"}, new String[] {"{\"x\": 0.5, \"y\": 1}", "config.y"},
                new String[] {"{\"x\": [1]}", "config.x"}, new String[] {"[1]", "config"}, new String[] {"{", "body"})) {
            Reply reply = post(enqueue, "application/json", bad[0]);
            assertThat(reply.status()).as(bad[0]).isEqualTo(400);
            assertThat(reply.json().get("field").asText()).as(bad[0]).isEqualTo(bad[1]);
        }
        assertThat(post(enqueue, "text/plain", "{\"x\": 1}").status()).isEqualTo(415);

        Reply accepted = post(enqueue, "application/json", "{\"x\": 1}");
        assertThat(accepted.status()).as(accepted.body()).isEqualTo(202);
        JsonNode logged = await("/api/experiments/" + id, r -> r.json().get("enqueued").asInt() == 1);
        assertThat(logged.get("enqueuedTaken").asInt()).as("no slot is free while both trials run").isZero();

        Reply full = post(enqueue, "application/json", "{\"x\": 0.5}");
        assertThat(full.status()).isEqualTo(409);
        assertThat(full.json().get("detail").asText()).startsWith("budget.trials (3) has no room");
        assertThat(post("/api/experiments/" + id + "/cancel", "application/json", "").status()).isEqualTo(202);
        await("/api/experiments/" + id, r -> r.json().get("status").asText().equals("CANCELLED"));
    }

    @Test
    void shouldShowATrialThatNoLiveWorkerCanRunAsUnplaceable() throws Exception {
        String id = "gw-eight-gpus-" + System.nanoTime();
        String eightGpus = """
                name: gw-eight-gpus
                metric: {name: score, mode: max}
                budget: {trials: 1}
                searchSpace: {x: {uniform: [0, 1]}}
                trial:
                  command: [/bin/true]
                  resources: {gpus: 8}
                """;
        assertThat(post("/api/experiments?id=" + id, "application/yaml", eightGpus).status()).isEqualTo(202);

        JsonNode summary = await("/api/experiments/" + id, r -> r.status() == 200 && r.json().get("trials").get("unplaceable").asInt() == 1);
        String why = "needs 1 CPU and 8 GPUs (trial.resources), more than any of the 1 live worker has: gw-worker has 2 CPUs and 0 GPUs";
        assertThat(summary.get("unplaceable").get(0).get("trialId").asText()).isEqualTo("trial-00000");
        assertThat(summary.get("unplaceable").get(0).get("reason").asText()).isEqualTo(why);
        JsonNode trial = get("/api/experiments/" + id + "/trials").json().get("trials").get(0);
        assertThat(trial.get("unplaceable").asText()).isEqualTo(why);
        assertThat(trial.get("devices").isEmpty()).isTrue();
        JsonNode line = find(get("/api/experiments").json().get("experiments"), e -> e.get("experimentId").asText().equals(id));
        assertThat(line.get("trials").get("unplaceable").asInt()).isEqualTo(1);

        assertThat(post("/api/experiments/" + id + "/cancel", "application/json", "").status()).isEqualTo(202);
        JsonNode cancelled = await("/api/experiments/" + id, r -> r.json().get("status").asText().equals("CANCELLED"));
        assertThat(cancelled.get("trials").get("unplaceable").asInt()).as("a cancelled trial waits for nothing").isZero();
    }

    @Test
    void shouldAnswer401OnEveryApiRouteWithoutAKnownToken() throws Exception {
        for (String route : gateway.routes()) {
            String method = route.substring(0, route.indexOf(' '));
            String path = route.substring(route.indexOf(' ') + 1).replaceAll("\\{[^}]+}", "x");
            for (String header : new String[] {null, TestTokens.bearer(TOKENS.read() + "x"), "Basic " + TOKENS.submit()}) {
                HttpRequest.Builder request = HttpRequest.newBuilder(uri(path)).header("Content-Type", "application/yaml")
                        .method(method, HttpRequest.BodyPublishers.ofString(method.equals("GET") ? "" : SPEC));
                if (header != null) {
                    request.header("Authorization", header);
                }
                HttpResponse<String> r = HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
                String what = route + " with " + (header == null ? "no token" : header.substring(0, 6) + "...");
                assertThat(r.statusCode()).as(what).isEqualTo(401);
                assertThat(r.headers().firstValue("WWW-Authenticate")).as(what).hasValueSatisfying(v -> assertThat(v).startsWith("Bearer"));
                assertProblem(r, 401, "Authorization");
            }
        }
        // Nor does a path or method that is not served say anything without a token.
        HttpResponse<String> unknown = HTTP.send(HttpRequest.newBuilder(uri("/api/nothing-here")).DELETE().build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(unknown.statusCode()).isEqualTo(401);
        // The page and its script hold no data: they load without a token, and the page asks for one.
        for (String open : List.of("/", GatewayServer.ECHARTS)) {
            HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(uri(open)).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).as(open).isEqualTo(200);
        }
    }

    @Test
    void shouldAnswerEveryErrorAsRfc9457ProblemDetails() throws Exception {
        String read = TestTokens.bearer(TOKENS.read());
        String submit = TestTokens.bearer(TOKENS.submit());
        HttpResponse<String> missing = send("GET", "/api/experiments/no-such-experiment", null, null, read);
        JsonNode notFound = assertProblem(missing, 404, "experimentId");
        assertThat(notFound.get("detail").asText()).isEqualTo("no experiment no-such-experiment in the log");
        assertThat(notFound.get("instance").asText()).isEqualTo("/api/experiments/no-such-experiment");

        HttpResponse<String> badSpec = send("POST", "/api/experiments", "application/yaml", SPEC.replace("trials: 6", "trials: -3"), submit);
        assertThat(assertProblem(badSpec, 400, "budget.trials").get("detail").asText()).startsWith("budget.trials: ");
        assertProblem(send("GET", "/api/experiments/x/trials?sort=sideways", null, null, read), 400, "sort");
        assertProblem(send("GET", "/api/experiments", null, null, null), 401, "Authorization");
        assertProblem(send("POST", "/api/experiments", "application/yaml", SPEC, read), 403, "Authorization");
        assertProblem(send("DELETE", "/api/experiments", null, null, submit), 405, "method");
    }

    /** The body of an RFC 9457 problem with this status, naming {@code field} in the extension member. */
    static JsonNode assertProblem(HttpResponse<String> r, int status, String field) throws IOException {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(status);
        assertThat(r.headers().firstValue("Content-Type")).as(r.body()).hasValue("application/problem+json");
        JsonNode body = Json.MAPPER.readTree(r.body());
        assertThat(body.get("type").asText()).isEqualTo("about:blank");
        assertThat(body.get("title").asText()).isEqualTo(io.netty.handler.codec.http.HttpResponseStatus.valueOf(status).reasonPhrase());
        assertThat(body.get("status").asInt()).isEqualTo(status);
        assertThat(body.get("detail").asText()).isNotBlank();
        assertThat(body.get("instance").asText()).isEqualTo(r.uri().getPath());
        assertThat(body.get("field").asText()).isEqualTo(field);
        assertThat(body.has("error")).as("the old error member is gone").isFalse();
        return body;
    }

    @Test
    void shouldLetAReadTokenReadButNotSubmitOrCancel() throws Exception {
        String id = "gw-read-only-" + System.nanoTime();
        String read = TestTokens.bearer(TOKENS.read());
        assertThat(send("GET", "/api/experiments", null, null, read).statusCode()).isEqualTo(200);

        HttpResponse<String> submit = send("POST", "/api/experiments?id=" + id, "application/yaml", SPEC, read);
        assertThat(submit.statusCode()).as(submit.body()).isEqualTo(403);
        assertThat(Json.MAPPER.readTree(submit.body()).get("field").asText()).isEqualTo("Authorization");
        assertThat(Json.MAPPER.readTree(submit.body()).get("detail").asText()).isEqualTo("a read token cannot do this: it needs a submit token");
        HttpResponse<String> cancel = send("POST", "/api/experiments/" + id + "/cancel", "application/json", "", read);
        assertThat(cancel.statusCode()).isEqualTo(403);

        // The same requests with the submit token: the experiment is sent, runs, and is cancelled.
        assertThat(post("/api/experiments?id=" + id, "application/yaml", SPEC.replace("trials: 6", "trials: 1")).status()).isEqualTo(202);
        JsonNode summary = await("/api/experiments/" + id, r -> r.status() == 200);
        assertThat(summary.get("eventsInLog").asLong()).isPositive();
        // The log says which token sent it.
        List<LoggedEvent> log = new ArrayList<>();
        settled(id, log);
        assertThat(((ExperimentSubmitted) log.get(0).event().payload()).submittedBy()).startsWith("http ").endsWith(" token test-submitter");
    }

    @Test
    void shouldServeOverTlsWithTheSameTokens(@TempDir Path dir) throws Exception {
        Path keystore = TestTls.keystore(dir);
        try (GatewayServer tls = GatewayServer.start(clients, "127.0.0.1", 0, TOKENS.security(TestTls.tls(keystore)))) {
            HttpClient trusting = TestTls.client(keystore);
            URI list = URI.create("https://127.0.0.1:" + tls.port() + "/api/experiments");

            HttpResponse<String> read = trusting.send(HttpRequest.newBuilder(list).header("Authorization", TestTokens.bearer(TOKENS.read())).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(read.statusCode()).isEqualTo(200);
            assertThat(Json.MAPPER.readTree(read.body()).has("experiments")).isTrue();
            assertThat(trusting.send(HttpRequest.newBuilder(list).build(), HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(401);
            assertThat(trusting.send(HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + tls.port() + "/")).build(),
                    HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(200);

            // Plain HTTP to the TLS port gets no answer, and a client that does not trust the certificate stops at it.
            URI plain = URI.create("http://127.0.0.1:" + tls.port() + "/api/experiments");
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> HTTP.send(HttpRequest.newBuilder(plain)
                            .header("Authorization", TestTokens.bearer(TOKENS.read())).build(), HttpResponse.BodyHandlers.ofString()))
                    .isInstanceOf(IOException.class);
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> HTTP.send(HttpRequest.newBuilder(list).build(), HttpResponse.BodyHandlers.ofString()))
                    .isInstanceOf(SSLHandshakeException.class);
        }
    }

    @Test
    void shouldTimeEveryAnsweredRequestByRouteAndStatus() throws Exception {
        io.micrometer.core.instrument.simple.SimpleMeterRegistry registry = new io.micrometer.core.instrument.simple.SimpleMeterRegistry();
        io.micrometer.core.instrument.Metrics.addRegistry(registry);
        try {
            get("/api/experiments");
            get("/api/experiments");
            get("/api/experiments/nothing-like-it/trials");

            assertThat(registry.get("tunelog.gateway.requests").tag("route", "/api/experiments").tag("status", "200").timer().count())
                    .isEqualTo(2);
            assertThat(registry.get("tunelog.gateway.requests").tag("route", "/api/experiments/:experimentId/trials")
                    .tag("status", "404").timer().count()).isEqualTo(1);
            assertThat(gateway.isLive()).isTrue();
        } finally {
            io.micrometer.core.instrument.Metrics.removeRegistry(registry);
        }
    }

    @Test
    void shouldServeAnOpenApiDocumentOfExactlyTheRoutesItServes() throws Exception {
        Reply served = get("/api/openapi.json");
        assertThat(served.status()).isEqualTo(200);
        JsonNode doc = served.json();
        assertThat(doc.get("openapi").asText()).isEqualTo("3.1.0");
        Set<String> described = new HashSet<>();
        Set<String> methods = Set.of("get", "post", "put", "delete", "patch", "head", "options");
        doc.get("paths").fields().forEachRemaining(path -> path.getValue().fieldNames().forEachRemaining(method -> {
            if (methods.contains(method)) {
                described.add(method.toUpperCase() + " " + path.getKey());
            }
        }));
        assertThat(gateway.routes()).hasSize(18).contains("GET /api/openapi.json");
        assertThat(described).containsExactlyInAnyOrderElementsOf(gateway.routes());
        // Every error answer is RFC 9457 problem details.
        doc.get("components").get("responses").forEach(r -> assertThat(r.get("content").fieldNames()).toIterable()
                .containsExactly("application/problem+json"));
        doc.get("components").get("responses").forEach(r ->
                assertThat(r.at("/content/application~1problem+json/schema/$ref").asText()).isEqualTo("#/components/schemas/Problem"));
        assertThat(doc.at("/components/schemas/Problem/required")).extracting(JsonNode::asText)
                .containsExactly("type", "title", "status", "detail");
        // The spec body is the spec's JSON Schema, the file editors use, and it takes the specs the gateway takes.
        JsonNode specSchema;
        try (InputStream in = GatewayServer.class.getResourceAsStream("/tunelog-spec.schema.json")) {
            specSchema = Json.MAPPER.readTree(in);
        }
        // Embedded as it is but for its $id, its references pointing into the document.
        ObjectNode embedded = (ObjectNode) Json.MAPPER.readTree(doc.at("/components/schemas/ExperimentSpec").toString()
                .replace(OpenApiDocument.EMBEDDED_DEFS, OpenApiDocument.LOCAL_DEFS));
        assertThat(embedded.put("$id", specSchema.get("$id").asText())).isEqualTo(specSchema);
        for (String media : List.of("application/yaml", "text/yaml", "application/json")) {
            assertThat(doc.at("/paths/~1api~1experiments/post/requestBody/content/" + media.replace("/", "~1") + "/schema/$ref").asText())
                    .as(media).isEqualTo("#/components/schemas/ExperimentSpec");
        }
        // The document's own ExperimentSpec, its references resolved within the document, takes the spec the gateway takes.
        ObjectNode asSchema = doc.deepCopy();
        asSchema.put("$ref", "#/components/schemas/ExperimentSpec");
        io.vertx.json.schema.Validator spec = io.vertx.json.schema.Validator.create(
                io.vertx.json.schema.JsonSchema.of(new io.vertx.core.json.JsonObject(asSchema.toString())),
                new io.vertx.json.schema.JsonSchemaOptions().setDraft(io.vertx.json.schema.Draft.DRAFT202012)
                        .setBaseUri("https://tunelog.io/schemas/"));
        JsonNode submitted = new ObjectMapper(new YAMLFactory()).readTree(SPEC);
        assertThat(spec.validate(new io.vertx.core.json.JsonObject(submitted.toString())).getValid()).isTrue();
        assertThat(spec.validate(new io.vertx.core.json.JsonObject(submitted.toString()).put("bugdet", 1)).getValid()).isFalse();
        // Every operation wants the bearer token and says what happens without one; those that change what runs say 403.
        assertThat(doc.at("/components/securitySchemes/bearer/scheme").asText()).isEqualTo("bearer");
        assertThat(doc.at("/security/0").has("bearer")).isTrue();
        doc.get("paths").fields().forEachRemaining(path -> path.getValue().fields().forEachRemaining(operation -> {
            JsonNode responses = operation.getValue().get("responses");
            String what = operation.getKey() + " " + path.getKey();
            assertThat(responses.at("/401/$ref").asText()).as(what).isEqualTo("#/components/responses/Unauthorized");
            assertThat(responses.has("403")).as(what).isEqualTo(!operation.getKey().equals("get"));
        }));
        assertThat(doc.at("/components/responses/Unauthorized/headers").has("WWW-Authenticate")).isTrue();
    }

    // ---- helpers ----

    record Reply(int status, String body, String location) {
        JsonNode json() {
            try {
                return Json.MAPPER.readTree(body);
            } catch (java.io.IOException e) {
                throw new AssertionError("not JSON: " + status + " " + body, e);
            }
        }
    }

    /** A GET with the read token. */
    static Reply get(String path) throws Exception {
        HttpResponse<String> r = send("GET", path, null, null, TestTokens.bearer(TOKENS.read()));
        return new Reply(r.statusCode(), r.body(), r.headers().firstValue("Location").orElse(null));
    }

    /** A POST with the submit token. */
    static Reply post(String path, String contentType, String body) throws Exception {
        HttpResponse<String> r = send("POST", path, contentType, body, TestTokens.bearer(TOKENS.submit()));
        if (!r.headers().firstValue("Content-Type").orElse("").matches("application/(problem\\+)?json.*")) {
            throw new AssertionError("not JSON: " + r.statusCode() + " " + r.body());
        }
        return new Reply(r.statusCode(), r.body(), r.headers().firstValue("Location").orElse(null));
    }

    static HttpResponse<String> send(String method, String path, String contentType, String body, String authorization) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri(path))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (authorization != null) {
            request.header("Authorization", authorization);
        }
        if (contentType != null) {
            request.header("Content-Type", contentType);
        }
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    static URI uri(String path) {
        return URI.create("http://127.0.0.1:" + gateway.port() + path);
    }

    /** Polls until {@code done} holds of the answer (two minutes at most), and gives its JSON. */
    static JsonNode await(String path, Predicate<Reply> done) throws Exception {
        long deadline = System.currentTimeMillis() + 120_000;
        Reply last = null;
        while (System.currentTimeMillis() < deadline) {
            last = get(path);
            if (done.test(last)) {
                return last.json();
            }
            Thread.sleep(100);
        }
        throw new AssertionError("GET " + path + " never as expected; last " + (last == null ? null : last.status() + " " + last.body()));
    }

    /**
     * The experiment's log folded here, once the gateway has folded as far: retention may still append after the
     * completion, so it is read again until the two agree.
     */
    static ExperimentState settled(String id, List<LoggedEvent> log) throws Exception {
        long deadline = System.currentTimeMillis() + 60_000;
        while (true) {
            log.clear();
            ExperimentState state = new ExperimentState(id);
            try (LogReader reader = new LogReader(clients, id)) {
                reader.readToEnd(e -> {
                    log.add(e);
                    state.apply(e);
                });
            }
            if (get("/api/experiments/" + id).json().get("lastOffset").asLong() == state.lastOffset()) {
                return state;
            }
            assertThat(System.currentTimeMillis()).as("gateway and log agree").isLessThan(deadline);
            Thread.sleep(200);
        }
    }

    /**
     * Reads the stream as lines until an event of type {@code until} or {@code max} events: each as {id, type, data}.
     */
    static List<String[]> readStream(String id, String lastEventId, String until, int max) {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri("/api/experiments/" + id + "/stream"))
                .header("Authorization", TestTokens.bearer(TOKENS.read())).GET();
        if (lastEventId != null) {
            request.header("Last-Event-ID", lastEventId);
        }
        List<String[]> events = new ArrayList<>();
        try {
            HttpResponse<InputStream> response = HTTP.send(request.build(), HttpResponse.BodyHandlers.ofInputStream());
            assertThat(response.statusCode()).isEqualTo(200);
            assertThat(response.headers().firstValue("Content-Type").orElse("")).startsWith("text/event-stream");
            try (BufferedReader lines = new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
                String[] current = new String[3];
                String line;
                while ((line = lines.readLine()) != null) {
                    if (line.startsWith("id: ")) {
                        current[0] = line.substring(4);
                    } else if (line.startsWith("event: ")) {
                        current[1] = line.substring(7);
                    } else if (line.startsWith("data: ")) {
                        current[2] = line.substring(6);
                    } else if (line.isEmpty() && current[0] != null) {
                        events.add(current);
                        if (current[1].equals(until) || events.size() >= max) {
                            return events;
                        }
                        current = new String[3];
                    }
                }
            }
        } catch (Exception e) {
            throw new AssertionError("stream of " + id + " failed after " + events.size() + " events", e);
        }
        throw new AssertionError("stream of " + id + " ended after " + events.size() + " events");
    }

    static JsonNode find(JsonNode array, Predicate<JsonNode> which) {
        for (JsonNode n : array) {
            if (which.test(n)) {
                return n;
            }
        }
        throw new AssertionError("not found in " + array);
    }

    /** Json.event as a client reads it back: JSON numbers compare by their parsed type (an offset of 3 is an int). */
    static JsonNode asServed(LoggedEvent e) {
        try {
            return Json.MAPPER.readTree(Json.event(e).toString());
        } catch (java.io.IOException x) {
            throw new AssertionError(x);
        }
    }

    static int count(ExperimentState state, String status) {
        return (int) state.trials().stream().filter(t -> t.status().name().equals(status)).count();
    }

}
