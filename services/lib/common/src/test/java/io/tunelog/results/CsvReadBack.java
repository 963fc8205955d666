package io.tunelog.results;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.csv.CsvMapper;
import com.fasterxml.jackson.dataformat.csv.CsvParser;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** A CSV file read back as its lines' cells, the header first, by a CSV parser. */
public final class CsvReadBack {
    private CsvReadBack() {}

    /** Parsed by Jackson's CSV reader. */
    public static List<List<String>> withJackson(Path file) throws IOException {
        try (MappingIterator<List<String>> rows = new CsvMapper().readerForListOf(String.class)
                .with(CsvParser.Feature.WRAP_AS_ARRAY).readValues(file.toFile())) {
            return rows.readAll();
        }
    }

    /** Parsed by /usr/bin/python3's csv module; the test is skipped, saying so, where there is no python3. */
    public static List<List<String>> withPython(Path file) throws Exception {
        assumeThat(Path.of("/usr/bin/python3")).as("python3 to read the CSV back with").exists();
        Process python = new ProcessBuilder("/usr/bin/python3", "-c",
                "import csv, json, sys; print(json.dumps(list(csv.reader(open(sys.argv[1], newline='', encoding='utf-8')))))",
                file.toString()).redirectErrorStream(true).start();
        String out = new String(python.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(python.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(python.exitValue()).as(out).isZero();
        return new ObjectMapper().readerForListOf(List.class).readValue(out);
    }
}
