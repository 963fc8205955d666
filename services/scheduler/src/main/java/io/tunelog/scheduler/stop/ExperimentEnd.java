package io.tunelog.scheduler.stop;

import io.tunelog.domain.decide.Decided;
import io.tunelog.domain.event.EventPayload.Action;
import io.tunelog.domain.event.EventPayload.ExperimentCompleted;
import io.tunelog.domain.event.EventPayload.TrialDecision;
import io.tunelog.domain.spec.Budget;
import io.tunelog.domain.spec.ExperimentSpec;
import io.tunelog.domain.spec.Plateau;
import io.tunelog.domain.spec.Threshold;
import io.tunelog.domain.state.ExperimentState;
import io.tunelog.domain.state.PlateauWatch;
import io.tunelog.domain.state.StopTally;
import io.tunelog.domain.state.TrialState;
import io.tunelog.domain.state.TrialStatus;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The spec's conditions that end an experiment before its planned trials have: more trials failed for good than
 * {@code budget.maxFailedTrials}, a report reaching the {@code goal}, the best scores on a {@code plateau}, or the time
 * the gate last observed past {@code budget.seconds} from the submission. Judged in that order; the first that holds
 * ends it. Pure: everything comes from the folded log.
 */
public final class ExperimentEnd {
    public static final String MAX_FAILED_TRIALS = "budget.maxFailedTrials";
    public static final String GOAL = "goal";
    public static final String PLATEAU = "plateau";
    public static final String SECONDS = "budget.seconds";

    private ExperimentEnd() {}

    /** A condition that holds: its spec name, why in words, and the numbers. */
    public record End(String condition, String reason, Map<String, Double> inputs) {}

    public static Optional<End> check(ExperimentState state) {
        ExperimentSpec spec = state.spec();
        Budget budget = spec.budget();
        if (budget.maxFailedTrials() != null && state.stops().failedTrials() > budget.maxFailedTrials()) {
            return Optional.of(new End(MAX_FAILED_TRIALS, state.stops().failedTrials() + " trials failed for good, more than "
                    + MAX_FAILED_TRIALS + " " + budget.maxFailedTrials(),
                    Map.of("failed", (double) state.stops().failedTrials(), "maxFailedTrials", (double) budget.maxFailedTrials())));
        }
        Threshold goal = spec.goal();
        Optional<StopTally.ReportedValue> best = state.stops().bestReported();
        if (goal != null && best.isPresent() && goal.reachedBy(best.get().value())) {
            StopTally.ReportedValue r = best.get();
            String side = goal.side(r.value());
            Map<String, Double> inputs = new LinkedHashMap<>();
            inputs.put("value", r.value());
            inputs.put(side, goal.bound(side));
            inputs.put("step", (double) r.step());
            return Optional.of(new End(GOAL, r.trialId() + " reported " + spec.metric().name() + " " + r.value() + " at step "
                    + r.step() + ", reaching goal." + side + " " + TrialStops.label(goal.bound(side)), inputs));
        }
        PlateauWatch watch = state.stops().plateau();
        if (watch != null && watch.holds()) {
            Plateau p = spec.plateau();
            Map<String, Double> inputs = new LinkedHashMap<>();
            inputs.put("top", (double) p.top());
            inputs.put("sd", watch.sd());
            inputs.put("std", p.std());
            inputs.put("streak", (double) watch.streak());
            inputs.put("patience", (double) p.patience());
            inputs.put("endings", (double) watch.endings());
            return Optional.of(new End(PLATEAU, "the best " + p.top() + " scores' standard deviation was below " + p.std()
                    + " after each of the last " + watch.streak() + " trials to end (now " + watch.sd() + ", "
                    + watch.endings() + " ended with a score)", inputs));
        }
        Long millis = budget.millis();
        if (millis != null && state.stops().observedAt() != null && state.stops().observedAt() - state.submittedAt().toEpochMilli() >= millis) {
            double elapsed = (state.stops().observedAt() - state.submittedAt().toEpochMilli()) / 1000.0;
            return Optional.of(new End(SECONDS, elapsed + " s since submission, reaching " + SECONDS + " "
                    + TrialStops.label(budget.seconds()), Map.of("seconds", budget.seconds(), "elapsed", elapsed)));
        }
        return Optional.empty();
    }

    /**
     * What ending it logs: a STOP for each running trial, naming the condition, then the completion (the fold cancels
     * what is left: queued, paused, waiting to be retried).
     */
    public static List<Decided> decisions(ExperimentState state, End end) {
        List<Decided> decided = new ArrayList<>();
        for (TrialState trial : state.openTrials()) {
            if (trial.status() == TrialStatus.RUNNING) {
                decided.add(new Decided(trial.trialId(), trial.trialId() + "/a" + trial.attempt() + "/stop", new TrialDecision(
                        trial.attempt(), Action.STOP, end.condition(), "experiment ended: " + end.reason(), end.inputs())));
            }
        }
        Optional<ExperimentState.Best> best = state.best();
        decided.add(new Decided(null, "completed", new ExperimentCompleted(end.condition() + ": " + end.reason(),
                best.map(ExperimentState.Best::trialId).orElse(null), best.map(ExperimentState.Best::value).orElse(null),
                end.condition(), end.inputs())));
        return decided;
    }
}
