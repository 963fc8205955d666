package io.tunelog.suggestion.search;

import static org.assertj.core.api.Assertions.assertThat;

import io.tunelog.domain.testing.LogBuilder;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class HistoryTest {
    private static final String SPEC = """
            name: h
            metric: [{name: loss, mode: min}, {name: acc, mode: max}]
            constraints: [{name: mem_gb, below: 16}, {name: acc, above: 0.5}]
            budget: {trials: 5}
            searchSpace: {x: {uniform: [0, 1]}}
            trial: {command: [x]}
            """;

    private static void finished(LogBuilder log, String trialId, int index, Map<String, Double> metrics) {
        log.created(trialId, index, Map.of("x", index / 10.0));
        log.queued(trialId, 1);
        log.started(trialId, 1);
        log.reported(trialId, 1, 1, metrics);
        log.completed(trialId, 1);
    }

    @Test
    void shouldObserveEveryFinishedTrialWithAllItsMetricsFeasibleOrNot() {
        LogBuilder log = LogBuilder.submitted("e1", SPEC);
        finished(log, "t0", 0, Map.of("loss", 0.25, "acc", 0.75, "mem_gb", 8.0));
        finished(log, "t1", 1, Map.of("loss", 0.125, "acc", 0.25, "mem_gb", 20.0));
        finished(log, "t2", 2, Map.of("loss", 0.5, "acc", 0.75));
        log.created("t3", 3, Map.of("x", 0.3));

        History history = History.of(log.state().spec(), log.state(), List.of(Map.of("x", 0.9)));

        assertThat(history.observations()).hasSize(2);
        History.Observation feasible = history.observations().get(0);
        assertThat(feasible.objectives()).containsExactly(0.25, -0.75);
        assertThat(feasible.violations()).containsExactly(0.0, 0.0);
        assertThat(feasible.feasible()).isTrue();
        assertThat(feasible.loss()).isEqualTo(0.25);
        History.Observation infeasible = history.observations().get(1);
        assertThat(infeasible.violations()).containsExactly(4.0, 0.25);
        assertThat(infeasible.feasible()).isFalse();
        assertThat(infeasible.violation()).isEqualTo(4.25);
        assertThat(history.pending()).containsExactly(Map.of("x", 0.3), Map.of("x", 0.9));
    }

    @Test
    void shouldKeepTheSingleObjectiveLossAsItWas() {
        History.Observation o = new History.Observation(Map.of(), 1.5);

        assertThat(o.loss()).isEqualTo(1.5);
        assertThat(o.feasible()).isTrue();
        assertThat(o.violation()).isZero();
    }
}
