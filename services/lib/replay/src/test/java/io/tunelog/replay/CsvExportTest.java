package io.tunelog.replay;

import static org.assertj.core.api.Assertions.assertThat;

import io.tunelog.domain.testing.LogBuilder;
import io.tunelog.results.CsvReadBack;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** `tunelog export --format csv` with a metric named {@code a,b} and parameter values a CSV writer must quote. */
class CsvExportTest {
    private static final String SPEC = """
            name: csv
            metric: {name: loss, mode: min}
            budget: {trials: 1, concurrent: 1}
            searchSpace: {optimizer: {choice: [adam, sgd]}}
            trial: {command: [train]}
            """;

    static final List<List<String>> EXPECTED = List.of(
            List.of("experiment_id", "trial_id", "attempt", "training_iteration", "timestamp", "trial_status", "a,b", "loss",
                    "config/note", "config/optimizer"),
            List.of("exp", "trial-00000", "1", "1", "2026-01-01T00:00:04Z", "RUNNING", "0.5", "1.5", "two\nlines", "say \"hi\", \"there\""),
            List.of("exp", "trial-00000", "1", "2", "2026-01-01T00:00:05Z", "RUNNING", "", "1.25", "two\nlines", "say \"hi\", \"there\""));

    @TempDir
    Path dir;
    Path csv;

    @BeforeEach
    void export() throws Exception {
        LogBuilder log = LogBuilder.submitted("exp", SPEC);
        log.created("trial-00000", 0, Map.of("optimizer", "say \"hi\", \"there\"", "note", "two\nlines"));
        log.queued("trial-00000", 1);
        log.started("trial-00000", 1);
        log.reported("trial-00000", 1, 1, Map.of("a,b", 0.5, "loss", 1.5));
        log.reported("trial-00000", 1, 2, Map.of("loss", 1.25));
        csv = Files.writeString(dir.resolve("exp.csv"), Exports.csv(log.state()));
    }

    @Test
    void shouldKeepEveryCellInItsColumnForJacksonsReader() throws Exception {
        assertThat(CsvReadBack.withJackson(csv)).isEqualTo(EXPECTED);
    }

    @Test
    void shouldKeepEveryCellInItsColumnForPythonsCsvModule() throws Exception {
        assertThat(CsvReadBack.withPython(csv)).isEqualTo(EXPECTED);
    }
}
