package io.tunelog.scheduler;

import io.tunelog.domain.decide.Decided;
import io.tunelog.domain.decide.Decider;
import io.tunelog.domain.event.EventPayload.ExperimentCompleted;
import io.tunelog.domain.event.EventPayload.TrialQueued;
import io.tunelog.domain.spec.ExperimentSpec;
import io.tunelog.domain.state.Checkpoint;
import io.tunelog.domain.state.ExperimentState;
import io.tunelog.domain.state.ExperimentStatus;
import io.tunelog.domain.state.RobustStage;
import io.tunelog.domain.state.TrialState;
import io.tunelog.domain.state.TrialStatus;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * First in, first out: every created trial is queued at once (the suggestion service already keeps
 * to the concurrency budget), a failed attempt is queued again from its latest checkpoint while
 * failures stay within {@code trial.maxFailures}, and the experiment completes when every planned
 * trial has ended.
 */
public final class FifoScheduler implements Decider {
    public static final String SERVICE = "scheduler";

    @Override
    public String service() {
        return SERVICE;
    }

    @Override
    public List<Decided> decide(ExperimentState state) {
        if (state.status() != ExperimentStatus.RUNNING) {
            return List.of();
        }
        ExperimentSpec spec = state.spec();
        int maxFailures = spec.trial().maxFailures();
        List<Decided> decided = new ArrayList<>();
        for (TrialState trial : state.openTrials()) {
            if (trial.status() == TrialStatus.CREATED) {
                decided.add(queue(trial, null));
            } else if (trial.canRetry(maxFailures)) {
                decided.add(queue(trial, trial.latestLiveCheckpoint().orElse(null)));
            }
        }
        int planned = RobustStage.plannedTrials(state);
        if (decided.isEmpty() && state.trials().size() == planned && state.openTrials().isEmpty()) {
            Optional<ExperimentState.Best> best = state.best();
            decided.add(new Decided(null, "completed", new ExperimentCompleted(
                    "all " + planned + " trials ended",
                    best.map(ExperimentState.Best::trialId).orElse(null),
                    best.map(ExperimentState.Best::value).orElse(null))));
        }
        return decided;
    }

    private static Decided queue(TrialState trial, Checkpoint restoreFrom) {
        int attempt = trial.attempt() + 1;
        return new Decided(trial.trialId(), trial.trialId() + "/queued-" + attempt, new TrialQueued(attempt,
                restoreFrom == null ? null : restoreFrom.checkpointId(),
                restoreFrom == null ? null : restoreFrom.uri()));
    }
}
