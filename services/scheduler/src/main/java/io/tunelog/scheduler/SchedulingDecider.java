package io.tunelog.scheduler;

import io.tunelog.domain.decide.Decided;
import io.tunelog.domain.decide.Decider;
import io.tunelog.domain.event.EventPayload.ExperimentCompleted;
import io.tunelog.domain.event.EventPayload.TrialQueued;
import io.tunelog.domain.spec.ExperimentSpec;
import io.tunelog.domain.spec.SpecException;
import io.tunelog.domain.state.Checkpoint;
import io.tunelog.domain.state.ExperimentState;
import io.tunelog.domain.state.ExperimentStatus;
import io.tunelog.domain.state.RobustStage;
import io.tunelog.domain.state.TrialState;
import io.tunelog.domain.state.TrialStatus;
import io.tunelog.scheduler.rule.TrialRule;
import io.tunelog.scheduler.rule.TrialRules;
import io.tunelog.scheduler.stop.ExperimentEnd;
import io.tunelog.scheduler.stop.TrialStops;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The scheduling service's decider. The spec's trial rule ({@code scheduler.type}) decides which running
 * trials stop, pause or exploit; the rest is the same under every rule: every created trial is queued at
 * once (the suggestion service already keeps to the concurrency budget), a failed attempt is queued
 * again while failures stay within {@code trial.maxFailures}, a paused trial whose resumption the rule
 * approved is queued again, each from the trial's resume point (its latest checkpoint, or the one PBT
 * cloned into it), and the experiment completes when every planned trial has ended. A failed attempt of a trial that
 * the gate observed no live worker can run ({@code TrialPlacement}) waits until the gate observes one can: queued
 * again, it would only go round the workers' queue and come back. The spec's stop conditions come first: one of the
 * experiment's ({@link ExperimentEnd}) ends it, stopping its running trials; {@code trial.stop} ({@link TrialStops})
 * stops a trial whatever its rule says.
 */
public final class SchedulingDecider implements Decider {
    public static final String SERVICE = "scheduler";

    @Override
    public String service() {
        return SERVICE;
    }

    /**
     * Refuses a spec whose scheduler options this build cannot use, naming the option; and a spec of several objectives
     * whose scheduler ranks trials on one metric, naming {@code scheduler.type}.
     */
    public static void check(ExperimentSpec spec) {
        TrialRule rule = TrialRules.of(spec);
        if (spec.isMultiObjective() && rule.ranksOnOneMetric()) {
            throw new SpecException("scheduler.type", "expected a scheduler that compares no trials, fifo, for "
                    + spec.objectives().size() + " objectives (" + spec.scheduler().type() + " ranks trials on one metric), found \""
                    + spec.scheduler().type() + "\"");
        }
        rule.check(spec);
    }

    @Override
    public List<Decided> decide(ExperimentState state) {
        if (state.status() != ExperimentStatus.RUNNING) {
            return List.of();
        }
        Optional<ExperimentEnd.End> end = ExperimentEnd.check(state);
        if (end.isPresent()) {
            return ExperimentEnd.decisions(state, end.get());
        }
        ExperimentSpec spec = state.spec();
        int maxFailures = spec.trial().maxFailures();
        // trial.stop before the rule: a trial it stops is the rule's no more (nor queued again).
        List<Decided> decided = new ArrayList<>(TrialStops.decide(state));
        Set<String> ruled = new HashSet<>();
        decided.forEach(d -> ruled.add(d.trialId()));
        for (Decided d : TrialRules.of(spec).decide(state)) {
            if (!ruled.contains(d.trialId())) {
                decided.add(d);
            }
        }
        decided.forEach(d -> ruled.add(d.trialId()));
        for (TrialState trial : state.openTrials()) {
            if (ruled.contains(trial.trialId())) {
                continue;
            }
            if (trial.status() == TrialStatus.CREATED) {
                decided.add(queue(trial, Optional.empty()));
            } else if ((trial.canRetry(maxFailures) && trial.unplaceable() == null)
                    || (trial.status() == TrialStatus.PAUSED && trial.resumeApproved())) {
                decided.add(queue(trial, trial.resumePoint()));
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

    private static Decided queue(TrialState trial, Optional<Checkpoint> restoreFrom) {
        int attempt = trial.attempt() + 1;
        return new Decided(trial.trialId(), trial.trialId() + "/queued-" + attempt, new TrialQueued(attempt,
                restoreFrom.map(Checkpoint::checkpointId).orElse(null),
                restoreFrom.map(Checkpoint::uri).orElse(null)));
    }
}
