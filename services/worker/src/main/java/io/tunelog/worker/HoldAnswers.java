package io.tunelog.worker;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The answers to a process trial's held reports, as files a trial can wait for. A worker pauses a held process with
 * SIGSTOP once it has read the report line, so a busy worker may pause it an epoch or two late; a trial on the Python
 * helper instead waits in its own {@code report} until the answer is here, so it trains no step past a milestone
 * however late the worker reads. The trial learns where it holds from {@code TUNELOG_HOLD_AT} (the time of the first
 * milestone) and {@code TUNELOG_HOLD_ATTR} (the metric that is a report's time; absent: its step), judges a report
 * exactly as {@link Hold#reaches} does, and after such a report waits for {@code <TUNELOG_HOLD_DIR>/<step>.json}:
 * {@code {"action": "continue", "holdAt": 6.0}} (null: no more holds) or {@code {"action": "stop"}}.
 */
final class HoldAnswers {
    private static final Logger LOG = LoggerFactory.getLogger(HoldAnswers.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    /** For an attempt that never holds, or runs in the worker's JVM (its {@code report} blocks already). */
    static final HoldAnswers NONE = new HoldAnswers(null);

    private final Path dir;

    private HoldAnswers(Path dir) {
        this.dir = dir;
    }

    /** Tells a process trial, in {@code env}, where it holds and where its answers go; NONE when it never holds. */
    static HoldAnswers offer(Hold hold, Path logDir, Map<String, String> env) throws IOException {
        Double at = hold.at();
        if (at == null) {
            return NONE;
        }
        Path dir = Files.createDirectories(logDir.resolve("holds"));
        env.put("TUNELOG_HOLD_DIR", dir.toString());
        env.put("TUNELOG_HOLD_AT", Double.toString(at));
        if (hold.timeAttr() != null) {
            env.put("TUNELOG_HOLD_ATTR", hold.timeAttr());
        }
        return new HoldAnswers(dir);
    }

    /** Writes the answer to the report of {@code step}: stop, or go on and hold next at {@code nextAt}. */
    void answer(long step, boolean stop, Double nextAt) {
        if (dir == null) {
            return;
        }
        Map<String, Object> answer = new LinkedHashMap<>();
        answer.put("action", stop ? "stop" : "continue");
        if (!stop) {
            answer.put("holdAt", nextAt);
        }
        Path target = dir.resolve(step + ".json");
        Path partial = dir.resolve(step + ".json.partial");
        try {
            // Whole or not at all: the trial polls for the name and reads it at once.
            Files.write(partial, JSON.writeValueAsBytes(answer));
            Files.move(partial, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            // The trial then waits until its own limit and goes on; the signal still resumes a paused process.
            LOG.warn("cannot write the answer to held step {} in {}: {}", step, dir, e.getMessage());
        }
    }
}
