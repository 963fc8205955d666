package io.tunelog.scheduler.stop;

import io.tunelog.domain.decide.Decided;
import io.tunelog.domain.event.EventPayload.Action;
import io.tunelog.domain.event.EventPayload.TrialDecision;
import io.tunelog.domain.spec.TrialStop;
import io.tunelog.domain.state.ExperimentState;
import io.tunelog.domain.state.StopReached;
import io.tunelog.domain.state.TrialState;
import io.tunelog.domain.state.TrialStatus;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;

/**
 * {@code trial.stop}, whatever the trial scheduler says: a trial whose report reached the step or a metric's threshold
 * (the fold notes the first such report), or whose running time reached {@code seconds}, is stopped. Running time is
 * measured on the log: ended attempts from their start to their end, the running one up to the time the gate last
 * observed ({@code TimeObserved}), never a clock. A trial waiting to be retried or resumed that has reached one is
 * stopped rather than queued again. Pure.
 */
public final class TrialStops {
    /** The prefix of the rules these decisions name: {@code trial.stop.step}, {@code trial.stop.seconds}, {@code trial.stop.<metric>}. */
    public static final String RULE = "trial.stop.";

    private TrialStops() {}

    /** A STOP for each open trial that reached a condition, in creation order. */
    public static List<Decided> decide(ExperimentState state) {
        TrialStop stop = state.spec().trial().stop();
        if (stop == null) {
            return List.of();
        }
        List<Decided> decided = new ArrayList<>();
        for (TrialState trial : state.openTrials()) {
            boolean running = trial.status() == TrialStatus.RUNNING;
            if (!running && trial.status() != TrialStatus.PAUSED && trial.status() != TrialStatus.FAILED) {
                continue;
            }
            StopReached reached = trial.stopReached();
            if (reached != null) {
                decided.add(stop(trial, reached.condition(), reason(reached), inputs(reached)));
                continue;
            }
            Long limit = stop.millis();
            if (limit == null) {
                continue;
            }
            long ran = running && state.stops().observedAt() != null ? trial.ranMs(state.stops().observedAt()) : trial.ranMs();
            if (ran >= limit) {
                Map<String, Double> inputs = new LinkedHashMap<>();
                inputs.put("seconds", ran / 1000.0);
                inputs.put("limit", stop.seconds());
                decided.add(stop(trial, TrialStop.SECONDS, "ran " + ran / 1000.0 + " s, reaching trial.stop.seconds "
                        + label(stop.seconds()), inputs));
            }
        }
        return decided;
    }

    /**
     * The step of the running trial's next report to hold it at, when its rule reads time as the step: {@code trial.stop.step},
     * so that a trial stopped there trains no step past it. Empty when there is none ahead.
     */
    public static OptionalDouble nextMilestone(ExperimentState state, TrialState trial) {
        TrialStop stop = state.spec().trial().stop();
        if (stop == null || stop.step() == null || trial.lastStepOfCurrentAttempt() >= stop.step()) {
            return OptionalDouble.empty();
        }
        return OptionalDouble.of(stop.step());
    }

    private static Decided stop(TrialState trial, String condition, String reason, Map<String, Double> inputs) {
        return new Decided(trial.trialId(), trial.trialId() + "/a" + trial.attempt() + "/stop",
                new TrialDecision(trial.attempt(), Action.STOP, RULE + condition, reason, inputs));
    }

    private static String reason(StopReached r) {
        if (r.condition().equals(TrialStop.STEP)) {
            return "step " + r.step() + " reached trial.stop.step " + label(r.bound());
        }
        return r.condition() + " " + r.value() + " at step " + r.step() + " reached trial.stop." + r.condition() + "." + r.side()
                + " " + label(r.bound());
    }

    private static Map<String, Double> inputs(StopReached r) {
        Map<String, Double> inputs = new LinkedHashMap<>();
        inputs.put("step", (double) r.step());
        if (r.condition().equals(TrialStop.STEP)) {
            inputs.put("limit", r.bound());
        } else {
            inputs.put("value", r.value());
            inputs.put(r.side(), r.bound());
        }
        return inputs;
    }

    /** A number as people write it: 9, not 9.0. */
    static String label(double x) {
        return x == Math.rint(x) && Math.abs(x) < 1e15 ? Long.toString((long) x) : Double.toString(x);
    }
}
