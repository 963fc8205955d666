package io.tunelog.suggestion.search;

import io.tunelog.domain.spec.Options;

import io.tunelog.domain.spec.ExperimentSpec;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import org.apache.commons.math3.random.RandomGenerator;
import org.apache.commons.math3.special.Erf;

/**
 * Tree-structured Parzen Estimator (Bergstra et al. 2011), in the unit cube, after Optuna's choices:
 * the best γ(n) = min(⌈0.1·n⌉, 25) finished trials are "good", the rest (and every pending
 * configuration, as a pessimistic guess) "bad"; each side is a Parzen estimator of truncated Gaussian
 * kernels plus a prior kernel over the whole range, with bandwidths from the distances to neighbouring
 * points; {@code candidates} points drawn from the good estimator l(x) are scored by log l(x) − log g(x)
 * and the best is suggested.
 *
 * <p>Univariate (the default) models each parameter on its own. {@code multivariate: true} models the
 * joint density: a candidate is drawn from one good trial's kernel in every dimension at once, and
 * densities are mixtures of product kernels. Parameters inactive in some trials (conditional spaces) are
 * modelled from the trials in which they were active, on their own.
 *
 * <p>Several objectives or constraints ({@link TpeSplit}, after Optuna 3.1's MOTPE and its
 * {@code constraints_func}): the good side is chosen by non-domination rank and hypervolume, infeasible
 * trials are bad unless too few are feasible, and good trials weigh their hypervolume contribution.
 *
 * <p>Options: {@code startupTrials} (10, random before the model), {@code candidates} (24),
 * {@code multivariate} (false), {@code priorWeight} (1.0).
 */
public final class TpeSearcher implements Searcher {
    private static final double SQRT2 = Math.sqrt(2);
    private static final double LOG_SQRT_2PI = 0.5 * StrictMath.log(2 * Math.PI);

    private record Settings(int startup, int candidates, boolean multivariate, double priorWeight) {
        static Settings of(ExperimentSpec spec) {
            Options options = Options.of(spec.searcher());
            Settings settings = new Settings(options.positiveInt("startupTrials", 10), options.positiveInt("candidates", 24),
                    options.flag("multivariate", false), options.positiveDouble("priorWeight", 1.0));
            options.refuseUnknown();
            return settings;
        }
    }

    @Override
    public void check(ExperimentSpec spec) {
        Settings.of(spec);
    }

    @Override
    public Map<String, Object> suggest(SuggestionRequest request) {
        Settings settings = Settings.of(request.spec());
        if (request.history().observations().size() < settings.startup()) {
            return Sampling.sample(request.spec().searchSpace(), request.random());
        }
        return fromModel(request, request.history(), settings.candidates(), settings.multivariate(), settings.priorWeight());
    }

    /** The configuration TPE's model prefers, given these observations (BOHB gives it a rung's). */
    static Map<String, Object> fromModel(SuggestionRequest request, History history, int candidates, boolean multivariate,
                                         double priorWeight) {
        UnitSpace space = new UnitSpace(request.spec().searchSpace());

        int n = history.observations().size();
        int good = Math.min((int) Math.ceil(0.1 * n), 25);
        List<double[]> below = new ArrayList<>();
        List<double[]> above = new ArrayList<>();
        double[] weights = null;
        if (request.spec().beyondOneMetric()) {
            TpeSplit.Split split = TpeSplit.of(history.observations(), good);
            split.below().forEach(i -> below.add(space.unit(history.observations().get(i).config())));
            split.above().forEach(i -> above.add(space.unit(history.observations().get(i).config())));
            weights = split.belowWeights();
        } else {
            // Good: the γ(n) lowest losses (ties to the earlier trial); bad: the rest.
            List<History.Observation> sorted = new ArrayList<>(history.observations());
            sorted.sort(Comparator.comparingDouble(History.Observation::loss));
            for (int i = 0; i < n; i++) {
                (i < good ? below : above).add(space.unit(sorted.get(i).config()));
            }
        }
        // Everything pending is bad, as a pessimistic guess.
        history.pending().forEach(config -> above.add(space.unit(config)));

        int dims = space.dimensions();
        double[] best = new double[dims];
        boolean[] joint = new boolean[dims];
        if (multivariate) {
            // The joint model covers the dimensions every trial has; the others are modelled one by one.
            for (int d = 0; d < dims; d++) {
                joint[d] = allPresent(below, d) && allPresent(above, d);
            }
            sampleJointly(space, joint, below, weights, above, candidates, priorWeight, request.random(), best);
        }
        for (int d = 0; d < dims; d++) {
            if (!joint[d]) {
                best[d] = sampleOne(space, d, present(below, d), presentWeights(below, weights, d), present(above, d), candidates,
                        priorWeight, request.random());
            }
        }
        return space.config(best);
    }

