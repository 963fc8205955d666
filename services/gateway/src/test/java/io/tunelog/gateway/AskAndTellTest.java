package io.tunelog.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.tunelog.http.testing.TestTokens;
import io.tunelog.platform.testing.PlatformExtension;
import io.tunelog.replay.Audit;
import io.tunelog.replay.AuditReport;
import io.tunelog.replay.ExperimentLog;
import io.tunelog.results.Json;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Ask-and-tell end to end: every service runs on a real broker, no worker does; a client drives a whole experiment
 * through the gateway with plain HTTP (java.net.http, nothing of Kafka), one of its leases lapses, the gate declares
 * the attempt lost, and the client later evaluates the next attempt from the lapsed one's checkpoint. The log is then
 * audited as every end-to-end suite's is.
 */
class AskAndTellTest {
    static final String SPEC = """
            name: ask-tell
            metric: {name: loss, mode: min}
            seed: 11
            budget: {trials: 4, concurrent: 2}
            searchSpace:
              x: {uniform: [-1, 1]}
            trial: {askAndTell: true, maxFailures: 1}
            """;

    @RegisterExtension
    static final PlatformExtension PLATFORM = PlatformExtension.inProcess().instance("ask");

    static final HttpClient HTTP = HttpClient.newHttpClient();
    static final TestTokens TOKENS = TestTokens.create();
    static GatewayServer gateway;

