package io.tunelog.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code tunelog run} on its embedded broker, as a user runs it: a child JVM on the CLI's own runtime class path
 * (logback.xml and all). Its console holds Tunelog's lines and nothing else; Kafka's logs are in the log file.
 */
class QuietConsoleTest {
    /** Every line `run` prints on stderr, beside the progress lines of the spec named "quiet". */
    private static final List<Pattern> OWN_STDERR_LINES = List.of(
            Pattern.compile("log in /\\S+/tunelog\\.log"),
            Pattern.compile("embedded Kafka broker at 127\\.0\\.0\\.1:\\d+, log data in \\S+"),
            Pattern.compile("experiment quiet-\\S+ submitted; results in \\S+"),
            Pattern.compile("searcher random"),
            Pattern.compile("\\[quiet\\] (\\[[#.]+\\] )?\\d+/2 ended: .*"),
            Pattern.compile("log archived to \\S+ \\(tunelog audit \\S+ --from \\S+\\)"));

    @TempDir
    Path dir;

    @Test
    void shouldPrintOnlyItsOwnLinesAndLogKafkaToTheResultsDirectory() throws Exception {
        Path spec = dir.resolve("quiet.yaml");
        Files.writeString(spec, """
                name: quiet
                metric: {name: loss, mode: min}
                budget: {trials: 2, concurrent: 2}
                searchSpace: {x: {uniform: [0, 1]}}
                searcher: {type: random}
                trial:
                  command: [python3, -c, "import tunelog; x = tunelog.config()['x']; tunelog.report(step=1, loss=(x - 0.3) ** 2)"]
                """);
        Path results = dir.resolve("results");
        Path target = Path.of("target").toAbsolutePath();
        String classPath = target.resolve("classes") + File.pathSeparator
                + Files.readString(target.resolve("runtime-classpath.txt")).trim();
        Process run = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Dtunelog.python.helper=" + System.getProperty("tunelog.python.helper"), "-cp", classPath,
                "io.tunelog.cli.Tunelog", "run", spec.toString(), "--results-dir", results.toString(), "--json")
                .redirectOutput(dir.resolve("stdout").toFile())
                .redirectError(dir.resolve("stderr").toFile())
                .start();
        assertThat(run.waitFor(4, TimeUnit.MINUTES)).as("tunelog run ended within 4 minutes").isTrue();

        List<String> stdout = Files.readAllLines(dir.resolve("stdout"));
        List<String> stderr = Files.readAllLines(dir.resolve("stderr"));
        assertThat(run.exitValue()).as("exit code; stderr:%n%s", String.join("\n", stderr)).isZero();
        List<String> stray = new ArrayList<>();
        for (String line : stderr) {
            if (OWN_STDERR_LINES.stream().noneMatch(own -> own.matcher(line).matches()) || line.matches(".*\\b(WARN|ERROR)\\b.*")) {
                stray.add(line);
            }
        }
        assertThat(stray).as("stderr lines that are not tunelog run's own").isEmpty();
        // --json: the summary, one line, is all of stdout.
        assertThat(stdout).hasSize(1);
        JsonNode summary = new ObjectMapper().readTree(stdout.get(0));
        assertThat(summary.path("status").asText()).isEqualTo("COMPLETED");

        // What the console did not show is in the experiment's log file: the broker's and the clients' own lines.
        Path experiment;
        try (var dirs = Files.list(results)) {
            experiment = dirs.filter(Files::isDirectory).findFirst().orElseThrow();
        }
        String log = Files.readString(experiment.resolve("tunelog.log"), StandardCharsets.UTF_8);
        assertThat(log).contains("kafka.server.KafkaRaftServer").contains("org.apache.kafka.clients.producer.KafkaProducer");
        assertThat(stderr).contains("log in " + experiment.resolve("tunelog.log"));
    }
}
