package io.tunelog.suggestion.search;

import io.tunelog.domain.spec.Options;

import io.tunelog.domain.spec.ExperimentSpec;
import io.tunelog.domain.spec.SpecException;
import io.tunelog.domain.spec.ParamDomain;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import org.apache.commons.math3.random.RandomGenerator;
import org.apache.commons.math3.random.SobolSequenceGenerator;

/**
 * Bayesian optimisation with a Gaussian process and log expected improvement.
 *
 * <ul>
 * <li>The first {@code startupTrials} (default 10) trials, imported observations of a warm start counted among them,
 * and any trial while fewer than two have a
 * loss, take the scrambled Sobol point of their index, as {@link SobolSearcher} would.</li>
 * <li>Inputs: the unit cube of {@link UnitSpace}; a numeric parameter is its coordinate, a categorical
 * one a one-hot block; an inactive numeric parameter sits at 0.5 and an inactive categorical one has
 * an all-zero block.</li>
 * <li>Outputs: the losses are min-max scaled, shifted by 0.01, Box-Cox transformed with the power
 * (from -1 to 2 in steps of 0.1) that makes them most normal by maximum likelihood, and standardized.
 * Heavy-tailed losses (Rosenbrock's, a diverging run's) get a log-like warp that keeps the good region
 * resolved; well-behaved ones stay nearly linear. Lower is better throughout.</li>
 * <li>{@link GaussianProcess}: Matérn-5/2, ARD, hyperparameters by maximum marginal likelihood with
 * priors. When more than {@code maxObservations} (default 300) losses exist, the model sees the best
 * half of that many and the most recent others; the hyperparameters are fitted on at most
 * {@value #FIT_POINTS} of those, chosen the same way, which bounds a suggestion's cost.</li>
 * <li>Pending configurations (running trials, earlier suggestions of the same decision) join as
 * "kriging believer" observations at the posterior mean, and count for the incumbent, so that the
 * acquisition is flat at them and concurrent workers get different points.</li>
 * <li>Acquisition: {@link LogEi} over {@code candidates} (default 2000) points, half a scrambled Sobol
 * design and half perturbations of the best observed points, then a pattern search over the
 * continuous coordinates from the best three. Every point is evaluated as the configuration it maps to
 * (integers and categories snapped, conditions applied), so the suggestion is what the model scored.</li>
 * <li>Several objectives or constraints: {@link Parego}'s scalarisation, a fresh random weighting of the
 * objectives for every suggestion, infeasible trials penalised; the model then runs as for one loss.</li>
 * </ul>
 *
 * Deterministic: the only randomness is the request's generator, drawn in a fixed order.
 */
public final class GpSearcher implements Searcher {
    static final int FIT_POINTS = 100;
    private static final int REFINE_STARTS = 3;
    private static final int TOP_CENTRES = 5;

    /** The searcher's options, validated: an unknown option or a bad value names {@code searcher.<option>}. */
    record Settings(int startupTrials, int maxObservations, int candidates) {
        static Settings of(ExperimentSpec spec) {
            Options options = Options.of(spec.searcher());
            Settings settings = new Settings(options.positiveInt("startupTrials", 10),
                    options.positiveInt("maxObservations", 300), options.positiveInt("candidates", 2000));
            options.refuseUnknown();
            if (settings.maxObservations() < 10) {
                throw new SpecException("searcher.maxObservations", "expected at least 10 for the gp searcher, found " + settings.maxObservations());
            }
            if (settings.candidates() < 10) {
                throw new SpecException("searcher.candidates", "expected at least 10 for the gp searcher, found " + settings.candidates());
            }
            return settings;
        }
    }

    @Override
    public void check(ExperimentSpec spec) {
        Settings.of(spec);
    }

