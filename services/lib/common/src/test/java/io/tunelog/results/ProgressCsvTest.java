package io.tunelog.results;

import static org.assertj.core.api.Assertions.assertThat;

import io.tunelog.domain.testing.LogBuilder;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A trial's progress.csv, written with metrics whose names hold a comma, a quote and a line break, read back by
 * Jackson's CSV reader and, apart from Jackson altogether, by Python's csv module: every cell stays in its column.
 */
class ProgressCsvTest {
    private static final String SPEC = """
            name: csv
            metric: {name: loss, mode: min}
            budget: {trials: 1, concurrent: 1}
            searchSpace: {x: {uniform: [0, 1]}}
            trial: {command: [train]}
            """;

    /** The header and rows progress.csv must hold: metrics sorted by name after the three fixed columns. */
    static final List<List<String>> EXPECTED = List.of(
            List.of("training_iteration", "attempt", "timestamp", "a,b", "loss", "say \"hi\"", "two\nlines"),
            List.of("1", "1", "2026-01-01T00:00:04Z", "0.5", "1.5", "2.0", ""),
            List.of("2", "1", "2026-01-01T00:00:05Z", "0.25", "1.25", "", "3.0"));

    @TempDir
    Path dir;
    Path csv;

    @BeforeEach
    void writeTheResults() {
        LogBuilder log = LogBuilder.submitted("exp", SPEC);
        log.created("trial-00000", 0, Map.of("x", 0.5));
        log.queued("trial-00000", 1);
        log.started("trial-00000", 1);
        log.reported("trial-00000", 1, 1, Map.of("a,b", 0.5, "loss", 1.5, "say \"hi\"", 2.0));
        log.reported("trial-00000", 1, 2, Map.of("a,b", 0.25, "loss", 1.25, "two\nlines", 3.0));
        assertThat(log.state().trial("trial-00000").reports()).hasSize(2);
        ResultsWriter.write(log.state(), dir);
        csv = dir.resolve("trial-00000/progress.csv");
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
