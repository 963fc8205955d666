package io.tunelog.worker;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The bwrap command line a sandboxed trial runs under; {@link SandboxedTrialTest} runs it. */
class SandboxTest {
    static final Path BWRAP = Path.of("/usr/bin/bwrap");

    @TempDir
    Path dir;

    @Test
    void shouldRunTheCommandWithTheSystemReadOnlyAndOnlyTheAttemptsDirectoriesWritable() throws Exception {
        Path storage = Files.createDirectories(dir.resolve("storage"));
        Path checkpoint = Files.createDirectories(storage.resolve("exp/trial-1/a2"));
        Path restore = Files.createDirectories(storage.resolve("exp/trial-0/a1/checkpoint_000003"));
        Path logs = Files.createDirectories(dir.resolve("logs"));
        Path log = Files.createDirectories(logs.resolve("exp/trial-1/attempt-2"));
        Path clientConfig = Files.writeString(dir.resolve("client.properties"), "sasl.jaas.config=secret");
        Path work = Files.createDirectories(dir.resolve("work")).toRealPath();
        Sandbox sandbox = new Sandbox(BWRAP, List.of(clientConfig, dir.resolve("no-such-file")), true, List.of(Path.of("/dev/nvidia0")))
                .hiding(List.of(storage, logs));

        List<String> args = sandbox.command(List.of("python3", "train.py", "--lr", "0.1"), checkpoint, log, Optional.of(restore), work);

        String real = dir.toRealPath().toString();
        assertThat(String.join(" ", args)).startsWith("/usr/bin/bwrap --die-with-parent --new-session --unshare-pid --unshare-ipc "
                        + "--unshare-uts --cap-drop ALL --ro-bind / / --dev /dev --dev-bind /dev/nvidia0 /dev/nvidia0 --proc /proc "
                        + "--tmpfs /tmp --tmpfs /run ")
                .doesNotContain("--unshare-net")
                .endsWith("--ro-bind " + work + " " + work
                        + " --ro-bind /dev/null " + real + "/client.properties"
                        + " --tmpfs " + real + "/storage --tmpfs " + real + "/logs"
                        + " --bind " + real + "/storage/exp/trial-1/a2 " + real + "/storage/exp/trial-1/a2"
                        + " --bind " + real + "/logs/exp/trial-1/attempt-2 " + real + "/logs/exp/trial-1/attempt-2"
                        + " --ro-bind " + real + "/storage/exp/trial-0/a1/checkpoint_000003 " + real + "/storage/exp/trial-0/a1/checkpoint_000003"
                        + " --remount-ro " + real + "/storage --remount-ro " + real + "/logs"
                        + " --chdir " + work + " -- python3 train.py --lr 0.1");
        assertThat(args).as("the command's own arguments, each one element, after --").endsWith("--", "python3", "train.py", "--lr", "0.1");
    }

    @Test
    void shouldUnshareTheNetworkWhenToldAndStartInTheCheckpointDirectoryWhenTheWorkersIsHidden() throws Exception {
        Path storage = Files.createDirectories(dir.resolve("storage"));
        Path checkpoint = Files.createDirectories(storage.resolve("e/t/a1")).toRealPath();
        Path log = Files.createDirectories(dir.resolve("logs/e/t/attempt-1"));
        Sandbox sandbox = new Sandbox(BWRAP, List.of(storage), false, List.of());

        List<String> args = sandbox.command(List.of("./train"), checkpoint, log, Optional.empty(), storage);

        assertThat(args).contains("--unshare-net");
        assertThat(String.join(" ", args)).endsWith("--chdir " + checkpoint + " -- ./train");
    }

    @Test
    void shouldFindBwrapOnThePathAndTheGpuDeviceFiles() throws Exception {
        Path bin = Files.createDirectories(dir.resolve("bin"));
        Path bwrap = Files.createFile(bin.resolve("bwrap"));
        bwrap.toFile().setExecutable(true);
        Path dev = Files.createDirectories(dir.resolve("dev"));
        for (String name : List.of("nvidia0", "nvidiactl", "nvidia-uvm", "dri", "kfd", "null", "sda")) {
            Files.createFile(dev.resolve(name));
        }

        assertThat(Sandbox.findBwrap("/no/such/dir::" + bin)).contains(bwrap);
        assertThat(Sandbox.findBwrap("/no/such/dir")).isEmpty();
        assertThat(Sandbox.findBwrap(null)).isEmpty();
        assertThat(Sandbox.gpuDevices(dev)).extracting(p -> p.getFileName().toString())
                .containsExactly("dri", "kfd", "nvidia-uvm", "nvidia0", "nvidiactl");
    }

    @Test
    void shouldSayWhyBwrapCannotRun() {
        assertThat(new Sandbox(dir.resolve("no-bwrap"), List.of(), true, List.of()).problem())
                .hasValueSatisfying(p -> assertThat(p).startsWith("cannot run " + dir.resolve("no-bwrap") + ": "));
    }
}
