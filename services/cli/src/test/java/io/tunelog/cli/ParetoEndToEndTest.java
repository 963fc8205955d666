package io.tunelog.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.tunelog.domain.state.ExperimentState;
import io.tunelog.domain.state.ExperimentStatus;
import io.tunelog.domain.state.ParetoFront;
import io.tunelog.domain.state.TrialState;
import io.tunelog.domain.state.TrialStatus;
import io.tunelog.platform.testing.PlatformExtension;
import io.tunelog.replay.Audit;
import io.tunelog.replay.AuditReport;
import io.tunelog.replay.ExperimentLog;
import io.tunelog.results.Json;
import io.tunelog.results.ResultsWriter;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A two-objective experiment with a constraint on a real broker, the real services and three workers running
 * {@link TradeOffTrainable} with the random searcher: the front every output reports is exactly the finished trials
 * that keep the constraint and that no other such trial dominates, worked out here from the trials' last reports, and
 * the audit recomputes every decision.
 */
class ParetoEndToEndTest {
    @RegisterExtension
    static final PlatformExtension PLATFORM = PlatformExtension.inProcess().workers("pareto-worker-", 3, 1);

    static final String SPEC = """
            name: pareto
            metric: [{name: loss, mode: min}, {name: size, mode: min}]
            constraints: [{name: mem_gb, below: 16}]
            seed: 13
            budget: {trials: 24, concurrent: 3}
            searchSpace:
              x: {uniform: [0, 1]}
              y: {uniform: [0, 1]}
            searcher: {type: random}
            trial:
              trainable: io.tunelog.cli.TradeOffTrainable
            """;

    @Test
    void shouldReportAsTheFrontExactlyTheNonDominatedFeasibleTrialsAndPassTheAudit() throws Exception {
        SpecFile spec = SpecFile.read(Files.writeString(Files.createTempFile(PLATFORM.storage(), "spec", ".yaml"), SPEC));
        String id = "pareto-" + System.nanoTime();
        ExperimentFollower.submit(PLATFORM.clients(), id, spec);
        ExperimentState state = new ExperimentFollower(PLATFORM.clients(), new PrintWriter(System.err, true)).follow(id, Duration.ofSeconds(180));

        assertThat(state.status()).isEqualTo(ExperimentStatus.COMPLETED);
        assertThat(state.anomalies()).isEmpty();
        assertThat(state.trials()).hasSize(24).allSatisfy(t -> assertThat(t.status()).isEqualTo(TrialStatus.COMPLETED));
        List<String> expected = nonDominated(state.trials(), true);
        List<TrialState> infeasible = state.trials().stream().filter(t -> t.lastValue("mem_gb").orElseThrow() > 16).toList();
        assertThat(infeasible).as("the seed gives trials beyond the constraint").isNotEmpty();
        assertThat(infeasible).as("some of them would be on the front without it")
                .anyMatch(t -> nonDominated(state.trials(), false).contains(t.trialId()));
        System.out.printf("pareto: %d trials, %d infeasible, front %s%n", state.trials().size(), infeasible.size(), expected);

        // The fold, the --json summary, experiment.json and the text summary all give that front.
        assertThat(state.front()).extracting(ParetoFront.Member::trialId).isEqualTo(expected);
        assertThat(state.best()).isEmpty();
        assertThat(state.completion().orElseThrow().bestTrialId()).isNull();
        JsonNode summary = Json.MAPPER.readTree(Json.MAPPER.writeValueAsString(FollowOptions.summary(state, null)));
        assertThat(ids(summary.get("front"))).isEqualTo(expected);
        assertThat(summary.get("best").isNull()).isTrue();
        for (JsonNode member : summary.get("front")) {
            TrialState t = state.trial(member.get("trialId").asText());
            assertThat(member.get("values").get("loss").asDouble()).isEqualTo(t.lastValue("loss").orElseThrow());
            assertThat(member.get("values").get("size").asDouble()).isEqualTo(t.lastValue("size").orElseThrow());
        }
        Path dir = Files.createTempDirectory(PLATFORM.storage(), "results");
        ResultsWriter.write(state, dir);
        JsonNode experiment = Json.MAPPER.readTree(dir.resolve("experiment.json").toFile());
        assertThat(ids(experiment.get("front"))).isEqualTo(expected);
        assertThat(StreamSupport.stream(experiment.get("trialList").spliterator(), false)
                .filter(row -> !row.get("feasible").asBoolean()).map(row -> row.get("trialId").asText()).toList())
                .as("experiment.json marks the infeasible trials").isEqualTo(infeasible.stream().map(TrialState::trialId).toList());
        String text = Outcome.text(state, null);
        assertThat(text).contains("Pareto front (loss min, size min): " + expected.size() + " trial");
        expected.forEach(trialId -> assertThat(text).contains("  " + trialId + " loss="));

        AuditReport report = Audit.withAllServices().run(ExperimentLog.fromKafka(PLATFORM.clients(), id));
        assertThat(report.failures()).as("audit failures").isEmpty();
        assertThat(report.passed()).isTrue();
        assertThat(report.decisionsVerified()).containsKeys("TrialCreated", "TrialQueued", "ExperimentCompleted");
    }

    /**
     * The trials (all finished here) that no other dominates on (loss, size), by the definition; when {@code constrained},
     * among those with mem_gb at most 16 only.
     */
    private static List<String> nonDominated(Collection<TrialState> trials, boolean constrained) {
        List<TrialState> feasible = trials.stream().filter(t -> !constrained || t.lastValue("mem_gb").orElseThrow() <= 16).toList();
        List<String> front = new ArrayList<>();
        for (TrialState t : feasible) {
            boolean dominated = feasible.stream().anyMatch(o -> o != t
                    && value(o, "loss") <= value(t, "loss") && value(o, "size") <= value(t, "size")
                    && (value(o, "loss") < value(t, "loss") || value(o, "size") < value(t, "size")));
            if (!dominated) {
                front.add(t.trialId());
            }
        }
        return front;
    }

    private static double value(TrialState t, String metric) {
        return t.lastValue(metric).orElseThrow();
    }

    private static List<String> ids(JsonNode front) {
        return StreamSupport.stream(front.spliterator(), false).map(m -> m.get("trialId").asText()).toList();
    }
}