    @Override
    public Map<String, Object> suggest(SuggestionRequest request) {
        Settings options = Settings.of(request.spec());
        UnitSpace space = new UnitSpace(request.spec().searchSpace());
        int dims = space.dimensions();
        History history = request.history();
        List<History.Observation> observations = history.observations();
        // Imported observations (warmStart) count as trials already run, as Optuna counts trials added to a study.
        if (request.index() + request.state().imported().size() < options.startupTrials() || observations.size() < 2) {
            return space.config(SobolSearcher.point(dims, request.index(), request.spec().seed()));
        }
        if (request.spec().beyondOneMetric()) {
            observations = Parego.scalarise(observations, request.random());
        }
        Encoder encoder = new Encoder(space);

        // Training data: a deterministic subset when there are too many.
        List<Integer> chosen = subset(observations, options.maxObservations());
        int n = chosen.size();
        double[][] units = new double[n][];
        double[][] x = new double[n][];
        double[] loss = new double[n];
        for (int i = 0; i < n; i++) {
            History.Observation o = observations.get(chosen.get(i));
            units[i] = space.unit(o.config());
            x[i] = encoder.features(units[i]);
            loss[i] = o.loss();
        }
        double[] y = warp(loss);

        // Hyperparameters on at most FIT_POINTS of them.
        double[] theta;
        if (n <= FIT_POINTS) {
            theta = GaussianProcess.fit(x, y);
        } else {
            List<History.Observation> training = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                training.add(new History.Observation(Map.of(), y[i]));
            }
            List<Integer> fitIdx = subset(training, FIT_POINTS);
            double[][] fx = new double[fitIdx.size()][];
            double[] fy = new double[fitIdx.size()];
            for (int i = 0; i < fitIdx.size(); i++) {
                fx[i] = x[fitIdx.get(i)];
                fy[i] = y[fitIdx.get(i)];
            }
            theta = GaussianProcess.fit(fx, fy);
        }
        GaussianProcess gp = model(x, y, theta);
        double incumbent = Arrays.stream(y).min().orElse(0);

        // Pending configurations as kriging believers.
        List<Map<String, Object>> pending = history.pending();
        if (!pending.isEmpty()) {
            double[][] xa = Arrays.copyOf(x, n + pending.size());
            double[] ya = Arrays.copyOf(y, n + pending.size());
            for (int i = 0; i < pending.size(); i++) {
                xa[n + i] = encoder.features(space.unit(pending.get(i)));
                ya[n + i] = gp.predict(xa[n + i])[0];
                incumbent = Math.min(incumbent, ya[n + i]);
            }
            gp = model(xa, ya, theta);
        }

