package io.tunelog.domain.state;

import static org.assertj.core.api.Assertions.assertThat;

import io.tunelog.domain.event.Event;
import io.tunelog.domain.event.EventPayload;
import io.tunelog.domain.event.LoggedEvent;
import io.tunelog.domain.testing.LogBuilder;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ExperimentStateTest {
    static final String SPEC = """
            name: fold-test
            metric: {name: acc, mode: max}
            seed: 7
            budget: {trials: 3, concurrent: 2}
            searchSpace:
              x: {uniform: [0, 1]}
            trial: {command: [echo], maxFailures: 1}
            """;

    private static LogBuilder withTrial(String trialId) {
        LogBuilder log = LogBuilder.submitted("e1", SPEC);
        log.append(new Event(Event.id("e1", trialId + "/created"), "e1", trialId, 0, LogBuilder.T0, new Event.Source("suggestion", "t"), 0L,
                new EventPayload.TrialCreated(Map.of("x", 0.5), "suggested", 0)));
        log.append(new Event(Event.id("e1", trialId + "/queued-1"), "e1", trialId, 0, LogBuilder.T0, new Event.Source("scheduler", "t"), 1L,
                new EventPayload.TrialQueued(1, null, null)));
        return log;
    }

    @Test
    void shouldRunExperimentOnceSubmitted() {
        ExperimentState state = LogBuilder.submitted("e1", SPEC).state();

        assertThat(state.status()).isEqualTo(ExperimentStatus.RUNNING);
        assertThat(state.spec().name()).isEqualTo("fold-test");
        assertThat(state.lastOffset()).isZero();
    }

    @Test
    void shouldFollowTrialThroughItsLifecycle() {
        LogBuilder log = withTrial("t0");
        log.started("t0", 1);
        log.reported("t0", 1, 1, Map.of("acc", 0.5));
        log.reported("t0", 1, 2, Map.of("acc", 0.7));
        log.completed("t0", 1);

        TrialState trial = log.state().trial("t0");
        assertThat(trial.status()).isEqualTo(TrialStatus.COMPLETED);
        assertThat(trial.reports()).extracting(Report::step).containsExactly(1L, 2L);
        assertThat(log.state().anomalies()).isEmpty();
    }

    @Test
    void shouldKeepTheDevicesOfTheCurrentAttemptAndForgetThemWhenItIsQueuedAgain() {
        LogBuilder log = withTrial("t0");
        log.started("t0", 1, "w1", java.util.List.of("2", "3"));
        assertThat(log.state().trial("t0").devices()).containsExactly("2", "3");

        log.failed("t0", 1, true);
        log.queued("t0", 2);

        assertThat(log.state().trial("t0").devices()).isEmpty();
        assertThat(log.state().anomalies()).isEmpty();
    }

    @Test
    void shouldMarkATrialUnplaceableUntilTheGateSeesAWorkerThatFitsOrOneStartsIt() {
        LogBuilder log = withTrial("t0");
        log.placement("t0", 1, false);
        assertThat(log.state().trial("t0").unplaceable()).isEqualTo("no live worker has 8 GPUs");

        log.placement("t0", 1, true);
        assertThat(log.state().trial("t0").unplaceable()).isNull();

        log.placement("t0", 1, false);
        log.started("t0", 1);
        assertThat(log.state().trial("t0").unplaceable()).as("a worker ran it, so one fits").isNull();
        assertThat(log.state().trial("t0").placementChanges()).isEqualTo(3);
        assertThat(log.state().anomalies()).isEmpty();
    }

    @Test
    void shouldRecordAnAnomalyForAPlacementThatChangesNothingOrOfARunningTrial() {
        LogBuilder log = withTrial("t0");
        log.placement("t0", 1, true);
        assertThat(log.state().anomalies()).singleElement().satisfies(a -> assertThat(a.reason()).contains("already placeable"));

        log.started("t0", 1);
        log.command("t0", "t0/a1/placement-1", new EventPayload.TrialPlacement(1, false, "no live worker has 8 GPUs"));
        assertThat(log.state().anomalies()).hasSize(2).last().satisfies(a -> assertThat(a.reason()).contains("is RUNNING and cannot be placed"));
        assertThat(log.state().trial("t0").unplaceable()).isNull();
    }

    @Test
    void shouldEndEveryOpenTrialOnCancellationAndKeepTheEndedOnes() {
        LogBuilder log = withTrial("done");
        log.started("done", 1);
        log.completed("done", 1);
        log.append(new Event(Event.id("e1", "running/created"), "e1", "running", 1, LogBuilder.T0, new Event.Source("suggestion", "t"), 0L,
                new EventPayload.TrialCreated(Map.of("x", 0.1), "suggested", 1)));
        log.queued("running", 1);
        log.started("running", 1);
        log.failed("running", 1, true);
        log.append(new Event(Event.id("e1", "queued/created"), "e1", "queued", 2, LogBuilder.T0, new Event.Source("suggestion", "t"), 0L,
                new EventPayload.TrialCreated(Map.of("x", 0.2), "suggested", 2)));
        log.queued("queued", 1);
        ExperimentState before = log.state();
        assertThat(before.trial("running").status()).as("failed, with a retry left").isEqualTo(TrialStatus.FAILED);
        assertThat(before.openTrials()).hasSize(2);

        log.command(null, "cancelled", new EventPayload.ExperimentCancelled("budget cut", "ana"));

        ExperimentState state = log.state();
        assertThat(state.status()).isEqualTo(ExperimentStatus.CANCELLED);
        assertThat(state.cancellation()).hasValue(new EventPayload.ExperimentCancelled("budget cut", "ana"));
        assertThat(state.trial("done").status()).isEqualTo(TrialStatus.COMPLETED);
        assertThat(state.trial("running").status()).isEqualTo(TrialStatus.CANCELLED);
        assertThat(state.trial("queued").status()).isEqualTo(TrialStatus.CANCELLED);
        assertThat(state.openTrials()).isEmpty();
        assertThat(state.anomalies()).isEmpty();

        log.started("queued", 1);
        assertThat(log.state().anomalies()).as("a start after the cancellation is not admissible")
                .singleElement().asString().contains("experiment e1 is CANCELLED");
    }

    @Test
    void shouldIgnoreAnEventWhoseIdItHasAlreadyFolded() {
        LogBuilder log = withTrial("t0");
        LoggedEvent started = log.started("t0", 1);
        log.append(started.event());

        assertThat(log.state().duplicatesIgnored()).isEqualTo(1);
        assertThat(log.state().anomalies()).isEmpty();
        assertThat(log.state().eventCount()).isEqualTo(4);
    }

    @Test
    void shouldRecordAnomalyForReportFromStaleAttempt() {
        LogBuilder log = withTrial("t0");
        log.started("t0", 1);
        log.failed("t0", 1, true);
        log.append(new Event(Event.id("e1", "t0/queued-2"), "e1", "t0", 1, LogBuilder.T0, new Event.Source("scheduler", "t"), 4L,
                new EventPayload.TrialQueued(2, null, null)));
        log.reported("t0", 1, 5, Map.of("acc", 0.9));

        assertThat(log.state().anomalies()).singleElement()
                .satisfies(a -> assertThat(a.reason()).contains("stale attempt 1"));
        assertThat(log.state().trial("t0").reports()).isEmpty();
    }

    @Test
    void shouldRecordAnomalyForSequenceGap() {
        LogBuilder log = withTrial("t0");
        log.append(new Event(Event.id("e1", "t0/decision"), "e1", "t0", 5, LogBuilder.T0, new Event.Source("scheduler", "t"), 2L,
                new EventPayload.TrialDecision(1, EventPayload.Action.CONTINUE, "r", "r", java.util.Map.of())));

        assertThat(log.state().anomalies()).singleElement()
                .satisfies(a -> assertThat(a.reason()).contains("sequence 5 from scheduler, expected 1"));
    }

    @Test
    void shouldRefuseNonIncreasingStepAndNonFiniteMetric() {
        LogBuilder log = withTrial("t0");
        log.started("t0", 1);
        log.reported("t0", 1, 3, Map.of("acc", 0.5));
        log.command("t0", "t0/a1/step-3-again", new EventPayload.TrialReported(1, 3, Map.of("acc", 0.6), null));
        log.reported("t0", 1, 4, Map.of("acc", Double.NaN));

        assertThat(log.state().anomalies()).extracting(Anomaly::reason)
                .anySatisfy(r -> assertThat(r).contains("step 3 of t0 is not after step 3"))
                .anySatisfy(r -> assertThat(r).contains("not a finite number"));
        assertThat(log.state().trial("t0").reports()).hasSize(1);
    }

    @Test
    void shouldPickBestTrialByLastReportedValue() {
        LogBuilder log = withTrial("t0");
        log.started("t0", 1);
        log.reported("t0", 1, 1, Map.of("acc", 0.95));
        log.reported("t0", 1, 2, Map.of("acc", 0.60));

        assertThat(log.state().best()).get().extracting(ExperimentState.Best::value).isEqualTo(0.60);
    }

    @Test
    void shouldKeepFailedTrialOpenWhileRetriesRemain() {
        LogBuilder log = withTrial("t0");
        log.started("t0", 1);
        log.failed("t0", 1, true);
        TrialState trial = log.state().trial("t0");

        assertThat(trial.canRetry(1)).isTrue();
        assertThat(trial.isTerminal(1)).isFalse();
        assertThat(trial.isTerminal(0)).isTrue();
    }
}
