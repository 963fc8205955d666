package io.tunelog.domain.state;

import static org.assertj.core.api.Assertions.assertThat;

import io.tunelog.domain.testing.LogBuilder;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Given trials with objectives and constraints, the fold's best trial, Pareto front and goal tally. */
class FrontFoldTest {
    private static final String TWO = """
            name: front
            metric: [{name: loss, mode: min}, {name: acc, mode: max}]
            constraints: [{name: mem_gb, below: 16}]
            budget: {trials: 8}
            searchSpace: {x: {uniform: [0, 1]}}
            trial: {command: [x]}
            """;
    private static final String ONE = """
            name: one
            metric: {name: loss, mode: min}
            constraints: [{name: mem_gb, below: 16}]
            budget: {trials: 8}
            searchSpace: {x: {uniform: [0, 1]}}
            trial: {command: [x]}
            """;

    private int index;

    private void run(LogBuilder log, String trialId, Map<String, Double> metrics, boolean finish) {
        log.created(trialId, index, Map.of("x", index / 10.0));
        index++;
        log.queued(trialId, 1);
        log.started(trialId, 1);
        log.reported(trialId, 1, 1, metrics);
        if (finish) {
            log.completed(trialId, 1);
        }
    }

    @Test
    void shouldPutOnTheFrontOnlyFinishedFeasibleTrialsNoOtherDominates() {
        LogBuilder log = LogBuilder.submitted("e1", TWO);
        run(log, "t0", Map.of("loss", 0.2, "acc", 0.8, "mem_gb", 8.0), true);
        run(log, "t1", Map.of("loss", 0.1, "acc", 0.6, "mem_gb", 16.0), true);
        run(log, "t2", Map.of("loss", 0.3, "acc", 0.7, "mem_gb", 8.0), true);
        run(log, "t3", Map.of("loss", 0.05, "acc", 0.95, "mem_gb", 32.0), true);
        run(log, "t4", Map.of("loss", 0.01, "acc", 0.99, "mem_gb", 8.0), false);
        run(log, "t5", Map.of("loss", 0.0, "acc", 1.0), true);

        ExperimentState state = log.state();

        assertThat(state.front()).extracting(ParetoFront.Member::trialId).containsExactly("t0", "t1");
        assertThat(state.front().get(0).values()).containsExactly(0.2, 0.8);
        assertThat(state.best()).as("several objectives have no single best").isEmpty();
    }

    @Test
    void shouldNeverMakeAnInfeasibleTrialTheBestNorCountItsReportsTowardsTheGoal() {
        LogBuilder log = LogBuilder.submitted("e1", ONE);
        run(log, "t0", Map.of("loss", 0.5, "mem_gb", 8.0), true);
        run(log, "t1", Map.of("loss", 0.1, "mem_gb", 20.0), true);
        run(log, "t2", Map.of("loss", 0.05), true);

        ExperimentState state = log.state();

        assertThat(state.best()).contains(new ExperimentState.Best("t0", 0.5));
        assertThat(state.stops().bestReported()).map(StopTally.ReportedValue::trialId).contains("t0");
        assertThat(state.front()).extracting(ParetoFront.Member::trialId).containsExactly("t0");
    }
}