        Acquisition acquisition = new Acquisition(space, encoder, gp, incumbent);
        RandomGenerator random = request.random();
        double[][] candidates = candidates(dims, options.candidates(), units, y, random, space);
        double[] scores = acquisition.values(candidates);
        Integer[] order = new Integer[candidates.length];
        for (int c = 0; c < order.length; c++) {
            order[c] = c;
        }
        Arrays.sort(order, Comparator.comparingDouble((Integer c) -> -scores[c]).thenComparingInt(c -> c));
        double[] best = candidates[order[0]];
        double bestScore = scores[order[0]];
        for (int k = 0; k < Math.min(REFINE_STARTS, order.length); k++) {
            double[] start = candidates[order[k]];
            double[] refined = acquisition.refine(start, scores[order[k]]);
            double score = acquisition.value(refined);
            if (score > bestScore) {
                bestScore = score;
                best = refined;
            }
        }
        return space.config(best);
    }

    /**
     * The model with these hyperparameters; should round-off make the covariance indefinite (many
     * repeated points with tiny noise), the noise is raised tenfold until it is not.
     */
    private static GaussianProcess model(double[][] x, double[] y, double[] theta) {
        double[] t = theta.clone();
        for (int attempt = 0; ; attempt++) {
            try {
                return new GaussianProcess(x, y, t);
            } catch (ArithmeticException e) {
                if (attempt == 6) {
                    throw e;
                }
                t[t.length - 1] += StrictMath.log(10);
            }
        }
    }

    /**
     * Indices (ascending) of at most {@code max} observations: the best half by loss (ties to the
     * earlier), then the most recent of the others.
     */
    static List<Integer> subset(List<History.Observation> observations, int max) {
        int n = observations.size();
        List<Integer> all = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            all.add(i);
        }
        if (n <= max) {
            return all;
        }
        List<Integer> byLoss = new ArrayList<>(all);
        byLoss.sort(Comparator.comparingDouble((Integer i) -> observations.get(i).loss()).thenComparingInt(i -> i));
        boolean[] taken = new boolean[n];
        for (int k = 0; k < max / 2; k++) {
            taken[byLoss.get(k)] = true;
        }
        int count = max / 2;
        for (int i = n - 1; i >= 0 && count < max; i--) {
            if (!taken[i]) {
                taken[i] = true;
                count++;
            }
        }
        List<Integer> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            if (taken[i]) {
                out.add(i);
            }
        }
        return out;
    }

    /** Min-max scale, shift by 0.01, Box-Cox with the maximum-likelihood power, standardize. */
    static double[] warp(double[] loss) {
        int n = loss.length;
        double min = Double.POSITIVE_INFINITY;
        double max = Double.NEGATIVE_INFINITY;
        for (double v : loss) {
            min = Math.min(min, v);
            max = Math.max(max, v);
        }
        if (!(max > min)) {
            return new double[n];
        }
        double[] z = new double[n];
        double sumLog = 0;
        for (int i = 0; i < n; i++) {
            z[i] = (loss[i] - min) / (max - min) + 0.01;
            sumLog += StrictMath.log(z[i]);
        }
        double bestLambda = 1;
        double bestLl = Double.NEGATIVE_INFINITY;
        for (int k = -10; k <= 20; k++) {
            double lambda = k / 10.0;
            double[] g = boxCox(z, lambda);
            double var = variance(g);
            double ll = -0.5 * n * StrictMath.log(var) + (lambda - 1) * sumLog;
            if (ll > bestLl) {
                bestLl = ll;
                bestLambda = lambda;
            }
        }
        double[] g = boxCox(z, bestLambda);
        double mean = 0;
        for (double v : g) {
            mean += v;
        }
        mean /= n;
        double sd = Math.sqrt(variance(g));
        for (int i = 0; i < n; i++) {
            g[i] = (g[i] - mean) / sd;
        }
        return g;
    }

    private static double[] boxCox(double[] z, double lambda) {
        double[] g = new double[z.length];
        for (int i = 0; i < z.length; i++) {
            g[i] = Math.abs(lambda) < 1e-9 ? StrictMath.log(z[i]) : (StrictMath.pow(z[i], lambda) - 1) / lambda;
        }
        return g;
    }

    private static double variance(double[] g) {
        double mean = 0;
        for (double v : g) {
            mean += v;
        }
        mean /= g.length;
        double s = 0;
        for (double v : g) {
            s += (v - mean) * (v - mean);
        }
        return Math.max(s / g.length, 1e-300);
    }

    /** Half a scrambled Sobol design, half perturbations of the best observed points. */
    private static double[][] candidates(int dims, int count, double[][] units, double[] y, RandomGenerator random,
                                         UnitSpace space) {
        double[][] out = new double[count][];
        int global = (count + 1) / 2;
        if (dims <= SobolSearcher.MAX_DIMENSIONS) {
            SobolSequenceGenerator sobol = new SobolSequenceGenerator(dims);
            long[] masks = new long[dims];
            for (int d = 0; d < dims; d++) {
                masks[d] = random.nextLong() & ((1L << 52) - 1);
            }
            for (int c = 0; c < global; c++) {
                double[] u = sobol.nextVector();
                for (int d = 0; d < dims; d++) {
                    long bits = (long) (u[d] * (1L << 52));
                    u[d] = ((bits ^ masks[d]) + 0.5) / (1L << 52);
                }
                out[c] = u;
            }
        } else {
            for (int c = 0; c < global; c++) {
                out[c] = uniform(dims, random);
            }
        }
        Integer[] order = new Integer[y.length];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        Arrays.sort(order, Comparator.comparingDouble((Integer i) -> y[i]).thenComparingInt(i -> i));
        int centres = Math.min(TOP_CENTRES, order.length);
        double[] scales = {0.01, 0.05, 0.15};
        double perturbProbability = Math.min(1.0, 2.0 / dims);
        for (int c = global; c < count; c++) {
            int k = c - global;
            double[] centre = units[order[k % centres]];
            double sd = scales[(k / centres) % scales.length];
            double[] u = new double[dims];
            int forced = random.nextInt(dims);
            for (int d = 0; d < dims; d++) {
                double v = Double.isNaN(centre[d]) ? random.nextDouble() : centre[d];
                boolean perturb = d == forced || random.nextDouble() < perturbProbability;
                if (perturb) {
                    if (space.categories(d) > 0) {
                        v = random.nextDouble();
                    } else {
                        v = reflect(v + sd * random.nextGaussian());
                    }
                }
                u[d] = v;
            }
            out[c] = u;
        }
        return out;
    }

    private static double[] uniform(int dims, RandomGenerator random) {
        double[] u = new double[dims];
        for (int d = 0; d < dims; d++) {
            u[d] = random.nextDouble();
        }
        return u;
    }

    private static double reflect(double v) {
        for (int i = 0; i < 4 && (v < 0 || v > 1); i++) {
            v = v < 0 ? -v : 2 - v;
        }
        return Math.min(Math.max(v, 0), 1);
    }

    /** Model inputs from unit coordinates: numeric as is (0.5 when inactive), categorical one-hot. */
    static final class Encoder {
        private final int[] categories;
        private final int width;

        Encoder(UnitSpace space) {
            categories = new int[space.dimensions()];
            int w = 0;
            for (int d = 0; d < categories.length; d++) {
                categories[d] = space.categories(d);
                w += categories[d] > 0 ? categories[d] : 1;
            }
            width = w;
        }

        double[] features(double[] unit) {
            double[] f = new double[width];
            int col = 0;
            for (int d = 0; d < categories.length; d++) {
                int k = categories[d];
                double u = unit[d];
                if (k == 0) {
                    f[col++] = Double.isNaN(u) ? 0.5 : u;
                } else {
                    if (!Double.isNaN(u)) {
                        f[col + Math.min((int) Math.floor(u * k), k - 1)] = 1;
                    }
                    col += k;
                }
            }
            return f;
        }
    }

    /** log EI of the configuration a unit point maps to, and a pattern search over continuous coordinates. */
    static final class Acquisition {
        private static final int BLOCK = 256;
        private final UnitSpace space;
        private final Encoder encoder;
        private final GaussianProcess gp;
        private final double incumbent;
        private final boolean[] continuous;

        Acquisition(UnitSpace space, Encoder encoder, GaussianProcess gp, double incumbent) {
            this.space = space;
            this.encoder = encoder;
            this.gp = gp;
            this.incumbent = incumbent;
            continuous = new boolean[space.dimensions()];
            for (int d = 0; d < continuous.length; d++) {
                ParamDomain domain = space.domain(d);
                continuous[d] = (domain instanceof ParamDomain.Uniform r && r.q() == 0)
                        || (domain instanceof ParamDomain.Normal nd && nd.q() == 0);
            }
        }

        double value(double[] u) {
            return values(new double[][] {u})[0];
        }

        /** log EI at many points, predicted in blocks. */
        double[] values(double[][] us) {
            double[] out = new double[us.length];
            for (int from = 0; from < us.length; from += BLOCK) {
                int to = Math.min(us.length, from + BLOCK);
                double[][] features = new double[to - from][];
                for (int c = from; c < to; c++) {
                    features[c - from] = encoder.features(space.unit(space.config(us[c])));
                }
                double[][] prediction = gp.predictAll(features);
                for (int c = from; c < to; c++) {
                    out[c] = LogEi.logEi(prediction[0][c - from], Math.sqrt(prediction[1][c - from]), incumbent);
                }
            }
            return out;
        }

        /**
         * Pattern search: score the moves of +-step along every active continuous coordinate at once,
         * take the best if it improves, else halve the step; from 0.05 down to 0.001.
         */
        double[] refine(double[] start, double startValue) {
            double[] u = start.clone();
            double value = startValue;
            boolean[] active = space.active(space.config(u));
            List<Integer> free = new ArrayList<>();
            for (int d = 0; d < u.length; d++) {
                if (continuous[d] && active[d]) {
                    free.add(d);
                }
            }
            if (free.isEmpty()) {
                return u;
            }
            double step = 0.05;
            for (int iteration = 0; iteration < 25 && step > 1e-3; iteration++) {
                double[][] moves = new double[2 * free.size()][];
                for (int k = 0; k < free.size(); k++) {
                    int d = free.get(k);
                    for (int side = 0; side < 2; side++) {
                        double[] moved = u.clone();
                        moved[d] = Math.min(Math.max(u[d] + (side == 0 ? -step : step), 0), 1);
                        moves[2 * k + side] = moved;
                    }
                }
                double[] scores = values(moves);
                int best = -1;
                for (int k = 0; k < scores.length; k++) {
                    if (scores[k] > value) {
                        value = scores[k];
                        best = k;
                    }
                }
                if (best < 0) {
                    step /= 2;
                } else {
                    u = moves[best];
                }
            }
            return u;
        }
    }
}
