package io.tunelog.service;

import static org.assertj.core.api.Assertions.assertThat;

import io.tunelog.domain.spec.Resources;
import java.util.List;
import org.junit.jupiter.api.Test;

class PlacementTest {
    private static final List<Placement.Worker> TWO = List.of(new Placement.Worker("w2", 4, 2), new Placement.Worker("w4", 4, 4));

    @Test
    void shouldPlaceATrialThatAnyLiveWorkerCouldRunNamingOne() {
        assertThat(Placement.judge(new Resources(1, 4), TWO)).hasValue(new Placement.Verdict(true, "worker w4 (4 CPUs and 4 GPUs) can run it"));
        assertThat(Placement.judge(new Resources(1, 2), TWO)).hasValueSatisfying(v -> assertThat(v.reason()).startsWith("worker w2 "));
        assertThat(Placement.judge(Resources.DEFAULT, TWO)).hasValueSatisfying(v -> assertThat(v.placeable()).isTrue());
    }

    @Test
    void shouldNotPlaceATrialThatNeedsMoreThanAnyLiveWorkerHasSayingWhatTheyHave() {
        assertThat(Placement.judge(new Resources(1, 8), TWO)).hasValue(new Placement.Verdict(false,
                "needs 1 CPU and 8 GPUs (trial.resources), more than any of the 2 live workers has: w4 has 4 CPUs and 4 GPUs, "
                        + "w2 has 4 CPUs and 2 GPUs"));
    }

    @Test
    void shouldWantOneWorkerWithBothTheCpusAndTheGpusNotTheirSumAcrossWorkers() {
        List<Placement.Worker> split = List.of(new Placement.Worker("cpu", 16, 0), new Placement.Worker("gpu", 1, 4));

        assertThat(Placement.judge(new Resources(8, 2), split)).hasValueSatisfying(v -> assertThat(v.placeable()).isFalse());
    }

    @Test
    void shouldNameAtMostThreeWorkers() {
        List<Placement.Worker> five = List.of(new Placement.Worker("a", 1, 0), new Placement.Worker("b", 1, 1), new Placement.Worker("c", 1, 2),
                new Placement.Worker("d", 1, 0), new Placement.Worker("e", 2, 0));

        assertThat(Placement.judge(new Resources(1, 3), five)).hasValueSatisfying(v -> assertThat(v.reason())
                .endsWith("the 5 live workers has: c has 1 CPU and 2 GPUs, b has 1 CPU and 1 GPU, e has 2 CPUs and 0 GPUs and 2 more"));
    }

    @Test
    void shouldJudgeNothingWithNoLiveWorker() {
        assertThat(Placement.judge(new Resources(1, 8), List.of())).isEmpty();
    }
}
