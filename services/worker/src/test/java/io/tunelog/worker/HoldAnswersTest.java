package io.tunelog.worker;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What a process trial on the Python helper learns of its holds: where it holds, and each held report's answer. */
class HoldAnswersTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    @TempDir Path logDir;

    @Test
    void shouldTellTheTrialWhereItHoldsAndAnswerEachHeldStepInAFileOfItsOwn() throws Exception {
        Map<String, String> env = new HashMap<>();
        HoldAnswers answers = HoldAnswers.offer(new Hold("epoch", 2.0), logDir, env);

        assertThat(env).containsEntry("TUNELOG_HOLD_AT", "2.0").containsEntry("TUNELOG_HOLD_ATTR", "epoch")
                .containsEntry("TUNELOG_HOLD_DIR", logDir.resolve("holds").toString());
        answers.answer(2, false, 6.0);
        answers.answer(6, false, null);
        answers.answer(18, true, null);

        assertThat(JSON.readTree(logDir.resolve("holds/2.json").toFile()).toString()).isEqualTo("{\"action\":\"continue\",\"holdAt\":6.0}");
        assertThat(JSON.readTree(logDir.resolve("holds/6.json").toFile()).toString()).isEqualTo("{\"action\":\"continue\",\"holdAt\":null}");
        assertThat(JSON.readTree(logDir.resolve("holds/18.json").toFile()).toString()).isEqualTo("{\"action\":\"stop\"}");
        try (var files = Files.list(logDir.resolve("holds"))) {
            assertThat(files.map(p -> p.getFileName().toString())).containsExactlyInAnyOrder("2.json", "6.json", "18.json");
        }
    }

    @Test
    void shouldSayNothingToATrialThatNeverHolds() throws Exception {
        Map<String, String> env = new HashMap<>();
        HoldAnswers answers = HoldAnswers.offer(new Hold(null, null), logDir, env);
        answers.answer(2, false, null);

        assertThat(env).isEmpty();
        assertThat(logDir.resolve("holds")).doesNotExist();
    }
}
