package io.tunelog.suggestion.search;

import io.tunelog.domain.spec.ExperimentSpec;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import org.apache.commons.math3.distribution.NormalDistribution;
import org.apache.commons.math3.random.RandomGenerator;

/**
 * Gaussian-process Bayesian optimisation: a Matérn-5/2 ARD process ({@link GaussianProcess}) on the
 * unit cube, categorical parameters one-hot, maximising log expected improvement.
 *
 * <ul>
 *   <li>The first {@code startupTrials} (10) trials are scrambled Sobol points.</li>
 *   <li>Losses are standardised; with {@code warp: log} they are first taken as log(loss − min + ε),
 *       for heavy-tailed objectives (Rosenbrock's values span six decades), where a plain model is
 *       flattened near the optimum by the largest values. (Measured in load-tests: log helps there and
 *       hurts on Branin and Hartmann6; a rank-based Gaussian copula was worse on all five.)</li>
 *   <li>Past {@code maxObservations} (150) the model is fitted on the best half and the most recent half,
 *       so that a suggestion's cost stays bounded as the experiment grows.</li>
 *   <li>Pending configurations (running trials, and earlier suggestions of the same decision) join the
 *       model with the value it predicts for them (the "kriging believer"), which removes the
 *       uncertainty there: concurrent workers get different points.</li>
 *   <li>The acquisition is maximised over {@code candidates} (1000) random points and Gaussian steps
 *       around the best trials, then refined by shrinking steps around the best few.</li>
 * </ul>
 */
public final class GpSearcher implements Searcher {
    private static final NormalDistribution STANDARD_NORMAL = new NormalDistribution(null, 0, 1);

    private record Settings(int startup, int maxObservations, int candidates, int fitSteps, boolean logWarp) {
        static Settings of(ExperimentSpec spec) {
            Options options = new Options("gp", spec.searcher().options());
            Settings settings = new Settings(options.positiveInt("startupTrials", 10), options.positiveInt("maxObservations", 150),
                    options.positiveInt("candidates", 1000), options.positiveInt("fitSteps", 60),
                    options.choice("warp", List.of("none", "log"), "none").equals("log"));
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
        int startup = settings.startup();
        int maxObservations = settings.maxObservations();
        int candidates = settings.candidates();
        int fitSteps = settings.fitSteps();
        boolean logWarp = settings.logWarp();
        UnitSpace space = new UnitSpace(request.spec().searchSpace());
        History history = request.history();
        if (history.observations().size() < startup) {
            return space.config(SobolSearcher.point(space.dimensions(), request.index(), request.spec().seed()));
        }
        List<History.Observation> used = subset(history.observations(), maxObservations);
        double[][] x = new double[used.size()][];
        double[] losses = new double[used.size()];
        for (int i = 0; i < used.size(); i++) {
            x[i] = features(space, space.unit(used.get(i).config()));
            losses[i] = used.get(i).loss();
        }
        double[] y = standardised(logWarp ? logWarp(losses) : losses);
        GaussianProcess gp = GaussianProcess.fit(x, y, fitSteps);
        double incumbent = Double.POSITIVE_INFINITY;
        for (double v : y) {
            incumbent = Math.min(incumbent, v);
        }
        if (!history.pending().isEmpty()) {
            double[][] px = new double[history.pending().size()][];
            double[] py = new double[px.length];
            for (int i = 0; i < px.length; i++) {
                px[i] = features(space, space.unit(history.pending().get(i)));
                py[i] = gp.predict(px[i])[0];
            }
            gp = gp.with(px, py);
        }
        return space.config(maximise(space, gp, incumbent, used, candidates, request.random()));
    }

    /** The best half and the most recent half, in creation order, when there are more than {@code max}. */
    private static List<History.Observation> subset(List<History.Observation> all, int max) {
        if (all.size() <= max) {
            return all;
        }
        List<Integer> order = new ArrayList<>();
        for (int i = 0; i < all.size(); i++) {
            order.add(i);
        }
        order.sort(Comparator.comparingDouble((Integer i) -> all.get(i).loss()).thenComparingInt(i -> i));
        boolean[] keep = new boolean[all.size()];
        for (int i = 0; i < max / 2; i++) {
            keep[order.get(i)] = true;
        }
        int kept = max / 2;
        for (int i = all.size() - 1; i >= 0 && kept < max; i--) {
            if (!keep[i]) {
                keep[i] = true;
                kept++;
            }
        }
        List<History.Observation> out = new ArrayList<>();
        for (int i = 0; i < all.size(); i++) {
            if (keep[i]) {
                out.add(all.get(i));
            }
        }
        return out;
    }

    /** log(loss − min + 0.1% of the range): heavy tails (Rosenbrock spans six decades) stop flattening the model near its optimum. */
    static double[] logWarp(double[] losses) {
        double min = java.util.Arrays.stream(losses).min().orElse(0);
        double range = java.util.Arrays.stream(losses).max().orElse(1) - min;
        return java.util.Arrays.stream(losses).map(v -> Math.log(v - min + 1e-3 * range + 1e-12)).toArray();
    }