    @BeforeAll
    static void start() throws Exception {
        gateway = GatewayServer.start(PLATFORM.clients(), "127.0.0.1", 0, TOKENS.security());
        long deadline = System.currentTimeMillis() + 60_000;
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
    void shouldRunAWholeExperimentOverHttpRequeueALapsedLeaseAndPassTheAudit() throws Exception {
        String id = submit(SPEC);
        String leases = "/api/experiments/" + id + "/leases";

        // Only a work token may take a trial; an unknown experiment is one clear 404.
        assertThat(call("POST", leases, TOKENS.read(), null).status()).isEqualTo(403);
        Answer submitter = call("POST", leases, TOKENS.submit(), null);
        assertThat(submitter.status()).isEqualTo(403);
        assertThat(submitter.json().get("detail").asText()).isEqualTo("a submit token cannot do this: it needs a work token");
        Answer unknown = call("POST", "/api/experiments/no-such-experiment/leases", TOKENS.work(), null);
        assertThat(unknown.status()).isEqualTo(404);
        assertThat(unknown.json().get("field").asText()).isEqualTo("experimentId");
        assertThat(unknown.json().get("detail").asText()).isEqualTo("no experiment no-such-experiment in the log");

        // Lease A takes the first trial for one second, reports, checkpoints by reference, then falls silent.
        Answer a = take(leases, 1);
        assertThat(a.status()).as(a.body()).isEqualTo(201);
        assertThat(a.location()).isEqualTo(leases + "/" + a.json().get("leaseId").asText());
        assertThat(a.json().get("trialId").asText()).isEqualTo("trial-00000");
        assertThat(a.json().get("attempt").asInt()).isEqualTo(1);
        assertThat(a.json().get("restoreFrom").isNull()).isTrue();
        String leaseA = a.location();
        assertThat(call("POST", leaseA + "/reports", TOKENS.work(), "{\"step\": 1, \"metrics\": {\"loss\": 0.5}}").json()
                .get("action").asText()).isEqualTo("CONTINUE");
        String checkpointUri = "file:///data/" + id + "/trial-00000/a1/step-1";
        Answer checkpoint = call("POST", leaseA + "/checkpoints", TOKENS.work(),
                "{\"name\": \"step-1\", \"step\": 1, \"uri\": \"" + checkpointUri + "\"}");
        assertThat(checkpoint.status()).as(checkpoint.body()).isEqualTo(200);
        Answer elsewhere = call("POST", leaseA + "/checkpoints", TOKENS.work(),
                "{\"name\": \"step-2\", \"step\": 2, \"uri\": \"file:///data/other/step-2\"}");
        assertThat(elsewhere.status()).isEqualTo(400);
        assertThat(elsewhere.json().get("field").asText()).isEqualTo("uri");
        Answer badStep = call("POST", leaseA + "/reports", TOKENS.work(), "{\"step\": \"two\"}");
        assertThat(badStep.status()).isEqualTo(400);
        assertThat(badStep.json().get("field").asText()).isEqualTo("step");

        // Lease B takes the second; with both trials out, nothing is queued: 204 at once.
        Answer b = take(leases, 30);
        assertThat(b.json().get("trialId").asText()).isEqualTo("trial-00001");
        assertThat(call("POST", leases + "?wait=0", TOKENS.work(), null).status()).isEqualTo(204);

        // The client evaluates every trial it is given until the experiment completes; trial-00000 comes back as attempt
        // 2 once the gate has declared lease A's attempt lost, resuming from A's checkpoint.
        evaluate(b);
        boolean requeuedSeen = false;
        List<String> evaluated = new ArrayList<>(List.of("trial-00001/1"));
        long deadline = System.currentTimeMillis() + 120_000;
        while (System.currentTimeMillis() < deadline) {
            Answer next = call("POST", leases + "?wait=30&leaseSeconds=30", TOKENS.work(), null);
            if (next.status() == 409) {
                assertThat(next.json().get("detail").asText()).isEqualTo("experiment " + id + " is COMPLETED: it has no more trials to hand out");
                break;
            }
            if (next.status() == 204) {
                continue;
            }
            assertThat(next.status()).as(next.body()).isEqualTo(201);
            String trial = next.json().get("trialId").asText();
            if (trial.equals("trial-00000")) {
                assertThat(next.json().get("attempt").asInt()).isEqualTo(2);
                assertThat(next.json().get("restoreFrom").get("checkpointId").asText()).isEqualTo("trial-00000/a1/step-1");
                assertThat(next.json().get("restoreFrom").get("uri").asText()).isEqualTo(checkpointUri);
                // The lapsed lease's attempt is over: the gate refuses what it still sends, with its reason.
                Answer late = call("POST", leaseA + "/reports", TOKENS.work(), "{\"step\": 2, \"metrics\": {\"loss\": 0.4}}");
                assertThat(late.status()).as(late.body()).isEqualTo(409);
                assertThat(late.json().get("field").asText()).isEqualTo("leaseId");
                assertThat(late.json().get("detail").asText())
                        .startsWith("refused by the gate: stale attempt 1 of trial-00000 (current attempt is 2); lease "
                                + a.json().get("leaseId").asText() + " lapsed at ");
                requeuedSeen = true;
            }
            evaluate(next);
            evaluated.add(trial + "/" + next.json().get("attempt").asInt());
        }
        assertThat(requeuedSeen).as("trial-00000 handed out again as attempt 2; evaluated " + evaluated).isTrue();
        assertThat(evaluated).hasSize(4).contains("trial-00000/2", "trial-00001/1", "trial-00002/1", "trial-00003/1");

        JsonNode summary = call("GET", "/api/experiments/" + id, TOKENS.read(), null).json();
        assertThat(summary.get("status").asText()).isEqualTo("COMPLETED");
        String events = call("GET", "/api/experiments/" + id + "/events?limit=10000", TOKENS.read(), null).body();
        assertThat(events).contains("lease expired: no heartbeat from worker " + a.json().get("workerId").asText());

        AuditReport audit = Audit.withAllServices().run(ExperimentLog.fromKafka(PLATFORM.clients(), id));
        assertThat(audit.failures()).as("audit failures").isEmpty();
        assertThat(audit.passed()).isTrue();
    }

    @Test
    void shouldRefuseToHandOutTheTrialsOfAnExperimentThatWorkersRun() throws Exception {
        String id = submit(SPEC.replace("name: ask-tell", "name: for-workers").replace("askAndTell: true", "command: [/bin/true]"));
        Answer answer = call("POST", "/api/experiments/" + id + "/leases", TOKENS.work(), null);
        assertThat(answer.status()).isEqualTo(409);
        assertThat(answer.json().get("detail").asText()).isEqualTo("experiment " + id + " runs its trials on workers; only one whose "
                + "spec says trial: {askAndTell: true} hands them to clients over HTTP");
        Answer noLease = call("POST", "/api/experiments/" + id + "/leases/nope/renew", TOKENS.work(), null);
        assertThat(noLease.status()).isEqualTo(404);
        assertThat(noLease.json().get("field").asText()).isEqualTo("leaseId");
    }

    /** Three reports, each answered CONTINUE, then the completion, after which the lease's calls are refused. */
    private static void evaluate(Answer lease) throws Exception {
        String at = lease.location();
        double x = lease.json().get("config").get("x").asDouble();
        for (int step = 1; step <= 3; step++) {
            Answer r = call("POST", at + "/reports", TOKENS.work(), "{\"step\": %d, \"metrics\": {\"loss\": %s}}"
                    .formatted(step, (x - 0.3) * (x - 0.3) + 1.0 / step));
            assertThat(r.status()).as(r.body()).isEqualTo(200);
            assertThat(r.json().get("action").asText()).isEqualTo("CONTINUE");
        }
        Answer done = call("POST", at + "/complete", TOKENS.work(), null);
        assertThat(done.status()).as(done.body()).isEqualTo(200);
        assertThat(done.json().get("status").asText()).isEqualTo("COMPLETED");
        assertThat(done.json().get("action").asText()).isEqualTo("STOP");
        Answer after = call("POST", at + "/reports", TOKENS.work(), "{\"step\": 4, \"metrics\": {\"loss\": 0}}");
        assertThat(after.status()).isEqualTo(409);
        // After the last trial, the experiment itself has completed, and the gate says so first.
        assertThat(after.json().get("detail").asText()).matches("refused by the gate: (trial " + lease.json().get("trialId").asText()
                + " is COMPLETED and cannot report|experiment " + lease.json().get("experimentId").asText() + " is COMPLETED)");
    }

    private static Answer take(String leases, int leaseSeconds) throws Exception {
        return call("POST", leases + "?wait=30&leaseSeconds=" + leaseSeconds, TOKENS.work(), null);
    }

    private static String submit(String spec) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(uri("/api/experiments")).header("Authorization", "Bearer " + TOKENS.submit())
                .header("Content-Type", "application/yaml").POST(HttpRequest.BodyPublishers.ofString(spec)).build();
        HttpResponse<String> response = HTTP.send(request, HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(202);
        String id = Json.MAPPER.readTree(response.body()).get("experimentId").asText();
        long deadline = System.currentTimeMillis() + 60_000;
        while (call("GET", "/api/experiments/" + id, TOKENS.read(), null).status() != 200) {
            assertThat(System.currentTimeMillis()).as("experiment logged").isLessThan(deadline);
            Thread.sleep(50);
        }
        return id;
    }

    private static Answer call(String method, String path, String token, String json) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri(path)).header("Authorization", "Bearer " + token);
        if (json != null) {
            request.header("Content-Type", "application/json");
        }
        request.method(method, json == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(json));
        HttpResponse<String> response = HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
        return new Answer(response.statusCode(), response.body(), response.headers().firstValue("Location").orElse(null));
    }

    private static URI uri(String path) {
        return URI.create("http://127.0.0.1:" + gateway.port() + path);
    }

    record Answer(int status, String body, String location) {
        JsonNode json() {
            try {
                return Json.MAPPER.readTree(body);
            } catch (Exception e) {
                throw new AssertionError("not JSON: " + body, e);
            }
        }
    }
}