    /** The coordinate of dimension d with the highest l/g among candidates drawn from l (weights null: equal). */
    private static double sampleOne(UnitSpace space, int d, double[] below, double[] belowWeights, double[] above,
                                    int candidates, double priorWeight, RandomGenerator random) {
        int k = space.categories(d);
        if (k > 0) {
            double[] l = belowWeights == null ? categorical(below, k, priorWeight) : categorical(below, belowWeights, k, priorWeight);
            double[] g = categorical(above, k, priorWeight);
            int bestCategory = 0;
            double bestScore = Double.NEGATIVE_INFINITY;
            for (int c = 0; c < candidates; c++) {
                int category = draw(l, random);
                double score = StrictMath.log(l[category]) - StrictMath.log(g[category]);
                if (score > bestScore) {
                    bestScore = score;
                    bestCategory = category;
                }
            }
            return (bestCategory + 0.5) / k;
        }
        Parzen l = belowWeights == null ? Parzen.of(below, priorWeight) : Parzen.of(below, belowWeights, priorWeight);
        Parzen g = Parzen.of(above, priorWeight);
        double best = 0.5;
        double bestScore = Double.NEGATIVE_INFINITY;
        for (int c = 0; c < candidates; c++) {
            double x = l.sample(random);
            double score = l.logDensity(x) - g.logDensity(x);
            if (score > bestScore) {
                bestScore = score;
                best = x;
            }
        }
        return best;
    }

    /** Fills the joint dimensions of {@code best} with the candidate of highest l/g under product kernels. */
    private static void sampleJointly(UnitSpace space, boolean[] joint, List<double[]> below, double[] belowWeights,
                                      List<double[]> above, int candidates, double priorWeight, RandomGenerator random,
                                      double[] best) {
        int dims = space.dimensions();
        Parzen[] l = new Parzen[dims];
        Parzen[] g = new Parzen[dims];
        for (int d = 0; d < dims; d++) {
            if (joint[d] && space.categories(d) == 0) {
                l[d] = belowWeights == null ? Parzen.of(present(below, d), priorWeight)
                        : Parzen.of(present(below, d), belowWeights, priorWeight);
                g[d] = Parzen.of(present(above, d), priorWeight);
            }
        }
        double bestScore = Double.NEGATIVE_INFINITY;
        double[] x = new double[dims];
        for (int c = 0; c < candidates; c++) {
            // One component of l (a good trial, or the prior) for every dimension.
            int component = l.length == 0 ? 0 : belowWeights == null ? Parzen.drawComponent(below.size(), priorWeight, random)
                    : Parzen.drawComponent(belowWeights, priorWeight, random);
            for (int d = 0; d < dims; d++) {
                if (!joint[d]) {
                    continue;
                }
                int k = space.categories(d);
                if (k > 0) {
                    x[d] = component < below.size() && random.nextDouble() < 1 - 1.0 / (below.size() + 1)
                            ? below.get(component)[d] : (random.nextInt(k) + 0.5) / k;
                } else {
                    x[d] = l[d].sampleComponent(component, random);
                }
            }
            double score = jointLogDensity(space, joint, l, below, belowWeights, priorWeight, x)
                    - jointLogDensity(space, joint, g, above, null, priorWeight, x);
            if (score > bestScore) {
                bestScore = score;
                System.arraycopy(x, 0, best, 0, dims);
            }
        }
    }

