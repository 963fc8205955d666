package io.tunelog.trial;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A child process finds its configuration in TUNELOG_CONFIG or, when a worker left that out, in TUNELOG_CONFIG_FILE. */
class ProcessTrialContextTest {
    private static ProcessTrialContext context(Map<String, String> env) {
        return new ProcessTrialContext(env, new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
    }

    @Test
    void shouldReadTheConfigurationFromTheFileWhenTheVariableIsAbsent(@TempDir Path dir) throws Exception {
        Path file = Files.writeString(dir.resolve("config.json"), "{\"eta\": 0.3, \"rounds\": 12, \"name\": \"h\u00e9llo\"}", StandardCharsets.UTF_8);

        assertThat(context(Map.of("TUNELOG_CONFIG_FILE", file.toString())).config())
                .isEqualTo(Map.of("eta", 0.3, "rounds", 12L, "name", "h\u00e9llo"));
        assertThat(context(Map.of("TUNELOG_CONFIG", "{\"eta\": 0.1}", "TUNELOG_CONFIG_FILE", file.toString())).config())
                .as("both: the same configuration, the variable read").isEqualTo(Map.of("eta", 0.1));
        assertThat(context(Map.of()).config()).as("neither: run by hand").isEmpty();
    }

    @Test
    void shouldNameWhereABadConfigurationCameFrom(@TempDir Path dir) throws Exception {
        Path file = Files.writeString(dir.resolve("config.json"), "[1, 2]");

        assertThatThrownBy(() -> context(Map.of("TUNELOG_CONFIG_FILE", file.toString())))
                .hasMessage("TUNELOG_CONFIG_FILE " + file + " is not a JSON object");
        assertThatThrownBy(() -> context(Map.of("TUNELOG_CONFIG_FILE", dir.resolve("gone.json").toString())))
                .hasMessageStartingWith("TUNELOG_CONFIG_FILE " + dir.resolve("gone.json") + " cannot be read: java.nio.file.NoSuchFileException");
        assertThatThrownBy(() -> context(Map.of("TUNELOG_CONFIG", "{not json")))
                .hasMessageStartingWith("TUNELOG_CONFIG is not JSON: ");
    }
}
