package io.tunelog.registry;

import io.tunelog.domain.decide.Decided;
import io.tunelog.domain.decide.Decider;
import io.tunelog.domain.event.EventPayload.CheckpointDeleted;
import io.tunelog.domain.spec.CheckpointSpec;
import io.tunelog.domain.spec.SchedulerType;
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
 * without one) and deletes the rest, except a checkpoint that an unfinished trial may still need,
 * whichever trial wrote it: the one a queued or running attempt restores from, and the one each unfinished
 * trial would resume from next (its newest, or, for a paused or exploiting PBT trial, the donor's it cloned).
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
        if (state.status() == ExperimentStatus.RUNNING && state.spec().scheduler().is(SchedulerType.PBT)) {
            // PBT may clone any open trial's newest checkpoint at any moment, and a clone decided but not yet
            // logged is invisible here: deleting while the population trains could pull a checkpoint from under
            // an exploit. So under PBT, checkpoints are pruned once the experiment has ended (Ray keeps them all).
            return List.of();
        }
        CheckpointSpec policy = state.spec().trial().checkpoint();
        List<Decided> decided = new ArrayList<>();
        if (state.trialsOverCheckpointLimit().isEmpty()) {
            return decided;
        }
        Set<String> inUse = inUse(state);
        for (TrialState trial : state.trialsOverCheckpointLimit()) {
            List<Checkpoint> live = trial.checkpoints().stream().filter(c -> !c.deleted()).toList();
            List<Checkpoint> ranked = new ArrayList<>(live);
            ranked.sort(ranking(policy));
            Set<String> kept = new HashSet<>();
            ranked.stream().limit(policy.keep()).forEach(c -> kept.add(c.checkpointId()));
            for (Checkpoint c : live) {
                if (!kept.contains(c.checkpointId()) && !inUse.contains(c.checkpointId())) {
                    decided.add(new Decided(trial.trialId(), "checkpoint/" + c.checkpointId() + "/deleted",
                            new CheckpointDeleted(c.checkpointId(), policy.scoreAttribute() == null
                                    ? "older than the latest " + policy.keep()
                                    : "not among the best " + policy.keep() + " by " + policy.scoreAttribute())));
                }
            }
        }
        return decided;
    }

    /** Checkpoints that unfinished trials restore from or would resume from; only open trials can need one. */
    private static Set<String> inUse(ExperimentState state) {
        Set<String> inUse = new HashSet<>();
        for (TrialState trial : state.openTrials()) {
            if ((trial.status() == TrialStatus.QUEUED || trial.status() == TrialStatus.RUNNING)
                    && trial.restoreFromCheckpointId() != null) {
                inUse.add(trial.restoreFromCheckpointId());
            }
            trial.resumePoint().ifPresent(c -> inUse.add(c.checkpointId()));
        }
        return inUse;
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