    /** log of the mixture over components (observations and the prior) of product kernels. */
    private static double jointLogDensity(UnitSpace space, boolean[] joint, Parzen[] kernels, List<double[]> points,
                                          double[] weights, double priorWeight, double[] x) {
        int components = points.size() + 1;
        double[] logTerms = new double[components];
        double total = weights == null ? points.size() + priorWeight : Arrays.stream(weights).sum() + priorWeight;
        for (int i = 0; i < components; i++) {
            double sum = StrictMath.log((i < points.size() ? (weights == null ? 1.0 : weights[i]) : priorWeight) / total);
            for (int d = 0; d < x.length; d++) {
                if (!joint[d]) {
                    continue;
                }
                int k = space.categories(d);
                if (k > 0) {
                    double eta = 1.0 / (points.size() + 1);
                    boolean same = i < points.size() && (int) (points.get(i)[d] * k) == (int) (x[d] * k);
                    sum += StrictMath.log(i < points.size() ? (same ? 1 - eta : 0) + eta / k : 1.0 / k);
                } else {
                    sum += kernels[d].logKernel(i, x[d]);
                }
            }
            logTerms[i] = sum;
        }
        return logSumExp(logTerms);
    }

    private static double[] categorical(double[] points, int k, double priorWeight) {
        double[] p = new double[k];
        Arrays.fill(p, priorWeight / k);
        for (double u : points) {
            p[Math.min((int) (u * k), k - 1)] += 1;
        }
        double total = points.length + priorWeight;
        for (int c = 0; c < k; c++) {
            p[c] /= total;
        }
        return p;
    }

    /** As {@link #categorical(double[], int, double)}, each point counting its weight. */
    private static double[] categorical(double[] points, double[] weights, int k, double priorWeight) {
        double[] p = new double[k];
        Arrays.fill(p, priorWeight / k);
        double total = priorWeight;
        for (int i = 0; i < points.length; i++) {
            p[Math.min((int) (points[i] * k), k - 1)] += weights[i];
            total += weights[i];
        }
        for (int c = 0; c < k; c++) {
            p[c] /= total;
        }
        return p;
    }

    private static int draw(double[] p, RandomGenerator random) {
        double r = random.nextDouble();
        for (int c = 0; c < p.length - 1; c++) {
            r -= p[c];
            if (r < 0) {
                return c;
            }
        }
        return p.length - 1;
    }

    private static boolean allPresent(List<double[]> points, int d) {
        for (double[] p : points) {
            if (Double.isNaN(p[d])) {
                return false;
            }
        }
        return true;
    }

    private static double[] present(List<double[]> points, int d) {
        return points.stream().mapToDouble(p -> p[d]).filter(v -> !Double.isNaN(v)).toArray();
    }

    /** The weights of the points present in dimension d, or null for equal weights. */
    private static double[] presentWeights(List<double[]> points, double[] weights, int d) {
        if (weights == null) {
            return null;
        }
        List<Double> out = new ArrayList<>();
        for (int i = 0; i < points.size(); i++) {
            if (!Double.isNaN(points.get(i)[d])) {
                out.add(weights[i]);
            }
        }
        return out.stream().mapToDouble(Double::doubleValue).toArray();
    }

    static double logSumExp(double[] values) {
        double max = Double.NEGATIVE_INFINITY;
        for (double v : values) {
            max = Math.max(max, v);
        }
        if (max == Double.NEGATIVE_INFINITY) {
            return max;
        }
        double sum = 0;
        for (double v : values) {
            sum += StrictMath.exp(v - max);
        }
        return max + StrictMath.log(sum);
    }

    /**
     * A one-dimensional Parzen estimator on [0, 1]: truncated Gaussian kernels at the points with equal
     * weights, and a prior kernel (mean 0.5, sigma 1) of weight {@code priorWeight}. A kernel's sigma is
     * the larger distance to its neighbours (among the points, the prior mean and the bounds), clipped to
     * [1 / min(100, n + 1), 1], as Optuna's "magic clip".
     */
    static final class Parzen {
        private final double[] mus;
        private final double[] sigmas;
        private final double[] logWeights;
        private final double[] logMass;
        /** Per component: −log σ − log √(2π) − log(mass inside [0, 1]), the part of its log density that does not depend on x. */
        private final double[] logNormaliser;
        private final double[] inverseSigma;
        private final double[] lowCdf;
        private final double[] highCdf;

