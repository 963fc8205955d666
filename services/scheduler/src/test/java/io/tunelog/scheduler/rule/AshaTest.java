package io.tunelog.scheduler.rule;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.tunelog.domain.event.Event;
import io.tunelog.domain.event.EventPayload.Action;
import io.tunelog.domain.event.EventPayload.TrialDecision;
import io.tunelog.domain.state.TrialStatus;
import io.tunelog.domain.testing.LogBuilder;
import io.tunelog.scheduler.SchedulingDecider;
import io.tunelog.suggestion.SuggestionDecider;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Recorded learning curves against decisions worked out by hand from Ray Tune's ASHA rules: rungs at
 * 1, 3, 9 (grace 1, rf 3, maxT 10), cutoff the 2/3 quantile (numpy's linear interpolation) of the scores
 * recorded at the rung before the trial.
 */
class AshaTest {
    static final String SPEC = """
            name: asha
            metric: {name: acc, mode: max}
            budget: {trials: 4, concurrent: 4}
            searchSpace:
              x: {uniform: [0, 1]}
            scheduler: {type: asha, maxT: 10, gracePeriod: 1, reductionFactor: 3}
            trial: {command: [x]}
            """;

    private final SchedulingDecider scheduler = new SchedulingDecider();

    static LogBuilder running(String spec, int trials) {
        LogBuilder log = LogBuilder.submitted("e", spec);
        log.decide(new SuggestionDecider());
        log.decide(new SchedulingDecider());
        for (int i = 0; i < trials; i++) {
            log.started(SuggestionDecider.trialId(i), 1);
        }
        return log;
    }

    static TrialDecision decision(Event e) {
        return (TrialDecision) e.payload();
    }

    @Test
    void shouldStopBelowTheRungQuantileOfEarlierTrialsAndRecordEveryScore() {
        LogBuilder log = running(SPEC, 4);
        log.reported("trial-00000", 1, 1, Map.of("acc", 0.5));
        assertThat(log.decide(scheduler)).singleElement().satisfies(e -> {
            assertThat(decision(e).action()).isEqualTo(Action.CONTINUE);
            assertThat(decision(e).rung()).isEqualTo("asha/b0/r1");
            assertThat(decision(e).inputs()).containsEntry("score", 0.5).doesNotContainKey("cutoff");
        });
        log.reported("trial-00001", 1, 1, Map.of("acc", 0.7));
        assertThat(log.decide(scheduler)).singleElement().satisfies(e -> {
            assertThat(decision(e).action()).isEqualTo(Action.CONTINUE);
            assertThat(decision(e).inputs().get("cutoff")).isEqualTo(0.5);
        });
        // cutoff of [0.5, 0.7] at q = 2/3: 0.5 + (2/3)(0.2) = 0.6333
        log.reported("trial-00002", 1, 1, Map.of("acc", 0.4));
        assertThat(log.decide(scheduler)).singleElement().satisfies(e -> {
            assertThat(e.trialId()).isEqualTo("trial-00002");
            assertThat(decision(e).action()).isEqualTo(Action.STOP);
            assertThat(decision(e).rule()).isEqualTo("asha.rung");
            assertThat(decision(e).inputs().get("cutoff")).isCloseTo(0.6333333, within(1e-6));
            assertThat(decision(e).inputs()).containsEntry("recorded", 2.0).containsEntry("milestone", 1.0);
        });
        assertThat(log.state().trial("trial-00002").status()).isEqualTo(TrialStatus.STOPPED);
        // The stopped trial's score counts: cutoff of [0.4, 0.5, 0.7] is 0.5 + (1/3)(0.2) = 0.5667
        log.reported("trial-00003", 1, 1, Map.of("acc", 0.56));
        assertThat(log.decide(scheduler)).singleElement().satisfies(e -> {
            assertThat(decision(e).action()).isEqualTo(Action.STOP);
            assertThat(decision(e).inputs().get("cutoff")).isCloseTo(0.5666667, within(1e-6));
        });
        assertThat(log.state().rung("asha/b0/r1").size()).isEqualTo(4);
    }

    @Test
    void shouldJudgeEachReportInOrderAndOnlyAtTheHighestRungItReached() {
        LogBuilder log = running(SPEC, 2);
        log.reported("trial-00000", 1, 1, Map.of("acc", 0.5));
        log.reported("trial-00000", 1, 2, Map.of("acc", 0.55));
        log.reported("trial-00000", 1, 3, Map.of("acc", 0.6));
        // trial 1 reports first at step 4: judged at rung 3, never at rung 1
        log.reported("trial-00001", 1, 4, Map.of("acc", 0.58));

        List<Event> decided = log.decide(scheduler);

        assertThat(decided).extracting(e -> e.trialId() + " " + decision(e).rung() + " " + decision(e).inputs().get("score"))
                .containsExactly("trial-00000 asha/b0/r1 0.5", "trial-00000 asha/b0/r3 0.6", "trial-00001 asha/b0/r3 0.58");
        assertThat(decision(decided.get(2)).action()).as("0.58 < cutoff 0.6 of [0.6]").isEqualTo(Action.STOP);
        assertThat(log.decide(scheduler)).as("each rung judged once").isEmpty();
    }

    @Test
    void shouldStopAtMaxT() {
        LogBuilder log = running(SPEC, 1);
        log.reported("trial-00000", 1, 1, Map.of("acc", 0.5));
        log.decide(scheduler);
        log.reported("trial-00000", 1, 10, Map.of("acc", 0.9));

        assertThat(log.decide(scheduler)).singleElement().satisfies(e -> {
            assertThat(decision(e).action()).isEqualTo(Action.STOP);
            assertThat(decision(e).rule()).isEqualTo("asha.max_t");
        });
    }

    @Test
    void shouldCompareLossesWithTheSignTurnedUnderMin() {
        LogBuilder log = running(SPEC.replace("{name: acc, mode: max}", "{name: loss, mode: min}"), 2);
        log.reported("trial-00000", 1, 1, Map.of("loss", 0.2));
        log.decide(scheduler);
        log.reported("trial-00001", 1, 1, Map.of("loss", 0.3));

        assertThat(log.decide(scheduler)).singleElement().satisfies(e -> {
            assertThat(decision(e).action()).as("a higher loss is worse").isEqualTo(Action.STOP);
            assertThat(decision(e).inputs()).containsEntry("score", -0.3).containsEntry("cutoff", -0.2);
        });
    }

    @Test
    void shouldReadTheTimeFromAReportedMetricWhenAsked() {
        LogBuilder log = running(SPEC.replace("reductionFactor: 3}", "reductionFactor: 3, timeAttr: epoch}"), 1);
        log.reported("trial-00000", 1, 1, Map.of("acc", 0.5, "epoch", 0.5));
        assertThat(log.decide(scheduler)).as("epoch 0.5 is below the first rung").isEmpty();
        log.reported("trial-00000", 1, 2, Map.of("acc", 0.5, "epoch", 3.0));
        assertThat(log.decide(scheduler)).extracting(e -> decision(e).rung()).containsExactly("asha/b0/r3");
    }
}
