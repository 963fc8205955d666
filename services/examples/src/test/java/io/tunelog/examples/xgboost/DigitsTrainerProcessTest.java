package io.tunelog.examples.xgboost;

import static org.assertj.core.api.Assertions.assertThat;

import io.tunelog.examples.ChildProcess;
import io.tunelog.worker.ReportLine;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** DigitsTrainer (what bin/xgboost-digits runs) as a real child process, its stdout read by the worker's own parser. */
class DigitsTrainerProcessTest {

    /** Runs the trainer with the configuration in TUNELOG_CONFIG or, {@code inFile}, only in TUNELOG_CONFIG_FILE (as a large one comes). */
    private static List<ReportLine> run(String config, boolean inFile, Path checkpoints, Path restoreFrom, Path logs) throws Exception {
        Map<String, String> env = new java.util.HashMap<>(Map.of("TUNELOG_CHECKPOINT_DIR", checkpoints.toString()));
        if (inFile) {
            Files.createDirectories(logs);
            env.put("TUNELOG_CONFIG_FILE", Files.writeString(logs.resolve("config.json"), config).toString());
        } else {
            env.put("TUNELOG_CONFIG", config);
        }
        if (restoreFrom != null) {
            env.put("TUNELOG_RESTORE_FROM", restoreFrom.toString());
        }
        ChildProcess.Result result = ChildProcess.run(
                List.of(ChildProcess.java(), "-Xmx512m", "-cp", ChildProcess.testClassPath(), DigitsTrainer.class.getName()),
                env, logs, Duration.ofSeconds(60));
        System.out.printf("DigitsTrainer process %s: exit %d in %d ms%n", config, result.exitCode(), result.millis());
        assertThat(result.exitCode()).as("exit code; stderr: %s", result.stderr()).isZero();
        return result.stdout().stream().map(line -> {
            ReportLine.Parsed parsed = ReportLine.parse(line);
            assertThat(parsed).as("stdout line %s", line).isInstanceOf(ReportLine.Report.class);
            return ((ReportLine.Report) parsed).line();
        }).toList();
    }

    @Test
    void shouldSpeakTheReportLineProtocolAndResume(@TempDir Path dir) throws Exception {
        Path checkpoints = Files.createDirectories(dir.resolve("trial"));
        List<ReportLine> lines = run("{\"eta\": 0.3, \"max_depth\": 4, \"booster\": \"gbtree\", \"rounds\": 12}", false, checkpoints, null,
                dir.resolve("logs1"));

        assertThat(lines).extracting(ReportLine::step).isEqualTo(LongStream.rangeClosed(1, 12).boxed().toList());
        assertThat(lines).allSatisfy(l -> assertThat(l.metrics()).containsOnlyKeys("val_accuracy", "val_mlogloss", "model_kb"));
        assertThat(lines.get(11).metrics().get("val_accuracy")).isGreaterThan(0.85);
        assertThat(lines).filteredOn(l -> l.checkpoint() != null).extracting(ReportLine::checkpoint)
                .containsExactly("checkpoint_000010", "checkpoint_000012");
        assertThat(checkpoints.resolve("checkpoint_000010").resolve(DigitsTrainable.MODEL)).isNotEmptyFile();

        List<ReportLine> resumed = run("{\"eta\": 0.3, \"max_depth\": 4, \"booster\": \"gbtree\", \"rounds\": 12}", true, checkpoints,
                checkpoints.resolve("checkpoint_000010"), dir.resolve("logs2"));

        assertThat(resumed).extracting(ReportLine::step).containsExactly(11L, 12L);
        assertThat(resumed.get(1).metrics()).isEqualTo(lines.get(11).metrics());
    }
}
