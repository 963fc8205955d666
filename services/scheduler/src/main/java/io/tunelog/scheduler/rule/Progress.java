package io.tunelog.scheduler.rule;

import io.tunelog.domain.spec.ExperimentSpec;
import io.tunelog.domain.spec.Mode;
import io.tunelog.domain.spec.Options;
import io.tunelog.domain.state.Report;
import io.tunelog.domain.state.TrialState;
import java.util.List;

/**
 * How far a report is (its {@code timeAttr}: the step, or any reported metric such as an epoch count or
 * seconds) and how good it is (its score: the spec's metric, negated under {@code min}, so that higher is
 * better for every rule, as Ray Tune's {@code metric_op} does).
 */
record Progress(String timeAttr, String metric, boolean maximize) {
    static final String STEP = "step";

    static Progress of(ExperimentSpec spec, Options options) {
        return new Progress(options.text("timeAttr", STEP), spec.metric().name(), spec.metric().mode() == Mode.MAX);
    }

    /** The time attribute as the worker is told it: null for the step. */
    String timeAttrOrNull() {
        return timeAttr.equals(STEP) ? null : timeAttr;
    }

    /** The time of the trial's last report in its current attempt, or -∞ before any. */
    double latest(TrialState trial) {
        List<Report> reports = trial.reports();
        for (int i = reports.size() - 1; i >= 0; i--) {
            Report r = reports.get(i);
            if (r.attempt() == trial.attempt() && !Double.isNaN(time(r))) {
                return time(r);
            }
        }
        return Double.NEGATIVE_INFINITY;
    }

    /** The report's time, or NaN when it does not carry the time attribute. */
    double time(Report r) {
        if (timeAttr.equals(STEP)) {
            return r.step();
        }
        Double t = r.metrics().get(timeAttr);
        return t == null ? Double.NaN : t;
    }

    /** The report's score, or NaN when it does not carry the metric. */
    double score(Report r) {
        Double v = r.metrics().get(metric);
        return v == null ? Double.NaN : maximize ? v : -v;
    }

    /** Whether a trial belongs to the search, which rules act on; the robust stage's reruns always run to the end. */
    static boolean searched(ExperimentSpec spec, TrialState trial) {
        return trial.index() < spec.plannedTrials();
    }

    /** A milestone or time as people write it: 9, not 9.0. */
    static String label(double t) {
        return t == Math.rint(t) && Math.abs(t) < 1e15 ? Long.toString((long) t) : Double.toString(t);
    }
}
