package io.tunelog.worker;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TrialAttemptTest {

    @Test
    void shouldTakeTheLastStderrLineFromTheFilesTailAndCutIt(@TempDir Path dir) throws Exception {
        Path stderr = dir.resolve("stderr.log");
        Files.writeString(stderr, "w".repeat(10_000_000) + "\nRuntimeError: out of memory\n\n");
        assertThat(TrialAttempt.lastLine(stderr)).contains("RuntimeError: out of memory");

        Files.writeString(stderr, "e".repeat(10_000_000));
        assertThat(TrialAttempt.lastLine(stderr)).hasValueSatisfying(l -> assertThat(l).hasSize(500).endsWith("..."));

        Files.writeString(stderr, "");
        assertThat(TrialAttempt.lastLine(stderr)).isEmpty();
        assertThat(TrialAttempt.lastLine(dir.resolve("missing.log"))).isEmpty();
    }

    @Test
    void shouldConfineACheckpointToTheAttemptsDirectoryAsWrittenAndAsResolved(@TempDir Path dir) throws Exception {
        Path root = Files.createDirectories(dir.resolve("storage/exp/trial-00000/a1"));
        Path outside = Files.createDirectories(dir.resolve("outside"));
        Path ok = Files.createDirectories(root.resolve("checkpoint_1/optim"));
        Files.writeString(ok.resolve("state.pt"), "12345");
        Files.writeString(root.resolve("checkpoint_1/model.bin"), "123");
        Files.createSymbolicLink(root.resolve("checkpoint_1/previous"), Files.createDirectories(root.resolve("checkpoint_0")));
        Files.createSymbolicLink(root.resolve("latest"), root.resolve("checkpoint_1"));
        Path dangling = Files.createDirectories(root.resolve("dangling"));
        Files.createSymbolicLink(dangling.resolve("later"), root.resolve("not-yet"));
        Files.writeString(root.resolve("notes.txt"), "a file");

        assertThat(CheckpointConfinement.confine(root, root.resolve("checkpoint_1"))).as("links inside the attempt's directory are its own")
                .isEqualTo(new CheckpointConfinement.Confined(null, 8));
        assertThat(CheckpointConfinement.confine(root, root.resolve("latest")).problem()).isNull();
        assertThat(CheckpointConfinement.confine(root, root).problem()).startsWith("is not inside");
        assertThat(CheckpointConfinement.confine(root, outside).problem()).startsWith("is not inside");
        assertThat(CheckpointConfinement.confine(root, root.resolve("gone")).problem()).isEqualTo("does not exist");
        assertThat(CheckpointConfinement.confine(root, root.resolve("notes.txt")).problem()).isEqualTo("is not a directory");
        assertThat(CheckpointConfinement.confine(root, dangling).problem()).startsWith("holds later, a symbolic link that leads nowhere");
    }

    @Test
    void shouldRefuseACheckpointUnderADirectoryLinkedOutside(@TempDir Path dir) throws Exception {
        Path root = Files.createDirectories(dir.resolve("storage/exp/trial-00000/a1"));
        Path outside = Files.createDirectories(dir.resolve("outside/checkpoint_1"));
        Files.createSymbolicLink(root.resolve("run"), outside.getParent());

        assertThat(CheckpointConfinement.confine(root, root.resolve("run/checkpoint_1")).problem())
                .isEqualTo("leads outside the attempt's checkpoint directory (TUNELOG_CHECKPOINT_DIR " + root
                        + ") through a symbolic link, to " + outside.toRealPath());
    }
}