    static double[] standardised(double[] v) {
        double mean = java.util.Arrays.stream(v).average().orElse(0);
        double sd = Math.sqrt(java.util.Arrays.stream(v).map(a -> (a - mean) * (a - mean)).average().orElse(1));
        return java.util.Arrays.stream(v).map(a -> (a - mean) / (sd > 0 ? sd : 1)).toArray();
    }

    /** Numeric coordinates as they are (inactive ones at the middle), categorical ones one-hot. */
    static double[] features(UnitSpace space, double[] u) {
        List<Double> f = new ArrayList<>();
        for (int d = 0; d < space.dimensions(); d++) {
            int k = space.categories(d);
            if (k == 0) {
                f.add(Double.isNaN(u[d]) ? 0.5 : u[d]);
            } else {
                int category = Double.isNaN(u[d]) ? -1 : Math.min((int) (u[d] * k), k - 1);
                for (int c = 0; c < k; c++) {
                    f.add(c == category ? 1.0 : 0.0);
                }
            }
        }
        return f.stream().mapToDouble(Double::doubleValue).toArray();
    }

    private static double[] maximise(UnitSpace space, GaussianProcess gp, double incumbent, List<History.Observation> used,
                                     int candidates, RandomGenerator random) {
        int dims = space.dimensions();
        // Start points: the best trials; then random points and steps around the starts.
        List<double[]> starts = new ArrayList<>();
        List<History.Observation> best = new ArrayList<>(used);
        best.sort(Comparator.comparingDouble(History.Observation::loss));
        for (int i = 0; i < Math.min(5, best.size()); i++) {
            starts.add(fill(space.unit(best.get(i).config()), random));
        }
        List<double[]> pool = new ArrayList<>();
        List<Double> scores = new ArrayList<>();
        for (int c = 0; c < candidates; c++) {
            double[] u = new double[dims];
            if (c % 2 == 0 || starts.isEmpty()) {
                for (int d = 0; d < dims; d++) {
                    u[d] = random.nextDouble();
                }
            } else {
                double[] around = starts.get((c / 2) % starts.size());
                double scale = c % 4 == 1 ? 0.05 : 0.2;
                for (int d = 0; d < dims; d++) {
                    u[d] = space.categories(d) > 0 && random.nextDouble() < 0.8 ? around[d]
                            : reflect(around[d] + scale * random.nextGaussian());
                }
            }
            pool.add(u);
            scores.add(logEi(gp, incumbent, features(space, u)));
        }
        // Refine the best few by steps that shrink when they stop helping.
        Integer[] order = new Integer[pool.size()];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        java.util.Arrays.sort(order, (a, b) -> Double.compare(scores.get(b), scores.get(a)));
        double[] bestU = pool.get(order[0]);
        double bestScore = scores.get(order[0]);
        for (int s = 0; s < Math.min(3, order.length); s++) {
            double[] u = pool.get(order[s]).clone();
            double score = scores.get(order[s]);
            double step = 0.05;
            for (int iteration = 0; iteration < 30 && step > 1e-4; iteration++) {
                double[] trial = u.clone();
                for (int d = 0; d < dims; d++) {
                    if (space.categories(d) == 0) {
                        trial[d] = reflect(u[d] + step * random.nextGaussian());
                    }
                }
                double trialScore = logEi(gp, incumbent, features(space, trial));
                if (trialScore > score) {
                    u = trial;
                    score = trialScore;
                } else {
                    step *= 0.7;
                }
            }
            if (score > bestScore) {
                bestScore = score;
                bestU = u;
            }
        }
        return bestU;
    }

    private static double[] fill(double[] u, RandomGenerator random) {
        double[] out = u.clone();
        for (int d = 0; d < out.length; d++) {
            if (Double.isNaN(out[d])) {
                out[d] = random.nextDouble();
            }
        }
        return out;
    }

    private static double reflect(double v) {
        v = Math.abs(v) % 2;
        return v > 1 ? 2 - v : v;
    }

    private static double logEi(GaussianProcess gp, double incumbent, double[] features) {
        double[] prediction = gp.predict(features);
        return logExpectedImprovement(incumbent, prediction[0], prediction[1]);
    }

    /**
     * log EI for minimisation, stable far into the tail (Ament et al. 2023): log σ + log h(z), with
     * z = (best − μ)/σ and h(z) = φ(z) + zΦ(z); below z = −5, h(z) = φ(z)·(1 + z·R(z)) is computed
     * from the asymptotic series of Mills' ratio R(z) = Φ(z)/φ(z), since zΦ(z) cancels φ(z) there.
     */
    static double logExpectedImprovement(double best, double mean, double sd) {
        double z = (best - mean) / sd;
        double logH;
        if (z > -5) {
            logH = Math.log(STANDARD_NORMAL.density(z) + z * STANDARD_NORMAL.cumulativeProbability(z));
        } else {
            double z2 = 1 / (z * z);
            // 1 + z·R(z) = 1/z² − 3/z⁴ + 15/z⁶ − 105/z⁸ + …
            double tail = z2 * (1 - 3 * z2 * (1 - 5 * z2 * (1 - 7 * z2)));
            logH = -0.5 * z * z - 0.5 * Math.log(2 * Math.PI) + Math.log(tail);
        }
        return Math.log(sd) + logH;
    }
}
