package io.tunelog.scheduler.rule;

import io.tunelog.domain.event.EventPayload.TrialDecision;
import io.tunelog.domain.spec.ParamDomain;
import io.tunelog.domain.state.ExperimentState;
import io.tunelog.domain.state.TrialState;
import io.tunelog.suggestion.search.GaussianProcess;
import io.tunelog.suggestion.search.UnitSpace;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.commons.math3.random.RandomGenerator;

/**
 * PB2's explore (Parker-Holder et al., 2020): instead of perturbing the donor's numbers at random, fit a
 * Gaussian process to how much each trial's score rose over each perturbation interval, as a function of
 * the time and the numbers it trained with, and take the numbers with the highest upper confidence bound
 * {@code mean + kappa · sd} at the current time. Inputs are the time (scaled by the largest seen) and each
 * parameter's unit coordinate; the rises are standardised. Until there are {@value #MIN_POINTS} intervals
 * to learn from, the numbers are drawn uniformly, as PB2 starts.
 *
 * <p>The data are the scheduler's own logged decisions: each one records the score, the time and the
 * numbers of the interval that ended there. After an exploit, the next interval's rise counts from the
 * donor's score, since that is the model the trial carried on from. The fit sees at most the
 * {@value #MAX_POINTS} latest intervals, which bounds a decision's cost.
 */
final class Pb2 {
    static final int MIN_POINTS = 4;
    static final int MAX_POINTS = 200;
    static final int CANDIDATES = 500;

    private Pb2() {}

    private record Interval(double time, double[] unit, double rise, int trial) {}

    static Map<String, Object> explore(ExperimentState state, Pbt.Settings settings, String prefix, Map<String, Object> donor,
                                       double now, RandomGenerator random) {
        List<String> names = settings.mutations();
        List<ParamDomain> domains = names.stream().map(n -> state.spec().searchSpace().params().get(n)).toList();
        List<Interval> data = intervals(state, prefix, names, domains);
        double[] best = new double[names.size()];
        if (data.size() < MIN_POINTS) {
            for (int d = 0; d < best.length; d++) {
                best[d] = random.nextDouble();
            }
        } else {
            best = maximiseUcb(data, names.size(), now, settings.kappa(), random);
        }
        Map<String, Object> config = new LinkedHashMap<>(donor);
        for (int d = 0; d < names.size(); d++) {
            if (donor.containsKey(names.get(d))) {
                config.put(names.get(d), UnitSpace.value(domains.get(d), best[d]));
            }
        }
        return config;
    }

    /** Every interval between two consecutive perturbations of a trial, the latest {@value #MAX_POINTS}. */
    private static List<Interval> intervals(ExperimentState state, String prefix, List<String> names, List<ParamDomain> domains) {
        List<Interval> data = new ArrayList<>();
        for (TrialState trial : state.trials()) {
            TrialDecision previous = null;
            for (TrialDecision d : trial.decisions()) {
                if (!d.rule().startsWith(prefix)) {
                    continue;
                }
                if (previous != null) {
                    boolean exploited = previous.rule().equals(prefix + Pbt.EXPLOIT);
                    double from = exploited ? previous.inputs().get("donorScore") : previous.inputs().get(TrialDecision.SCORE);
                    double[] unit = new double[names.size()];
                    boolean complete = true;
                    for (int k = 0; k < unit.length; k++) {
                        Double v = d.inputs().get(Pbt.CONFIG + names.get(k));
                        complete &= v != null;
                        unit[k] = v == null ? 0 : UnitSpace.unit(domains.get(k), domains.get(k) instanceof ParamDomain.IntRange
                                ? (Object) Math.round(v) : (Object) v);
                    }
                    if (complete) {
                        data.add(new Interval(d.inputs().get("time"), unit, d.inputs().get(TrialDecision.SCORE) - from, trial.index()));
                    }
                }
                previous = d;
            }
        }
        data.sort(Comparator.comparingDouble(Interval::time).reversed().thenComparingInt(Interval::trial));
        return data.size() > MAX_POINTS ? data.subList(0, MAX_POINTS) : data;
    }

    private static double[] maximiseUcb(List<Interval> data, int dims, double now, double kappa, RandomGenerator random) {
        double maxTime = Math.max(now, data.stream().mapToDouble(Interval::time).max().orElse(1));
        double[][] x = new double[data.size()][dims + 1];
        double[] y = new double[data.size()];
        double mean = 0;
        for (int i = 0; i < data.size(); i++) {
            x[i][0] = data.get(i).time() / maxTime;
            System.arraycopy(data.get(i).unit(), 0, x[i], 1, dims);
            y[i] = data.get(i).rise();
            mean += y[i] / y.length;
        }
        double var = 0;
        for (double v : y) {
            var += (v - mean) * (v - mean) / y.length;
        }
        double sd = var > 0 ? StrictMath.sqrt(var) : 1;
        for (int i = 0; i < y.length; i++) {
            y[i] = (y[i] - mean) / sd;
        }
        GaussianProcess gp = new GaussianProcess(x, y, GaussianProcess.fit(x, y));
        double[] best = null;
        double bestUcb = Double.NEGATIVE_INFINITY;
        double[] point = new double[dims + 1];
        point[0] = now / maxTime;
        for (int c = 0; c < CANDIDATES; c++) {
            double[] candidate = new double[dims];
            for (int d = 0; d < dims; d++) {
                candidate[d] = random.nextDouble();
            }
            System.arraycopy(candidate, 0, point, 1, dims);
            double[] prediction = gp.predict(point);
            double ucb = prediction[0] + kappa * StrictMath.sqrt(prediction[1]);
            if (ucb > bestUcb) {
                bestUcb = ucb;
                best = candidate;
            }
        }
        return best;
    }
}
