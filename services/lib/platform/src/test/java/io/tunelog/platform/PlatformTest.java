package io.tunelog.platform;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

class PlatformTest {
    @Test
    void shouldNameAnArrayTaskAsSqueueShowsItAndScancelTakesIt() {
        // Slurm gives each array task a job id of its own, but refuses to scancel a task by it.
        Map<String, String> env = Map.of("SLURM_JOB_ID", "2", "SLURM_ARRAY_JOB_ID", "1", "SLURM_ARRAY_TASK_ID", "0");

        assertThat(Platform.slurmJobId(env)).isEqualTo("1_0");
    }

    @Test
    void shouldNameAPlainJobByItsIdAndNoJobOutsideSlurm() {
        assertThat(Platform.slurmJobId(Map.of("SLURM_JOB_ID", "17"))).isEqualTo("17");
        assertThat(Platform.slurmJobId(Map.of())).isNull();
    }
}
