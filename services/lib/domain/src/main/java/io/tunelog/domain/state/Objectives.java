package io.tunelog.domain.state;

import io.tunelog.domain.spec.Constraint;
import io.tunelog.domain.spec.ExperimentSpec;
import io.tunelog.domain.spec.Metric;
import io.tunelog.domain.spec.Mode;
import java.util.Optional;

/**
 * A trial's standing on a spec's objectives and constraints, from the last value it reported of each metric (Ray Tune's
 * "last" scope, as {@link ExperimentState#best()} has always counted). Objectives are min-oriented: a metric of mode max
 * enters negated, so smaller is better in every coordinate.
 */
public final class Objectives {
    private Objectives() {}

    /** The trial's objective values, min-oriented, in spec order; null while any of them is missing or not finite. */
    public static double[] minimised(ExperimentSpec spec, TrialState trial) {
        double[] values = new double[spec.objectives().size()];
        for (int i = 0; i < values.length; i++) {
            Metric metric = spec.objectives().get(i);
            Double value = finiteLast(trial, metric.name());
            if (value == null) {
                return null;
            }
            values[i] = metric.mode() == Mode.MAX ? -value : value;
        }
        return values;
    }

    /** The trial's objective values as reported (not negated), in spec order; null while any is missing or not finite. */
    public static double[] reported(ExperimentSpec spec, TrialState trial) {
        double[] values = minimised(spec, trial);
        if (values != null) {
            for (int i = 0; i < values.length; i++) {
                values[i] = spec.objectives().get(i).mode() == Mode.MAX ? -values[i] : values[i];
            }
        }
        return values;
    }

    /**
     * How far the trial is beyond each constraint (0 where it keeps it), in spec order; null while a constrained metric
     * is missing or not finite: a trial that has not shown it keeps a bound is not counted as keeping it.
     */
    public static double[] violations(ExperimentSpec spec, TrialState trial) {
        double[] violations = new double[spec.constraints().size()];
        for (int i = 0; i < violations.length; i++) {
            Constraint constraint = spec.constraints().get(i);
            Double value = finiteLast(trial, constraint.name());
            if (value == null) {
                return null;
            }
            violations[i] = constraint.violation(value);
        }
        return violations;
    }

    /** Whether the trial keeps every constraint (true when there are none). */
    public static boolean feasible(ExperimentSpec spec, TrialState trial) {
        if (spec.constraints().isEmpty()) {
            return true;
        }
        double[] violations = violations(spec, trial);
        if (violations == null) {
            return false;
        }
        for (double v : violations) {
            if (v != 0) {
                return false;
            }
        }
        return true;
    }

    private static Double finiteLast(TrialState trial, String metric) {
        Optional<Double> value = trial.lastValue(metric);
        return value.isPresent() && Double.isFinite(value.get()) ? value.get() : null;
    }
}
