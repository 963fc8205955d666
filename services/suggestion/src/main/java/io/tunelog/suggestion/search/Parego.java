package io.tunelog.suggestion.search;

import java.util.ArrayList;
import java.util.List;
import org.apache.commons.math3.random.RandomGenerator;

/**
 * ParEGO's scalarisation (Knowles 2006), which lets the single-objective GP search several objectives
 * and constraints. Each objective is scaled to [0, 1] by its range over the finished trials; a weight
 * vector λ is drawn uniformly from the simplex, afresh for every suggestion, from the suggestion's
 * generator; a trial's loss is the augmented Chebyshev value max_k λ_k f_k + ρ Σ_k λ_k f_k with
 * ρ = {@value #RHO}. A trial that violates a constraint is penalised to 1 + ρ (above every feasible
 * value) plus its total violation over the largest one, so that infeasible trials are worse than
 * feasible ones and better the less they violate, as under constrained domination.
 */
final class Parego {
    static final double RHO = 0.05;

    private Parego() {}

    /** The observations with one loss each, their scalarisation under a weight vector drawn from {@code random}. */
    static List<History.Observation> scalarise(List<History.Observation> observations, RandomGenerator random) {
        int m = observations.get(0).objectives().length;
        double[] lambda = simplex(m, random);
        double[] low = new double[m];
        double[] high = new double[m];
        java.util.Arrays.fill(low, Double.POSITIVE_INFINITY);
        java.util.Arrays.fill(high, Double.NEGATIVE_INFINITY);
        double worstViolation = 0;
        for (History.Observation o : observations) {
            for (int k = 0; k < m; k++) {
                low[k] = Math.min(low[k], o.objectives()[k]);
                high[k] = Math.max(high[k], o.objectives()[k]);
            }
            worstViolation = Math.max(worstViolation, o.violation());
        }
        List<History.Observation> out = new ArrayList<>();
        for (History.Observation o : observations) {
            double scalar;
            if (o.feasible()) {
                double max = 0;
                double sum = 0;
                for (int k = 0; k < m; k++) {
                    double f = high[k] > low[k] ? (o.objectives()[k] - low[k]) / (high[k] - low[k]) : 0;
                    max = Math.max(max, lambda[k] * f);
                    sum += lambda[k] * f;
                }
                scalar = max + RHO * sum;
            } else {
                scalar = 1 + RHO + o.violation() / worstViolation;
            }
            out.add(new History.Observation(o.config(), new double[] {scalar}, new double[0]));
        }
        return out;
    }

    /** A point drawn uniformly from the simplex: normalised exponential draws. */
    static double[] simplex(int m, RandomGenerator random) {
        double[] lambda = new double[m];
        double sum = 0;
        for (int k = 0; k < m; k++) {
            lambda[k] = -StrictMath.log(1 - random.nextDouble());
            sum += lambda[k];
        }
        for (int k = 0; k < m; k++) {
            lambda[k] /= sum;
        }
        return lambda;
    }
}
