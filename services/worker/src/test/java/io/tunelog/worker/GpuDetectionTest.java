package io.tunelog.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class GpuDetectionTest {
    private static final String NVIDIA_SMI = """
            GPU 0: NVIDIA A100-SXM4-40GB (UUID: GPU-5c1e3a1b-0000-0000-0000-000000000000)
              MIG 1g.5gb      Device  0: (UUID: MIG-0f1e2d3c-0000-0000-0000-000000000000)
            GPU 1: NVIDIA A100-SXM4-40GB (UUID: GPU-7a2b3c4d-0000-0000-0000-000000000000)
            """;

    private final AtomicInteger nvidiaSmiRuns = new AtomicInteger();

    private GpuDetection.Found detect(Map<String, String> env, String nvidiaSmi) {
        return GpuDetection.detect(env, () -> {
            nvidiaSmiRuns.incrementAndGet();
            return Optional.ofNullable(nvidiaSmi);
        });
    }

    @Test
    void shouldTakeCudaVisibleDevicesFirstAndNotRunNvidiaSmi() {
        GpuDetection.Found found = detect(Map.of("CUDA_VISIBLE_DEVICES", "2,3", "SLURM_JOB_GPUS", "6,7"), NVIDIA_SMI);

        assertThat(found).isEqualTo(new GpuDetection.Found(List.of("2", "3"), "CUDA_VISIBLE_DEVICES"));
        assertThat(nvidiaSmiRuns).hasValue(0);
    }

    @Test
    void shouldTakeAnEmptyCudaVisibleDevicesAsNoGpuEvenWhenSlurmOrNvidiaSmiKnowOthers() {
        assertThat(detect(Map.of("CUDA_VISIBLE_DEVICES", "", "SLURM_JOB_GPUS", "0"), NVIDIA_SMI).devices()).isEmpty();
        assertThat(detect(Map.of("CUDA_VISIBLE_DEVICES", "-1"), NVIDIA_SMI).devices()).isEmpty();
        assertThat(detect(Map.of("CUDA_VISIBLE_DEVICES", "NoDevFiles"), NVIDIA_SMI).devices()).isEmpty();
    }

    @Test
    void shouldTakeTheStepsGpusBeforeTheJobsWhenCudaDoesNotSay() {
        assertThat(detect(Map.of("SLURM_STEP_GPUS", "1", "SLURM_JOB_GPUS", "0,1"), null))
                .isEqualTo(new GpuDetection.Found(List.of("1"), "SLURM_STEP_GPUS"));
        assertThat(detect(Map.of("SLURM_JOB_GPUS", "0,1"), NVIDIA_SMI)).isEqualTo(new GpuDetection.Found(List.of("0", "1"), "SLURM_JOB_GPUS"));
        assertThat(nvidiaSmiRuns).hasValue(0);
    }

    @Test
    void shouldListTheGpusOfNvidiaSmiWithoutTheirMigInstancesWhenNoVariableSays() {
        assertThat(detect(Map.of("PATH", "/usr/bin"), NVIDIA_SMI)).isEqualTo(new GpuDetection.Found(List.of("0", "1"), "nvidia-smi -L"));
    }

    @Test
    void shouldFindNoneWithoutVariablesOrNvidiaSmi() {
        assertThat(detect(Map.of(), null)).isEqualTo(new GpuDetection.Found(List.of(), "no CUDA_VISIBLE_DEVICES, SLURM_*_GPUS or nvidia-smi"));
    }

    @Test
    void shouldReadIdsRangesAndUuidsAsWritten() {
        assertThat(GpuDetection.parse(" 0, 1 ,3")).containsExactly("0", "1", "3");
        assertThat(GpuDetection.parse("0-3,6")).containsExactly("0", "1", "2", "3", "6");
        assertThat(GpuDetection.parse("GPU-5c1e3a1b,MIG-0f1e2d3c")).containsExactly("GPU-5c1e3a1b", "MIG-0f1e2d3c");
        assertThat(GpuDetection.parse("none")).isEmpty();
    }

    @Test
    void shouldRefuseAListWithAnEmptyOrRepeatedIdOrABackwardsRangeNamingTheVariable() {
        assertThatThrownBy(() -> GpuDetection.parse("0,,1")).hasMessageContaining("empty one");
        assertThatThrownBy(() -> GpuDetection.parse("0,1,0")).hasMessage("device 0 is given twice");
        assertThatThrownBy(() -> GpuDetection.parse("0-2,1")).hasMessage("device 1 is given twice");
        assertThatThrownBy(() -> GpuDetection.parse("3-1")).hasMessageContaining("found 3-1");
        assertThatThrownBy(() -> detect(Map.of("SLURM_JOB_GPUS", "0,,1"), null)).hasMessageStartingWith("SLURM_JOB_GPUS=0,,1: ");
    }
}
