package io.tunelog.replay.whatif;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tunelog.domain.event.Event;
import io.tunelog.domain.event.EventPayload;
import io.tunelog.domain.spec.SchedulerSpec;
import io.tunelog.domain.spec.SpecException;
import io.tunelog.domain.testing.LogBuilder;
import io.tunelog.replay.ServiceCatalog;
import java.util.Map;
import org.junit.jupiter.api.Test;

class WhatIfTest {
    static final SchedulerSpec ASHA = new SchedulerSpec("asha", Map.of("maxT", 9L, "gracePeriod", 1L, "reductionFactor", 3L));

    static final String SPEC = """
            name: whatif
            metric: {name: acc, mode: max}
            budget: {trials: 3, concurrent: 3}
            searchSpace: {x: {uniform: [0, 1]}}
            trial: {command: [train]}
            """;

    /** Three trials run to step 9 with the given per-step accuracies, interleaved step by step. */
    private static LogBuilder experiment(double[] a, double[] b, double[] c) {
        LogBuilder log = LogBuilder.submitted("e", SPEC);
        log.decide(ServiceCatalog.deciders().get("suggestion"));
        log.decide(ServiceCatalog.deciders().get("scheduler"));
        String[] ids = {"trial-00000", "trial-00001", "trial-00002"};
        double[][] curves = {a, b, c};
        for (String id : ids) {
            log.started(id, 1);
        }
        for (int step = 1; step <= 9; step++) {
            for (int t = 0; t < 3; t++) {
                log.reported(ids[t], 1, step, Map.of("acc", curves[t][step - 1]));
            }
        }
        for (String id : ids) {
            log.completed(id, 1);
        }
        return log;
    }

    @Test
    void shouldStopWorseTrialsEarlierUnderAshaAndCountTheComputeSaved() {
        double[] good = {0.5, 0.6, 0.7, 0.75, 0.8, 0.82, 0.84, 0.86, 0.9};
        double[] bad = {0.2, 0.25, 0.3, 0.3, 0.3, 0.3, 0.3, 0.3, 0.3};
        double[] mid = {0.55, 0.58, 0.6, 0.62, 0.64, 0.66, 0.68, 0.7, 0.72};
        LogBuilder log = experiment(good, bad, mid);

        WhatIf.Result result = WhatIf.run(log.state(), ASHA);

        // The live ASHA rule, fed one result at a time: rung 1: bad (0.2) is below good's 0.5; mid (0.55) is above
        // the cutoff 0.4 of {0.5, 0.2}. Rung 3: mid (0.6) is below good's 0.7, the only score recorded there.
        assertThat(result.trials()).extracting(WhatIf.TrialOutcome::whatIfLastStep).containsExactly(9L, 1L, 3L);
        assertThat(result.trials()).extracting(WhatIf.TrialOutcome::recordedLastStep).containsExactly(9L, 9L, 9L);
        assertThat(result.stoppedEarlier()).isEqualTo(2);
        assertThat(result.wouldRunFurther()).isZero();
        assertThat(result.whatIfBest()).contains("trial-00000");
        assertThat(result.whatIfBestValue()).contains(0.9);
        assertThat(result.whatIfTrialSeconds()).isLessThan(result.recordedTrialSeconds());
        assertThat(result.trials().get(1).whatIfValue()).as("the value recorded at the stop, never an invented one").isEqualTo(0.2);
    }

    @Test
    void shouldSayWhenTheRuleWouldHaveRunATrialFurtherThanRecorded() {
        double[] curve = {0.5, 0.6, 0.7, 0.75, 0.8, 0.82, 0.84, 0.86, 0.9};
        LogBuilder log = LogBuilder.submitted("e", SPEC.replace("trials: 3, concurrent: 3", "trials: 1, concurrent: 1"));
        log.decide(ServiceCatalog.deciders().get("suggestion"));
        log.decide(ServiceCatalog.deciders().get("scheduler"));
        log.started("trial-00000", 1);
        for (int step = 1; step <= 4; step++) {
            log.reported("trial-00000", 1, step, Map.of("acc", curve[step - 1]));
        }
        // The recorded run was stopped at step 4 by its scheduler.
        log.append(new Event(Event.id("e", "trial-00000/stop-1"), "e", "trial-00000", log.state().nextSequence("scheduler"),
                LogBuilder.T0, new Event.Source("scheduler", "t"), log.state().lastOffset(),
                new EventPayload.TrialDecision(1, EventPayload.Action.STOP, "test", "stopped in the recorded run", Map.of())));

        WhatIf.Result result = WhatIf.run(log.state(), ASHA);

        assertThat(result.trials()).singleElement().satisfies(t -> {
            assertThat(t.wouldRunFurther()).isTrue();
            assertThat(t.whatIfLastStep()).isEqualTo(4);
            assertThat(t.whatIfValue()).isEqualTo(0.75);
        });
    }

    @Test
    void shouldStopATrialOnAnotherTrialsResultUnderARuleThatComparesThem() {
        double[] good = {0.5, 0.6, 0.7, 0.75, 0.8, 0.82, 0.84, 0.86, 0.9};
        double[] bad = {0.2, 0.25, 0.3, 0.3, 0.3, 0.3, 0.3, 0.3, 0.3};
        double[] mid = {0.55, 0.58, 0.6, 0.62, 0.64, 0.66, 0.68, 0.7, 0.72};
        LogBuilder log = experiment(good, bad, mid);

        WhatIf.Result result = WhatIf.run(log.state(), new SchedulerSpec("median", Map.of("gracePeriod", 2L, "minSamplesRequired", 2L)));

        // At step 2 the bad trial's best (0.25) is below the median (0.59) of the others' running means (0.6, 0.58).
        assertThat(result.trials()).extracting(WhatIf.TrialOutcome::whatIfLastStep).containsExactly(9L, 2L, 9L);
        assertThat(result.scheduler()).isEqualTo("median");
    }

    @Test
    void shouldRefuseRulesThatPauseOrExploitAndOptionsTheRuleCannotUse() {
        LogBuilder log = experiment(new double[9], new double[9], new double[9]);
        assertThatThrownBy(() -> WhatIf.run(log.state(), new SchedulerSpec("hyperband", Map.of())))
                .isInstanceOf(SpecException.class).hasMessageContaining("scheduler.type");
        assertThatThrownBy(() -> WhatIf.run(log.state(), new SchedulerSpec("asha", Map.of("maxT", 9L, "graceperiod", 1L))))
                .isInstanceOf(SpecException.class).hasMessageContaining("scheduler.graceperiod");
    }
}
