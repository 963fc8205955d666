package io.tunelog.registry;

import static org.assertj.core.api.Assertions.assertThat;

import io.tunelog.domain.event.Event;
import io.tunelog.domain.event.EventPayload.CheckpointDeleted;
import io.tunelog.domain.testing.LogBuilder;
import io.tunelog.scheduler.SchedulingDecider;
import io.tunelog.suggestion.SuggestionDecider;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RetentionDeciderTest {
    static final String SPEC = """
            name: keep
            metric: {name: acc, mode: max}
            budget: {trials: 1, concurrent: 1}
            searchSpace:
              x: {uniform: [0, 1]}
            trial:
              command: [x]
              maxFailures: 2
              checkpoint: {keep: %d%s}
            """;

    private final RetentionDecider registry = new RetentionDecider();

    private static LogBuilder running(String spec) {
        LogBuilder log = LogBuilder.submitted("e", spec);
        log.decide(new SuggestionDecider());
        log.decide(new SchedulingDecider());
        log.started("trial-00000", 1);
        return log;
    }

    private static List<String> deleted(List<Event> events) {
        return events.stream().map(e -> ((CheckpointDeleted) e.payload()).checkpointId()).toList();
    }

    @Test
    void shouldKeepBestCheckpointsByScoreAndTheNewestForResumption() {
        LogBuilder log = running(SPEC.formatted(1, ", scoreAttribute: acc"));
        log.checkpoint("trial-00000", 1, 1, Map.of("acc", 0.9));
        log.checkpoint("trial-00000", 1, 2, Map.of("acc", 0.5));
        log.checkpoint("trial-00000", 1, 3, Map.of("acc", 0.7));

        List<Event> decided = log.decide(registry);

        assertThat(deleted(decided)).containsExactly("trial-00000/a1/checkpoint_2");
        assertThat(log.decide(registry)).as("decided once").isEmpty();
    }

    @Test
    void shouldKeepLatestCheckpointsWithoutScoreAttribute() {
        LogBuilder log = running(SPEC.formatted(2, ""));
        for (int step = 1; step <= 4; step++) {
            log.checkpoint("trial-00000", 1, step, Map.of("acc", 0.1 * step));
        }
        log.completed("trial-00000", 1);

        assertThat(deleted(log.decide(registry))).containsExactly("trial-00000/a1/checkpoint_1", "trial-00000/a1/checkpoint_2");
    }

    @Test
    void shouldNeverDeleteTheCheckpointAQueuedAttemptRestoresFrom() {
        LogBuilder log = running(SPEC.formatted(1, ", scoreAttribute: acc"));
        log.checkpoint("trial-00000", 1, 1, Map.of("acc", 0.2));
        log.failed("trial-00000", 1, true);
        log.decide(new SchedulingDecider());
        log.started("trial-00000", 2);
        log.checkpoint("trial-00000", 2, 2, Map.of("acc", 0.9));
        log.checkpoint("trial-00000", 2, 3, Map.of("acc", 0.95));

        List<String> gone = deleted(log.decide(registry));

        assertThat(gone).containsExactly("trial-00000/a2/checkpoint_2");
        assertThat(gone).doesNotContain("trial-00000/a1/checkpoint_1");
    }
}
