package io.tunelog.suggestion;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.tunelog.domain.event.Event;
import io.tunelog.domain.event.EventPayload.TrialCreated;
import io.tunelog.domain.state.RobustStage;
import io.tunelog.domain.state.TrialState;
import io.tunelog.domain.testing.LogBuilder;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RobustStageTest {
    static final String SPEC = """
            name: r
            metric: {name: acc, mode: max}
            seed: 5
            budget: {trials: 4, concurrent: 1}
            searchSpace:
              lr: {uniform: [0, 1]}
              kind: {choice: [a, b]}
            robust: {top: 2, seeds: 2, probes: 1, radius: 0.1}
            trial: {command: [x]}
            """;

    private final SuggestionDecider decider = new SuggestionDecider();

    /** Runs every trial the decider creates to the end, reporting acc from the config (or fixed values). */
    private static void finish(LogBuilder log, String trialId, double acc) {
        log.queued(trialId, 1);
        log.started(trialId, 1);
        log.reported(trialId, 1, 1, Map.of("acc", acc));
        log.completed(trialId, 1);
    }

    @Test
    void shouldRerunAndProbeTheBestTwoAfterTheSearchAndReportTheirSpread() {
        LogBuilder log = LogBuilder.submitted("e", SPEC);
        double[] searchValues = {0.5, 0.9, 0.7, 0.8};
        for (int i = 0; i < 4; i++) {
            Event created = log.decide(decider).get(0);
            assertThat(RobustStage.plannedTrials(log.state())).as("no stage before the search ends").isEqualTo(4);
            finish(log, created.trialId(), searchValues[i]);
        }
        assertThat(RobustStage.plannedTrials(log.state())).isEqualTo(4 + 2 * 3);

        // Trial 1 (0.9) is best, then trial 3 (0.8).
        String[] expectedOrigins = {"robust-rerun of trial-00001", "robust-rerun of trial-00001", "robust-probe of trial-00001",
                "robust-rerun of trial-00003", "robust-rerun of trial-00003", "robust-probe of trial-00003"};
        double[] stageValues = {0.7, 0.8, 0.88, 0.8, 0.8, 0.6};
        for (int i = 0; i < 6; i++) {
            List<Event> created = log.decide(decider);
            assertThat(created).hasSize(1);
            TrialCreated trial = (TrialCreated) created.get(0).payload();
            assertThat(trial.origin()).isEqualTo(expectedOrigins[i]);
            TrialState checked = log.state().trial(RobustStage.checkedTrial(log.state().trial(created.get(0).trialId())));
            if (i % 3 < 2) {
                assertThat(trial.config()).containsEntry("seed", (long) (i % 3 + 1))
                        .containsEntry("lr", checked.config().get("lr")).containsEntry("kind", checked.config().get("kind"));
            } else {
                assertThat(trial.config()).doesNotContainKey("seed").containsEntry("kind", checked.config().get("kind"));
                assertThat((Double) trial.config().get("lr")).isCloseTo((Double) checked.config().get("lr"), within(0.1));
            }
            finish(log, created.get(0).trialId(), stageValues[i]);
        }
        assertThat(log.decide(decider)).as("stage done").isEmpty();

        RobustReport report = RobustReport.of(log.state()).orElseThrow();
        // trial-00003: runs 0.8, 0.8, 0.8 -> mean 0.8, sd 0; trial-00001: 0.9, 0.7, 0.8 -> mean 0.8, sd 0.1.
        assertThat(report.checked()).extracting(RobustReport.Checked::trialId).containsExactlyInAnyOrder("trial-00001", "trial-00003");
        RobustReport.Checked first = report.checked().stream().filter(c -> c.trialId().equals("trial-00001")).findFirst().orElseThrow();
        assertThat(first.runs()).isEqualTo(3);
        assertThat(first.mean()).isCloseTo(0.8, within(1e-12));
        assertThat(first.standardDeviation()).isCloseTo(0.1, within(1e-12));
        double probeLr = (Double) log.state().trial("trial-00006").config().get("lr");
        double lr = (Double) log.state().trial("trial-00001").config().get("lr");
        assertThat(first.lipschitz()).isCloseTo(Math.abs(0.88 - 0.9) / Math.abs(probeLr - lr), within(1e-9));
    }

    @Test
    void shouldCheckOnlyAsManyAsFinishedWithAValue() {
        LogBuilder log = LogBuilder.submitted("e", SPEC.replace("top: 2", "top: 10"));
        for (int i = 0; i < 4; i++) {
            Event created = log.decide(decider).get(0);
            if (i == 0) {
                log.queued(created.trialId(), 1);
                log.started(created.trialId(), 1);
                log.failed(created.trialId(), 1, false);
            } else {
                finish(log, created.trialId(), 0.1 * i);
            }
        }
        assertThat(RobustStage.candidates(log.state())).hasSize(3);
        assertThat(RobustStage.plannedTrials(log.state())).isEqualTo(4 + 3 * 3);
    }
}
