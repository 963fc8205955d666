package io.tunelog.scheduler;

import static org.assertj.core.api.Assertions.assertThat;

import io.tunelog.domain.event.Event;
import io.tunelog.domain.event.EventPayload.ExperimentCompleted;
import io.tunelog.domain.event.EventPayload.TrialFailed;
import io.tunelog.domain.event.EventPayload.TrialQueued;
import io.tunelog.domain.state.ExperimentStatus;
import io.tunelog.domain.testing.LogBuilder;
import io.tunelog.suggestion.SuggestionDecider;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SchedulingDeciderTest {
    static final String SPEC = """
            name: fifo
            metric: {name: loss, mode: min}
            budget: {trials: 2, concurrent: 2}
            searchSpace:
              x: {uniform: [0, 1]}
            trial: {command: [x], maxFailures: 1}
            """;

    private final SchedulingDecider scheduler = new SchedulingDecider();
    private final SuggestionDecider suggestion = new SuggestionDecider();

    @Test
    void shouldQueueEveryCreatedTrialAsFirstAttempt() {
        LogBuilder log = LogBuilder.submitted("e", SPEC);
        log.decide(suggestion);

        List<Event> queued = log.decide(scheduler);

        assertThat(queued).extracting(e -> ((TrialQueued) e.payload()).attempt()).containsExactly(1, 1);
        assertThat(queued).allSatisfy(e -> assertThat(e.basis()).isEqualTo(2L));
        assertThat(log.decide(scheduler)).as("queued once only").isEmpty();
    }

    @Test
    void shouldRequeueFailedAttemptFromLatestCheckpointWhileFailuresRemain() {
        LogBuilder log = LogBuilder.submitted("e", SPEC);
        log.decide(suggestion);
        log.decide(scheduler);
        log.started("trial-00000", 1);
        log.checkpoint("trial-00000", 1, 5, Map.of("loss", 0.3));
        log.failed("trial-00000", 1, true);

        List<Event> retried = log.decide(scheduler);

        assertThat(retried).singleElement().satisfies(e -> {
            TrialQueued q = (TrialQueued) e.payload();
            assertThat(q.attempt()).isEqualTo(2);
            assertThat(q.restoreFromCheckpointId()).isEqualTo("trial-00000/a1/checkpoint_5");
        });
        log.started("trial-00000", 2);
        log.failed("trial-00000", 2, true);
        assertThat(log.decide(scheduler)).as("maxFailures 1 is spent").isEmpty();
    }

    @Test
    void shouldRequeueAnAttemptItsWorkerGaveUpWithoutSpendingMaxFailures() {
        LogBuilder log = LogBuilder.submitted("e", SPEC.replace("maxFailures: 1", "maxFailures: 0"));
        log.decide(suggestion);
        log.decide(scheduler);
        log.started("trial-00000", 1);
        log.checkpoint("trial-00000", 1, 5, Map.of("loss", 0.3));
        log.command("trial-00000", "trial-00000/a1/failed",
                new TrialFailed(1, "abandoned: worker w1 shutting down", true, true));

        List<Event> retried = log.decide(scheduler);

        assertThat(retried).singleElement().satisfies(e -> {
            assertThat(((TrialQueued) e.payload()).attempt()).isEqualTo(2);
            assertThat(((TrialQueued) e.payload()).restoreFromCheckpointId()).isEqualTo("trial-00000/a1/checkpoint_5");
        });
        assertThat(log.state().trial("trial-00000").failures()).isZero();
        log.started("trial-00000", 2);
        log.failed("trial-00000", 2, true);
        assertThat(log.decide(scheduler)).as("a failure of the trial itself still counts: maxFailures 0").isEmpty();
    }

    @Test
    void shouldNotQueueAgainAnAttemptHandedBackWhileNoLiveWorkerFitsItUntilOneDoes() {
        LogBuilder log = LogBuilder.submitted("e", SPEC.replace("maxFailures: 1", "maxFailures: 0"));
        log.decide(suggestion);
        log.decide(scheduler);
        log.placement("trial-00000", 1, false);
        // The queue's delivery limit reached: the last worker to hold the assignment hands the attempt back to the gate.
        log.command("trial-00000", "trial-00000/a1/failed", new TrialFailed(1, "assignment handed back 10 times", true, true));

        assertThat(log.decide(scheduler)).as("no live worker fits it: queued again, it would only come back").isEmpty();

        log.placement("trial-00000", 1, true);

        assertThat(log.decide(scheduler)).singleElement().satisfies(e -> {
            assertThat(e.trialId()).isEqualTo("trial-00000");
            assertThat(((TrialQueued) e.payload()).attempt()).isEqualTo(2);
        });
        assertThat(log.state().anomalies()).isEmpty();
    }

    @Test
    void shouldQueueAgainAtOnceAnAttemptHandedBackThatALiveWorkerFits() {
        LogBuilder log = LogBuilder.submitted("e", SPEC.replace("maxFailures: 1", "maxFailures: 0"));
        log.decide(suggestion);
        log.decide(scheduler);
        log.command("trial-00000", "trial-00000/a1/failed", new TrialFailed(1, "assignment handed back 10 times", true, true));

        assertThat(log.decide(scheduler)).singleElement()
                .satisfies(e -> assertThat(((TrialQueued) e.payload()).attempt()).isEqualTo(2));
    }

    @Test
    void shouldCompleteWithBestTrialWhenAllTrialsEnded() {
        LogBuilder log = LogBuilder.submitted("e", SPEC);
        log.decide(suggestion);
        log.decide(scheduler);
        for (String t : List.of("trial-00000", "trial-00001")) {
            log.started(t, 1);
        }
        log.reported("trial-00000", 1, 1, Map.of("loss", 0.4));
        log.reported("trial-00001", 1, 1, Map.of("loss", 0.2));
        log.completed("trial-00000", 1);
        assertThat(log.decide(scheduler)).as("one trial still running").isEmpty();
        log.completed("trial-00001", 1);

        List<Event> done = log.decide(scheduler);

        assertThat(done).singleElement().satisfies(e -> {
            ExperimentCompleted c = (ExperimentCompleted) e.payload();
            assertThat(c.bestTrialId()).isEqualTo("trial-00001");
            assertThat(c.bestMetric()).isEqualTo(0.2);
        });
        assertThat(log.state().status()).isEqualTo(ExperimentStatus.COMPLETED);
        assertThat(log.state().anomalies()).isEmpty();
    }
}
