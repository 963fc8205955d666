package io.tunelog.registry;

import static org.assertj.core.api.Assertions.assertThat;

import io.tunelog.domain.event.Event;
import io.tunelog.domain.event.EventPayload;
import io.tunelog.domain.state.ExperimentStatus;
import io.tunelog.domain.testing.LogBuilder;
import io.tunelog.scheduler.SchedulingDecider;
import io.tunelog.suggestion.SuggestionDecider;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Under PBT, checkpoints that a clone may reference are pruned only once the experiment has ended. */
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
        // The donor goes on and checkpoints again: keep 1 would delete its step-2 checkpoint, which the
        // queued exploiter restores from; and any newest checkpoint may be cloned next.
        log.reported("trial-00003", 1, 4, Map.of("acc", 0.45));
        log.checkpoint("trial-00003", 1, 4, Map.of("acc", 0.45));
        RetentionDecider retention = new RetentionDecider();
        assertThat(log.decide(retention)).as("nothing is deleted while the population trains").isEmpty();

        log.started("trial-00000", 2);
        log.reported("trial-00000", 2, 3, Map.of("acc", 0.41));
        log.checkpoint("trial-00000", 2, 3, Map.of("acc", 0.41));
        for (String t : new String[] {"trial-00000", "trial-00001", "trial-00002", "trial-00003"}) {
            log.completed(t, log.state().trial(t).attempt());
        }
        log.decide(scheduler);
        assertThat(log.state().status()).isEqualTo(ExperimentStatus.COMPLETED);

        assertThat(log.decide(retention)).as("once the experiment has ended, each trial keeps its best 1")
                .extracting(Event::eventId).containsExactly("e/checkpoint/trial-00003/a1/checkpoint_2/deleted");
    }
}
