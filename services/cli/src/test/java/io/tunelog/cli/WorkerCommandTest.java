package io.tunelog.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.tunelog.worker.WorkerAgent;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class WorkerCommandTest {

    @Test
    void shouldCapTrialStdoutAt64MiBUnlessToldOtherwise() {
        WorkerCommand command = new WorkerCommand();
        new CommandLine(command).parseArgs();
        assertThat(command.maxOutputBytes).isEqualTo(WorkerAgent.Settings.DEFAULT_MAX_OUTPUT_BYTES).isEqualTo(64L << 20);

        new CommandLine(command).parseArgs("--max-output-bytes", "1048576");
        assertThat(command.maxOutputBytes).isEqualTo(1L << 20);
    }

    @Test
    void shouldRefuseAnOutputLimitBelowOneByte() {
        StringWriter err = new StringWriter();
        int exit = Tunelog.commandLine().setErr(new PrintWriter(err)).setOut(new PrintWriter(new StringWriter()))
                .execute("worker", "--max-output-bytes", "0", "--bootstrap-servers", "127.0.0.1:1");

        assertThat(exit).isEqualTo(Tunelog.BAD_INPUT);
        assertThat(err.toString()).contains("--max-output-bytes must be at least 1, got 0");
    }

    @Test
    void shouldKeepAThousandReportsInFlightUnlessToldOtherwiseAndRefuseFewerThanOne() {
        WorkerCommand command = new WorkerCommand();
        new CommandLine(command).parseArgs();
        assertThat(command.maxReportsInFlight).isEqualTo(WorkerAgent.Settings.DEFAULT_MAX_REPORTS_IN_FLIGHT).isEqualTo(1000);

        StringWriter err = new StringWriter();
        int exit = Tunelog.commandLine().setErr(new PrintWriter(err)).setOut(new PrintWriter(new StringWriter()))
                .execute("worker", "--max-reports-in-flight", "0", "--bootstrap-servers", "127.0.0.1:1");
        assertThat(exit).isEqualTo(Tunelog.BAD_INPUT);
        assertThat(err.toString()).contains("--max-reports-in-flight must be at least 1, got 0");
    }

    @Test
    void shouldTakeRepeatedTrialEnvAndAllowListOptions() {
        WorkerCommand command = new WorkerCommand();
        new CommandLine(command).parseArgs("--trial-env", "HF_*", "--trial-env", "WANDB_API_KEY",
                "--allow-command", "/usr/bin/python3", "--allow-command", "/opt/train/bin/train", "--allow-trainable", "com.example.Train");

        assertThat(command.trialEnv).containsExactly("HF_*", "WANDB_API_KEY");
        assertThat(command.allowCommands).containsExactly("/usr/bin/python3", "/opt/train/bin/train");
        assertThat(command.allowTrainables).containsExactly("com.example.Train");
    }

    @Test
    void shouldRefuseToPassTheWorkersKafkaSettingsToTrials() {
        StringWriter err = new StringWriter();
        int exit = Tunelog.commandLine().setErr(new PrintWriter(err)).setOut(new PrintWriter(new StringWriter()))
                .execute("worker", "--trial-env", "KAFKA_SASL_JAAS_CONFIG", "--bootstrap-servers", "127.0.0.1:1");

        assertThat(exit).isEqualTo(Tunelog.BAD_INPUT);
        assertThat(err.toString()).contains("--trial-env KAFKA_SASL_JAAS_CONFIG: the worker never passes KAFKA_* variables to a trial");
    }

    @Test
    void shouldRefuseAPythonHelperDirectoryWithoutTheTunelogPackageInOneLine(@TempDir Path dir) {
        StringWriter err = new StringWriter();
        int exit = Tunelog.commandLine().setErr(new PrintWriter(err)).setOut(new PrintWriter(new StringWriter()))
                .execute("worker", "--python-helper", dir.toString(), "--bootstrap-servers", "127.0.0.1:1");

        assertThat(exit).isEqualTo(Tunelog.BAD_INPUT);
        assertThat(err.toString().strip()).isEqualTo("tunelog worker: --python-helper " + dir + " holds no tunelog package (no tunelog/__init__.py there)");
    }

    @Test
    void shouldTakeCpusOrTheOlderSlotsAndAListOfGpus() {
        WorkerCommand command = new WorkerCommand();
        new CommandLine(command).parseArgs("--cpus", "8", "--gpus", "0,1,2,3");
        assertThat(command.slots).isEqualTo(8);
        assertThat(WorkerCommand.devices(command.gpus).devices()).containsExactly("0", "1", "2", "3");

        new CommandLine(command).parseArgs("--slots", "2", "--gpus", "none");
        assertThat(command.slots).isEqualTo(2);
        assertThat(WorkerCommand.devices(command.gpus).devices()).isEmpty();
    }

    @Test
    void shouldRefuseAGpuListWithARepeatedDeviceInOneLine() {
        StringWriter err = new StringWriter();
        int exit = Tunelog.commandLine().setErr(new PrintWriter(err)).setOut(new PrintWriter(new StringWriter()))
                .execute("worker", "--gpus", "0,1,0", "--bootstrap-servers", "127.0.0.1:1");

        assertThat(exit).isEqualTo(Tunelog.BAD_INPUT);
        assertThat(err.toString().strip()).isEqualTo("tunelog worker: --gpus 0,1,0: device 0 is given twice");
    }

    @Test
    void shouldRefuseNoCpu() {
        StringWriter err = new StringWriter();
        int exit = Tunelog.commandLine().setErr(new PrintWriter(err)).setOut(new PrintWriter(new StringWriter()))
                .execute("worker", "--cpus", "0", "--bootstrap-servers", "127.0.0.1:1");

        assertThat(exit).isEqualTo(Tunelog.BAD_INPUT);
        assertThat(err.toString()).contains("--cpus must be at least 1, got 0");
    }

    @Test
    void shouldHideTheClientConfigAndTheStoresItNamesFromSandboxedTrials(@TempDir Path dir) throws Exception {
        Path config = Files.writeString(dir.resolve("client.properties"), "security.protocol=SSL\n"
                + "ssl.keystore.location = " + dir.resolve("worker.p12") + "\nssl.truststore.location=" + dir.resolve("ca.p12") + "\n");
        WorkerCommand command = new WorkerCommand();
        new CommandLine(command).parseArgs("--client-config", config.toString(), "--sandbox", "--sandbox-hide", "/root/.ssh");

        assertThat(command.kafka.credentialFiles()).containsExactly(config, dir.resolve("worker.p12"), dir.resolve("ca.p12"));
        assertThat(command.sandbox).isTrue();
        assertThat(command.sandboxHide).containsExactly(Path.of("/root/.ssh"));
        assertThat(command.sandboxNoNetwork).isFalse();
    }

    @Test
    void shouldRefuseSandboxOptionsWithoutSandboxAndAPathToHideThatIsNotThereInOneLine(@TempDir Path dir) {
        StringWriter err = new StringWriter();
        int exit = Tunelog.commandLine().setErr(new PrintWriter(err)).setOut(new PrintWriter(new StringWriter()))
                .execute("worker", "--sandbox-no-network", "--bootstrap-servers", "127.0.0.1:1");
        assertThat(exit).isEqualTo(Tunelog.BAD_INPUT);
        assertThat(err.toString().strip()).isEqualTo("tunelog worker: --sandbox-no-network needs --sandbox");

        StringWriter missing = new StringWriter();
        exit = Tunelog.commandLine().setErr(new PrintWriter(missing)).setOut(new PrintWriter(new StringWriter()))
                .execute("worker", "--sandbox", "--sandbox-hide", dir.resolve("nothing").toString(), "--bootstrap-servers", "127.0.0.1:1");
        assertThat(exit).isEqualTo(Tunelog.BAD_INPUT);
        assertThat(missing.toString().strip()).isEqualTo("tunelog worker: --sandbox-hide " + dir.resolve("nothing") + ": no such file or directory");
    }
}
