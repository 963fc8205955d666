package io.tunelog.registry;

import static org.assertj.core.api.Assertions.assertThat;

import io.tunelog.domain.event.Event;
import io.tunelog.domain.event.EventPayload;
import io.tunelog.domain.testing.LogBuilder;
import io.tunelog.scheduler.SchedulingDecider;
import io.tunelog.suggestion.SuggestionDecider;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A checkpoint that PBT cloned into another trial is kept, whatever its own trial's retention says, while it is needed. */
class PbtRetentionTest {
    static final String SPEC = """
            name: pbt
            metric: {name: acc, mode: max}
            budget: {trials: 4, concurrent: 4}
            searchSpace:
              lr: {loguniform: [0.001, 1]}
            scheduler: {type: pbt, perturbationInterval: 2, quantileFraction: 0.25}
            trial: {command: [x], checkpoint: {keep: 1}}
            """;

    private final SchedulingDecider scheduler = new SchedulingDecider();

    @Test
    void shouldKeepTheDonorCheckpointWhileTheExploiterNeedsIt() {
        LogBuilder log = LogBuilder.submitted("e", SPEC);
        log.decide(new SuggestionDecider());
        log.decide(scheduler);
        double[] scores = {0.1, 0.2, 0.3, 0.4};
        for (int i = 0; i < 4; i++) {
            log.started("trial-0000" + i, 1);
            log.reported("trial-0000" + i, 1, 2, Map.of("acc", scores[i]));
        }
        log.checkpoint("trial-00003", 1, 2, Map.of("acc", 0.4));
        log.decide(scheduler);
        log.reported("trial-00000", 1, 4, Map.of("acc", 0.15));
        assertThat(log.decide(scheduler)).extracting(e -> e.payload().getClass().getSimpleName())
                .containsExactly("TrialDecision", "TrialExploited");
        assertThat(log.decide(scheduler)).extracting(e -> ((EventPayload.TrialQueued) e.payload()).restoreFromCheckpointId())
                .containsExactly("trial-00003/a1/checkpoint_2");
        // The donor goes on and checkpoints again: keep 1 would delete its step-2 checkpoint
        log.reported("trial-00003", 1, 4, Map.of("acc", 0.45));
        log.checkpoint("trial-00003", 1, 4, Map.of("acc", 0.45));
        RetentionDecider retention = new RetentionDecider();
        assertThat(log.decide(retention)).as("cloned by the queued exploiter").isEmpty();

        log.started("trial-00000", 2);
        assertThat(log.decide(retention)).as("the running exploiter restores from it").isEmpty();
        log.reported("trial-00000", 2, 3, Map.of("acc", 0.41));
        log.checkpoint("trial-00000", 2, 3, Map.of("acc", 0.41));
        assertThat(log.decide(retention)).as("its attempt may still be reading it").isEmpty();
        log.completed("trial-00000", 2);

        assertThat(log.decide(retention)).as("the exploiter has ended")
                .extracting(Event::eventId).containsExactly("e/checkpoint/trial-00003/a1/checkpoint_2/deleted");
    }
}
