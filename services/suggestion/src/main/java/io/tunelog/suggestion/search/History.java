package io.tunelog.suggestion.search;

import io.tunelog.domain.spec.ExperimentSpec;
import io.tunelog.domain.state.ExperimentState;
import io.tunelog.domain.state.Objectives;
import io.tunelog.domain.state.TrialState;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The experiment as a model-based searcher sees it: finished trials with every objective and constraint metric reported
 * and finite, feasible or not, in creation order; and the configurations still pending (running, queued, or suggested
 * earlier in this decision).
 */
public record History(List<Observation> observations, List<Map<String, Object>> pending) {

    /**
     * One finished trial. {@code objectives} are min-oriented (negated for mode max), in spec order; {@code violations}
     * are in constraint order, each 0 when the trial keeps that constraint, otherwise how far beyond its bound it lies.
     */
    public record Observation(Map<String, Object> config, double[] objectives, double[] violations) {

        /** A single-objective observation without constraints. */
        public Observation(Map<String, Object> config, double loss) {
            this(config, new double[] {loss}, new double[0]);
        }

        /** The first objective, min-oriented: what a single-objective searcher minimises. */
        public double loss() {
            return objectives[0];
        }

        /** Whether the trial keeps every constraint. */
        public boolean feasible() {
            for (double v : violations) {
                if (v != 0) {
                    return false;
                }
            }
            return true;
        }

        /** The sum of the violations: 0 when feasible, otherwise how far the trial is from being so. */
        public double violation() {
            double sum = 0;
            for (double v : violations) {
                sum += v;
            }
            return sum;
        }
    }

    public History {
        observations = List.copyOf(observations);
        pending = List.copyOf(pending);
    }

    static History of(ExperimentSpec spec, ExperimentState state, List<Map<String, Object>> batch) {
        int maxFailures = spec.trial().maxFailures();
        List<Observation> observations = new ArrayList<>();
        List<Map<String, Object>> pending = new ArrayList<>();
        for (TrialState t : state.trials()) {
            if (!t.isTerminal(maxFailures)) {
                pending.add(t.config());
                continue;
            }
            double[] objectives = Objectives.minimised(spec, t);
            double[] violations = Objectives.violations(spec, t);
            if (objectives != null && violations != null) {
                observations.add(new Observation(t.config(), objectives, violations));
            }
        }
        pending.addAll(batch);
        return new History(observations, pending);
    }
}
