package io.tunelog.gateway;

import io.tunelog.domain.state.Checkpoint;
import io.tunelog.domain.state.ExperimentState;
import io.tunelog.domain.state.TrialState;
import io.tunelog.domain.state.TrialStatus;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Which queued attempt of an ask-and-tell experiment a client gets next, read from the folded log: the log says what
 * is queued (the scheduler writes no assignment for these experiments), and the gate, which admits a start only from
 * QUEUED, settles any race between clients or gateways. Pure.
 */
final class NextTrial {
    private NextTrial() {}

    /** An attempt to offer: its trial's configuration now, and the checkpoint it resumes from, if any. */
    record Offer(String trialId, int attempt, Map<String, Object> config, String restoreCheckpointId, String restoreUri) {}

    /** Tells whether this gateway is already taking an attempt. */
    interface Claims {
        boolean claimed(String experimentId, String trialId, int attempt);
    }

    /** The queued attempt of the trial created first that no request of this gateway is taking; empty if none. */
    static Optional<Offer> pick(ExperimentState state, Claims claims) {
        for (TrialState trial : state.openTrials()) {
            if (trial.status() == TrialStatus.QUEUED && !claims.claimed(state.experimentId(), trial.trialId(), trial.attempt())) {
                String restoreId = trial.restoreFromCheckpointId();
                return Optional.of(new Offer(trial.trialId(), trial.attempt(), new TreeMap<>(trial.config()), restoreId,
                        restoreId == null ? null : uriOf(state, trial, restoreId)));
            }
        }
        return Optional.empty();
    }

    /** Where a checkpoint is: usually the trial's own, after a PBT exploit another trial's. */
    private static String uriOf(ExperimentState state, TrialState trial, String checkpointId) {
        Optional<String> own = find(trial, checkpointId);
        if (own.isPresent()) {
            return own.get();
        }
        for (TrialState other : state.trials()) {
            Optional<String> found = find(other, checkpointId);
            if (found.isPresent()) {
                return found.get();
            }
        }
        return null;
    }

    private static Optional<String> find(TrialState trial, String checkpointId) {
        return trial.checkpoints().stream().filter(c -> c.checkpointId().equals(checkpointId)).map(Checkpoint::uri).findFirst();
    }
}
