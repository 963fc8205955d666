package io.tunelog.examples.xgboost;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DigitsTrainerTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static List<JsonNode> train(String config, Path checkpoints, Path restoreFrom) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        DigitsTrainer.train(JSON.readTree(config), checkpoints, restoreFrom, new PrintStream(out, true, StandardCharsets.UTF_8));
        List<JsonNode> lines = new ArrayList<>();
        for (String line : out.toString(StandardCharsets.UTF_8).split("\n")) {
            lines.add(JSON.readTree(line));
        }
        return lines;
    }

    @Test
    void shouldLearnDigitsAndReportEveryRound(@TempDir Path dir) throws Exception {
        List<JsonNode> reports = train("{\"eta\": 0.3, \"max_depth\": 4}", dir, null);

        assertThat(reports).hasSize(30);
        assertThat(reports).extracting(r -> r.get("step").asInt()).containsExactlyElementsOf(
                java.util.stream.IntStream.rangeClosed(1, 30).boxed().toList());
        assertThat(reports.get(29).get("val_accuracy").asDouble()).isGreaterThan(0.9);
        assertThat(reports.get(29).get("val_accuracy").asDouble()).isGreaterThan(reports.get(0).get("val_accuracy").asDouble());
        assertThat(reports).filteredOn(r -> r.has("checkpoint")).extracting(r -> r.get("checkpoint").asText())
                .containsExactly("checkpoint_000010", "checkpoint_000020", "checkpoint_000030");
        assertThat(dir.resolve("checkpoint_000010").resolve("model.ubj")).exists();
    }

    @Test
    void shouldResumeFromCheckpointAtTheNextRound(@TempDir Path dir) throws Exception {
        train("{\"eta\": 0.3, \"max_depth\": 4, \"rounds\": 10}", dir, null);

        List<JsonNode> resumed = train("{\"eta\": 0.3, \"max_depth\": 4, \"rounds\": 15}", dir.resolve("more"), dir.resolve("checkpoint_000010"));

        assertThat(resumed).extracting(r -> r.get("step").asInt()).containsExactly(11, 12, 13, 14, 15);
        assertThat(Files.readString(dir.resolve("more").resolve("checkpoint_000015").resolve("round"))).isEqualTo("15");
    }
}
