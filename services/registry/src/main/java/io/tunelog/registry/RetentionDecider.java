package io.tunelog.registry;

import io.tunelog.domain.decide.Decided;
import io.tunelog.domain.decide.Decider;
import io.tunelog.domain.event.EventPayload.CheckpointDeleted;
import io.tunelog.domain.spec.CheckpointSpec;
import io.tunelog.domain.state.Checkpoint;
import io.tunelog.domain.state.ExperimentState;
import io.tunelog.domain.state.ExperimentStatus;
import io.tunelog.domain.state.TrialState;
import io.tunelog.domain.state.TrialStatus;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Keeps each trial's best {@code keep} checkpoints by the score attribute (or its latest {@code keep}
 * without one) and deletes the rest, with two exceptions that protect resumption: the checkpoint a
 * queued or running attempt restores from, and an unfinished trial's newest checkpoint (what a retry
 * would resume from), are never deleted.
 */
public final class RetentionDecider implements Decider {
    public static final String SERVICE = "registry";

    @Override
    public String service() {
        return SERVICE;
    }

    @Override
    public List<Decided> decide(ExperimentState state) {
        if (state.status() == ExperimentStatus.UNKNOWN) {
            return List.of();
        }
        CheckpointSpec policy = state.spec().trial().checkpoint();
        int maxFailures = state.spec().trial().maxFailures();
        List<Decided> decided = new ArrayList<>();
        for (TrialState trial : state.trialsOverCheckpointLimit()) {
            List<Checkpoint> live = trial.checkpoints().stream().filter(c -> !c.deleted()).toList();
            Set<String> protectedIds = new HashSet<>();
            if ((trial.status() == TrialStatus.QUEUED || trial.status() == TrialStatus.RUNNING)
                    && trial.restoreFromCheckpointId() != null) {
                protectedIds.add(trial.restoreFromCheckpointId());
            }
            if (!trial.isTerminal(maxFailures)) {
                trial.latestLiveCheckpoint().ifPresent(c -> protectedIds.add(c.checkpointId()));
            }
            List<Checkpoint> ranked = new ArrayList<>(live);
            ranked.sort(ranking(policy));
            Set<String> kept = new HashSet<>();
            ranked.stream().limit(policy.keep()).forEach(c -> kept.add(c.checkpointId()));
            for (Checkpoint c : live) {
                if (!kept.contains(c.checkpointId()) && !protectedIds.contains(c.checkpointId())) {
                    decided.add(new Decided(trial.trialId(), "checkpoint/" + c.checkpointId() + "/deleted",
                            new CheckpointDeleted(c.checkpointId(), policy.scoreAttribute() == null
                                    ? "older than the latest " + policy.keep()
                                    : "not among the best " + policy.keep() + " by " + policy.scoreAttribute())));
                }
            }
        }
        return decided;
    }

    /** Best first; a checkpoint without the score ranks last; ties go to the newer step. */
    private static Comparator<Checkpoint> ranking(CheckpointSpec policy) {
        Comparator<Checkpoint> newestFirst = Comparator.comparingLong(Checkpoint::step).reversed();
        if (policy.scoreAttribute() == null) {
            return newestFirst;
        }
        Comparator<Checkpoint> byScore = Comparator.comparing(
                (Checkpoint c) -> c.metrics().get(policy.scoreAttribute()),
                Comparator.nullsLast(policy.scoreMode() == io.tunelog.domain.spec.Mode.MAX
                        ? Comparator.<Double>reverseOrder() : Comparator.<Double>naturalOrder()));
        return byScore.thenComparing(newestFirst);
    }
}
