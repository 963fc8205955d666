package io.tunelog.examples;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tunelog.worker.PythonHelper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** python/sklearn_digits.py run as a real child process of /usr/bin/python3, as a worker runs it: the helper on its PYTHONPATH. */
class SklearnDigitsScriptTest {
    private static final String PYTHON = "/usr/bin/python3";
    /** Tests run in the module directory (services/examples). */
    private static final Path SCRIPT = Path.of("python", "sklearn_digits.py").toAbsolutePath();
    private static final ObjectMapper JSON = new ObjectMapper();

    @BeforeAll
    static void needsScikitLearn() {
        Assumptions.assumeTrue(canImportSklearn(), PYTHON + " cannot import sklearn (Debian: apt-get install python3-sklearn)");
    }

    private static boolean canImportSklearn() {
        try {
            Process p = new ProcessBuilder(PYTHON, "-c", "import sklearn, numpy").redirectErrorStream(true).start();
            p.getInputStream().transferTo(java.io.OutputStream.nullOutputStream());
            return p.waitFor() == 0;
        } catch (Exception e) {
            return false;
        }
    }

    /** Runs the script with the configuration in TUNELOG_CONFIG or, {@code inFile}, only in TUNELOG_CONFIG_FILE (as a large one comes). */
    private static List<JsonNode> run(String config, boolean inFile, Path checkpoints, Path restoreFrom, Path logs) throws Exception {
        Map<String, String> env = new HashMap<>(Map.of("TUNELOG_CHECKPOINT_DIR", checkpoints.toString(),
                "PYTHONPATH", PythonHelper.fromProcess().pythonPath(null)));
        if (inFile) {
            Files.createDirectories(logs);
            env.put("TUNELOG_CONFIG_FILE", Files.writeString(logs.resolve("config.json"), config).toString());
        } else {
            env.put("TUNELOG_CONFIG", config);
        }
        if (restoreFrom != null) {
            env.put("TUNELOG_RESTORE_FROM", restoreFrom.toString());
        }
        ChildProcess.Result result = ChildProcess.run(List.of(PYTHON, SCRIPT.toString()), env, logs, Duration.ofSeconds(60));
        System.out.printf("sklearn_digits.py %s: exit %d in %d ms%n", config, result.exitCode(), result.millis());
        assertThat(result.exitCode()).as("exit code; stderr: %s", result.stderr()).isZero();
        List<JsonNode> lines = new ArrayList<>();
        for (String line : result.stdout()) {
            JsonNode node = JSON.readTree(line);
            assertThat(node.isObject()).as("line %s", line).isTrue();
            lines.add(node);
        }
        return lines;
    }

    @Test
    void shouldReportEveryEpochAndCheckpointEveryFifthAndTheLast(@TempDir Path dir) throws Exception {
        Path checkpoints = Files.createDirectories(dir.resolve("trial"));

        List<JsonNode> lines = run("{\"alpha\": 0.0001, \"epochs\": 6}", false, checkpoints, null, dir.resolve("logs"));

        assertThat(lines).extracting(l -> l.get("step").asLong()).containsExactly(1L, 2L, 3L, 4L, 5L, 6L);
        assertThat(lines).allSatisfy(l -> assertThat(l.get("val_accuracy").isNumber()).isTrue());
        assertThat(lines.get(5).get("val_accuracy").asDouble()).isGreaterThan(0.8);
        // The fifth epoch's checkpoint, and the last epoch's (the end-to-end test in services/cli relies on both).
        assertThat(lines).filteredOn(l -> l.has("checkpoint")).extracting(l -> l.get("step").asLong() + ":" + l.get("checkpoint").asText())
                .containsExactly("5:checkpoint_000005", "6:checkpoint_000006");
        assertThat(checkpoints.resolve("checkpoint_000005").resolve("model.pkl")).isNotEmptyFile();
        try (var entries = Files.list(checkpoints)) {
            assertThat(entries.map(p -> p.getFileName().toString())).containsExactlyInAnyOrder("checkpoint_000005", "checkpoint_000006");
        }
    }

    @Test
    void shouldResumeAfterTheCheckpointExactlyAsAnUninterruptedRunReadingItsConfigurationFromTheFile(@TempDir Path dir) throws Exception {
        String config = "{\"alpha\": 0.0001, \"eta0\": 0.02, \"loss\": \"log_loss\", \"epochs\": 8}";
        Path first = Files.createDirectories(dir.resolve("first"));
        List<JsonNode> whole = run(config, false, first, null, dir.resolve("logs1"));

        Path second = Files.createDirectories(dir.resolve("second"));
        List<JsonNode> resumed = run(config, true, second, first.resolve("checkpoint_000005"), dir.resolve("logs2"));

        assertThat(resumed).extracting(l -> l.get("step").asLong()).containsExactly(6L, 7L, 8L);
        assertThat(resumed).extracting(l -> l.get("val_accuracy").asDouble())
                .containsExactly(whole.get(5).get("val_accuracy").asDouble(), whole.get(6).get("val_accuracy").asDouble(),
                        whole.get(7).get("val_accuracy").asDouble());
        assertThat(resumed.get(2).get("checkpoint").asText()).isEqualTo("checkpoint_000008");
    }
}
