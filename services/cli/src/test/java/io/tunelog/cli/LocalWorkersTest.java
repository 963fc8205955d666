package io.tunelog.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tunelog.domain.spec.Resources;
import io.tunelog.domain.spec.SpecException;
import java.util.List;
import org.junit.jupiter.api.Test;

class LocalWorkersTest {
    private static final List<String> FOUR = List.of("0", "1", "2", "3");

    @Test
    void shouldGiveEachWorkerItsOwnDevicesAndStartNoMoreThanTheyGoRound() {
        LocalWorkers plan = LocalWorkers.plan(new Resources(2, 2), 4, FOUR, "--gpus");

        assertThat(plan.cpus()).isEqualTo(2);
        assertThat(plan.devices()).containsExactly(List.of("0", "1"), List.of("2", "3"));
    }

    @Test
    void shouldStartAsManyWorkersAsAskedWithNoDeviceForTrialsThatWantNone() {
        LocalWorkers plan = LocalWorkers.plan(Resources.DEFAULT, 3, FOUR, "--gpus");

        assertThat(plan.count()).isEqualTo(3);
        assertThat(plan.devices()).allSatisfy(d -> assertThat(d).isEmpty());
    }

    @Test
    void shouldRefuseATrialThatNeedsMoreGpusThanTheMachineHasNamingTheField() {
        assertThatThrownBy(() -> LocalWorkers.plan(new Resources(1, 8), 2, FOUR, "CUDA_VISIBLE_DEVICES"))
                .isInstanceOf(SpecException.class)
                .hasMessage("trial.resources.gpus: expected at most 4, the GPUs of the workers tunelog run starts: 0,1,2,3 "
                        + "(CUDA_VISIBLE_DEVICES; --gpus names others), found 8");
    }
}