        private Parzen(double[] mus, double[] sigmas, double[] weights) {
            this.mus = mus;
            this.sigmas = sigmas;
            int m = mus.length;
            logWeights = new double[m];
            logMass = new double[m];
            logNormaliser = new double[m];
            inverseSigma = new double[m];
            lowCdf = new double[m];
            highCdf = new double[m];
            double total = Arrays.stream(weights).sum();
            for (int i = 0; i < m; i++) {
                logWeights[i] = StrictMath.log(weights[i] / total);
                lowCdf[i] = phi((0 - mus[i]) / sigmas[i]);
                highCdf[i] = phi((1 - mus[i]) / sigmas[i]);
                logMass[i] = StrictMath.log(Math.max(highCdf[i] - lowCdf[i], 1e-300));
                logNormaliser[i] = -LOG_SQRT_2PI - StrictMath.log(sigmas[i]) - logMass[i];
                inverseSigma[i] = 1 / sigmas[i];
            }
        }

        /** Points first, then the prior as the last component. */
        static Parzen of(double[] points, double priorWeight) {
            int n = points.length;
            double[] mus = Arrays.copyOf(points, n + 1);
            mus[n] = 0.5;
            double[] weights = new double[n + 1];
            Arrays.fill(weights, 0, n, 1.0);
            weights[n] = priorWeight;
            double[] sigmas = new double[n + 1];
            double[] order = mus.clone();
            Arrays.sort(order);
            double minSigma = 1.0 / Math.min(100, n + 1);
            for (int i = 0; i < n; i++) {
                int at = Arrays.binarySearch(order, mus[i]);
                double left = at > 0 ? mus[i] - order[at - 1] : mus[i];
                double right = at < order.length - 1 ? order[at + 1] - mus[i] : 1 - mus[i];
                sigmas[i] = Math.min(Math.max(Math.max(left, right), minSigma), 1.0);
            }
            sigmas[n] = 1.0;
            return new Parzen(mus, sigmas, weights);
        }

        /** Points with these weights first, then the prior. */
        static Parzen of(double[] points, double[] pointWeights, double priorWeight) {
            Parzen equal = of(points, priorWeight);
            double[] weights = Arrays.copyOf(pointWeights, points.length + 1);
            weights[points.length] = priorWeight;
            return new Parzen(equal.mus, equal.sigmas, weights);
        }

        /** A component drawn in proportion to these weights, the prior last. */
        static int drawComponent(double[] weights, double priorWeight, RandomGenerator random) {
            double r = random.nextDouble() * (Arrays.stream(weights).sum() + priorWeight);
            for (int i = 0; i < weights.length; i++) {
                if ((r -= weights[i]) < 0) {
                    return i;
                }
            }
            return weights.length;
        }

        static int drawComponent(int points, double priorWeight, RandomGenerator random) {
            double r = random.nextDouble() * (points + priorWeight);
            return r < points ? (int) r : points;
        }

        double sample(RandomGenerator random) {
            double total = 0;
            double[] w = new double[mus.length];
            for (int i = 0; i < mus.length; i++) {
                w[i] = StrictMath.exp(logWeights[i]);
                total += w[i];
            }
            double r = random.nextDouble() * total;
            int i = 0;
            while (i < mus.length - 1 && (r -= w[i]) >= 0) {
                i++;
            }
            return sampleComponent(i, random);
        }

        /** A draw from component i, truncated to [0, 1], by inverting its CDF. */
        double sampleComponent(int i, RandomGenerator random) {
            double p = lowCdf[i] + random.nextDouble() * (highCdf[i] - lowCdf[i]);
            p = Math.min(Math.max(p, 1e-300), 1 - 1e-16);
            double x = mus[i] + sigmas[i] * SQRT2 * Erf.erfInv(2 * p - 1);
            return Math.min(Math.max(x, 0), 1);
        }

        /** log of component i's truncated density at x, without its weight. */
        double logKernel(int i, double x) {
            double z = (x - mus[i]) * inverseSigma[i];
            return -0.5 * z * z + logNormaliser[i];
        }

        double logDensity(double x) {
            // log Σ w_i k_i(x), computed around the largest term so that no exp underflows to a zero sum.
            double[] terms = new double[mus.length];
            double max = Double.NEGATIVE_INFINITY;
            for (int i = 0; i < mus.length; i++) {
                terms[i] = logWeights[i] + logKernel(i, x);
                max = Math.max(max, terms[i]);
            }
            double sum = 0;
            for (double t : terms) {
                // Terms 40 nats below the largest add less than 1e-17 of it.
                if (t > max - 40) {
                    sum += StrictMath.exp(t - max);
                }
            }
            return max + StrictMath.log(sum);
        }

        private static double phi(double z) {
            return 0.5 * Erf.erfc(-z / SQRT2);
        }
    }
}
