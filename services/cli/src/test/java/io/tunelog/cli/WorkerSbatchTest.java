package io.tunelog.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * deploy/slurm/worker.sbatch gives the agent the CPUs and GPUs Slurm gave the task: run under bash with Slurm's variables
 * and a stand-in for bin/tunelog that prints its arguments, which the real `tunelog worker` command must then accept.
 */
class WorkerSbatchTest {
    /** Surefire runs in services/cli. */
    private static final Path SCRIPT = Path.of("../../deploy/slurm/worker.sbatch").toAbsolutePath().normalize();

    @TempDir
    Path home;

    private WorkerCommand run(Map<String, String> slurm) throws Exception {
        Path bin = Files.createDirectories(home.resolve("bin"));
        Path stub = Files.writeString(bin.resolve("tunelog"), "#!/bin/sh\nfor a in \"$@\"; do echo \"$a\"; done\n");
        Files.setPosixFilePermissions(stub, PosixFilePermissions.fromString("rwxr-xr-x"));
        ProcessBuilder builder = new ProcessBuilder("bash", SCRIPT.toString(), "--allow-command", "/usr/bin/python3");
        builder.environment().clear();
        builder.environment().putAll(Map.of("PATH", "/usr/bin:/bin", "HOME", home.toString(), "KAFKA_BOOTSTRAP_SERVERS", "kafka:9092",
                "SLURM_JOB_ID", "41", "SLURM_ARRAY_JOB_ID", "40", "SLURM_ARRAY_TASK_ID", "1", "TUNELOG_HOME", home.toString()));
        builder.environment().putAll(slurm);
        Process p = builder.redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
        List<String> args = new ArrayList<>(out.lines().toList());
        assertThat(args.remove(0)).isEqualTo("worker");
        WorkerCommand command = new WorkerCommand();
        new CommandLine(command).parseArgs(args.toArray(String[]::new));
        assertThat(command.workerId).isEqualTo("slurm-40_1");
        assertThat(command.allowCommands).containsExactly("/usr/bin/python3");
        return command;
    }

    @Test
    void shouldGiveTheAgentTheTasksCpusAndTheGpusInItsCudaVisibleDevices() throws Exception {
        WorkerCommand worker = run(Map.of("SLURM_CPUS_PER_TASK", "8", "CUDA_VISIBLE_DEVICES", "0,1", "SLURM_JOB_GPUS", "4,5"));

        assertThat(worker.slots).isEqualTo(8);
        assertThat(WorkerCommand.devices(worker.gpus).devices()).containsExactly("0", "1");
    }

    @Test
    void shouldFallBackToTheGpusSlurmNamesForTheStepThenTheJob() throws Exception {
        assertThat(WorkerCommand.devices(run(Map.of("SLURM_STEP_GPUS", "3", "SLURM_JOB_GPUS", "2,3")).gpus).devices()).containsExactly("3");
        assertThat(WorkerCommand.devices(run(Map.of("SLURM_JOB_GPUS", "2,3")).gpus).devices()).containsExactly("2", "3");
    }

    @Test
    void shouldGiveNoGpuToAJobWithoutAnyRatherThanLookForTheNodes() throws Exception {
        WorkerCommand worker = run(Map.of());

        assertThat(worker.slots).isEqualTo(1);
        assertThat(worker.gpus).isEqualTo("none");
        assertThat(WorkerCommand.devices(run(Map.of("CUDA_VISIBLE_DEVICES", "", "SLURM_JOB_GPUS", "0")).gpus).devices())
                .as("an empty CUDA_VISIBLE_DEVICES means none").isEmpty();
    }
}
