package io.tunelog.suggestion;

import io.tunelog.domain.spec.ExperimentSpec;
import io.tunelog.domain.spec.Mode;
import io.tunelog.domain.state.ExperimentState;
import io.tunelog.domain.state.RobustStage;
import io.tunelog.domain.state.TrialState;
import io.tunelog.suggestion.search.UnitSpace;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import org.apache.commons.math3.stat.descriptive.SummaryStatistics;

/**
 * What the robust stage found: for each checked configuration, the mean and standard deviation of its
 * value over the original run and the reruns, and a local Lipschitz estimate, the steepest change of
 * the value per unit of distance in the unit cube seen among its probes. The robust best is the
 * configuration with the best mean.
 */
public record RobustReport(List<Checked> checked) {

    public record Checked(String trialId, int runs, double mean, double standardDeviation, int probes, double lipschitz) {}

    /** The report, or empty when the spec has no robust stage or the stage has not begun. */
    public static Optional<RobustReport> of(ExperimentState state) {
        List<RobustStage.Candidate> candidates = RobustStage.candidates(state);
        if (candidates.isEmpty()) {
            return Optional.empty();
        }
        ExperimentSpec spec = state.spec();
        String metric = spec.metric().name();
        UnitSpace space = new UnitSpace(spec.searchSpace());
        List<Checked> checked = new ArrayList<>();
        for (RobustStage.Candidate c : candidates) {
            SummaryStatistics runs = new SummaryStatistics();
            runs.addValue(c.value());
            double[] at = space.unit(c.trial().config());
            double lipschitz = 0;
            int probes = 0;
            for (TrialState t : state.trials()) {
                if (!c.trial().trialId().equals(RobustStage.checkedTrial(t))) {
                    continue;
                }
                Optional<Double> v = t.lastValue(metric).filter(Double::isFinite);
                if (v.isEmpty()) {
                    continue;
                }
                if (t.origin().startsWith(RobustStage.RERUN)) {
                    runs.addValue(v.get());
                } else {
                    probes++;
                    double distance = distance(at, space.unit(t.config()));
                    if (distance > 0) {
                        lipschitz = Math.max(lipschitz, Math.abs(v.get() - c.value()) / distance);
                    }
                }
            }
            checked.add(new Checked(c.trial().trialId(), (int) runs.getN(), runs.getMean(),
                    runs.getN() > 1 ? runs.getStandardDeviation() : Double.NaN, probes, probes > 0 ? lipschitz : Double.NaN));
        }
        Comparator<Checked> byMean = Comparator.comparingDouble(Checked::mean);
        checked.sort(spec.metric().mode() == Mode.MAX ? byMean.reversed() : byMean);
        return Optional.of(new RobustReport(checked));
    }

    public Checked best() {
        return checked.get(0);
    }

    /** Euclidean distance over the coordinates both points have. */
    private static double distance(double[] a, double[] b) {
        double sum = 0;
        for (int d = 0; d < a.length; d++) {
            if (!Double.isNaN(a[d]) && !Double.isNaN(b[d])) {
                sum += (a[d] - b[d]) * (a[d] - b[d]);
            }
        }
        return Math.sqrt(sum);
    }
}
