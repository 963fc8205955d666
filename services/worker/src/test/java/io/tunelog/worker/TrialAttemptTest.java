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
}
