package io.tunelog.domain.state;

import io.tunelog.domain.spec.ExperimentSpec;
import io.tunelog.domain.spec.Mode;
import io.tunelog.domain.spec.RobustSpec;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * The robust stage as the log defines it: it begins when every trial of the search has ended, and
 * checks the best {@code top} of them. Computed from the state alone, so the suggestion service, the
 * scheduler (which must not complete the experiment early) and an audit all agree on it.
 */
public final class RobustStage {
    /** Origins of the stage's trials: {@code robust-rerun of trial-00042}, {@code robust-probe of ...}. */
    public static final String RERUN = "robust-rerun of ";
    public static final String PROBE = "robust-probe of ";

    private RobustStage() {}

    /** A configuration of the search under check, with its value. */
    public record Candidate(TrialState trial, double value) {}

    /** Whether every trial of the search was created and has ended. */
    public static boolean begun(ExperimentState state) {
        ExperimentSpec spec = state.spec();
        if (spec == null || spec.robust() == null || state.trials().size() < spec.plannedTrials()) {
            return false;
        }
        // Open trials are indexed by creation order: the search's trials come first.
        return state.openTrials().stream().noneMatch(t -> t.index() < spec.plannedTrials());
    }

    /**
     * The best finished trials of the search that keep every constraint, best first (ties to the earlier trial); empty
     * before the stage.
     */
    public static List<Candidate> candidates(ExperimentState state) {
        if (!begun(state)) {
            return List.of();
        }
        ExperimentSpec spec = state.spec();
        List<Candidate> finished = new ArrayList<>();
        for (TrialState t : state.trials()) {
            if (t.index() >= spec.plannedTrials()) {
                break;
            }
            Optional<Double> v = t.lastValue(spec.metric().name());
            if (v.isPresent() && Double.isFinite(v.get()) && Objectives.feasible(spec, t)) {
                finished.add(new Candidate(t, v.get()));
            }
        }
        Comparator<Candidate> byValue = Comparator.comparingDouble(Candidate::value);
        finished.sort((spec.metric().mode() == Mode.MAX ? byValue.reversed() : byValue)
                .thenComparingInt(c -> c.trial().index()));
        return finished.subList(0, Math.min(spec.robust().top(), finished.size()));
    }

    /** All trials the experiment creates: the search's, plus the stage's once it has begun. */
    public static int plannedTrials(ExperimentState state) {
        ExperimentSpec spec = state.spec();
        RobustSpec robust = spec.robust();
        return robust == null ? spec.plannedTrials()
                : spec.plannedTrials() + candidates(state).size() * robust.trialsPerConfiguration();
    }

    /** The search trial a stage trial checks, or null for a trial of the search. */
    public static String checkedTrial(TrialState t) {
        String origin = t.origin() == null ? "" : t.origin();
        return origin.startsWith(RERUN) ? origin.substring(RERUN.length())
                : origin.startsWith(PROBE) ? origin.substring(PROBE.length()) : null;
    }
}
