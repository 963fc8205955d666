package io.tunelog.suggestion.search;

import io.tunelog.domain.spec.Options;

import io.tunelog.domain.spec.ExperimentSpec;
import io.tunelog.domain.spec.Mode;
import io.tunelog.domain.spec.SpecException;
import io.tunelog.domain.state.TrialState;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.commons.math3.linear.ArrayRealVector;
import org.apache.commons.math3.linear.EigenDecomposition;
import org.apache.commons.math3.linear.MatrixUtils;
import org.apache.commons.math3.linear.RealMatrix;
import org.apache.commons.math3.linear.RealVector;

/**
 * CMA-ES (Hansen's (μ/μ_w, λ) evolution strategy with cumulative step-size adaptation, rank-one and
 * rank-μ covariance updates), ask-and-tell, in the unit cube.
 *
 * <p>Stateless, like every searcher: trial i belongs to generation i / λ, and the distribution it is
 * drawn from is rebuilt at each suggestion by telling, in order, every generation whose trials have all
 * ended, with the coordinates the trials actually ran (clamped and snapped values are "injected
 * solutions", which CMA-ES tolerates). A generation not yet finished stops the rebuild, so a trial of a
 * later generation is drawn from the newest distribution the log supports. Failed trials rank last.
 * Categorical parameters ride along as coordinates (CMA-ES is for numeric spaces).
 *
 * <p>Options: {@code populationSize} (4 + ⌊3 ln n⌋), {@code sigma0} (0.3 of the unit cube).
 */
public final class CmaEsSearcher implements Searcher {

    private record Settings(int lambda, double sigma0) {
        static Settings of(ExperimentSpec spec) {
            Options options = Options.of(spec.searcher());
            int n = spec.searchSpace().params().size();
            int lambda = options.positiveInt("populationSize", 4 + (int) Math.floor(3 * StrictMath.log(n)));
            if (lambda < 2) {
                throw new SpecException("searcher.populationSize", "expected at least 2 for the cmaes searcher, found " + lambda);
            }
            Settings settings = new Settings(lambda, options.fraction("sigma0", 0.3));
            options.refuseUnknown();
            return settings;
        }
    }

    @Override
    public void check(ExperimentSpec spec) {
        Searchers.requireOneObjective(spec);
        Settings.of(spec);
    }

    @Override
    public Map<String, Object> suggest(SuggestionRequest request) {
        Settings settings = Settings.of(request.spec());
        UnitSpace space = new UnitSpace(request.spec().searchSpace());
        int n = space.dimensions();
        int lambda = settings.lambda();
        double sigma0 = settings.sigma0();
        Strategy strategy = new Strategy(n, lambda, sigma0);
        List<TrialState> trials = new ArrayList<>(request.state().trials());
        String metric = request.spec().metric().name();
        boolean max = request.spec().metric().mode() == Mode.MAX;
        int maxFailures = request.spec().trial().maxFailures();
        for (int generation = 0; (generation + 1) * lambda <= Math.min(trials.size(), request.index()); generation++) {
            List<TrialState> members = trials.subList(generation * lambda, (generation + 1) * lambda);
            if (members.stream().anyMatch(t -> !t.isTerminal(maxFailures))) {
                break;
            }
            List<double[]> xs = new ArrayList<>();
            List<Double> losses = new ArrayList<>();
            for (TrialState t : members) {
                double[] u = space.unit(t.config());
                for (int d = 0; d < n; d++) {
                    if (Double.isNaN(u[d])) {
                        u[d] = strategy.mean.getEntry(d);
                    }
                }
                xs.add(u);
                Optional<Double> v = t.lastValue(metric).filter(Double::isFinite);
                losses.add(v.isEmpty() ? Double.POSITIVE_INFINITY : max ? -v.get() : v.get());
            }
            strategy.tell(xs, losses);
        }
        double[] z = new double[n];
        for (int d = 0; d < n; d++) {
            z[d] = request.random().nextGaussian();
        }
        double[] x = strategy.sample(z);
        for (int d = 0; d < n; d++) {
            x[d] = reflect(x[d]);
        }
        return space.config(x);
    }

    private static double reflect(double v) {
        v = Math.abs(v) % 2;
        return v > 1 ? 2 - v : v;
    }

    /** The search distribution and its evolution paths, with the constants of Hansen's tutorial (2016). */
    static final class Strategy {
        private final int n;
        private final int mu;
        private final double[] weights;
        private final double muEff;
        private final double cSigma;
        private final double dSigma;
        private final double cC;
        private final double c1;
        private final double cMu;
        private final double chiN;
        RealVector mean;
        double sigma;
        private RealMatrix c;
        private RealVector pSigma;
        private RealVector pC;
        private RealMatrix b;
        private double[] d;
        private int generation;

        Strategy(int n, int lambda, double sigma0) {
            this.n = n;
            this.mu = lambda / 2;
            double[] w = new double[mu];
            double sum = 0;
            for (int i = 0; i < mu; i++) {
                w[i] = StrictMath.log((lambda + 1) / 2.0) - StrictMath.log(i + 1);
                sum += w[i];
            }
            double squares = 0;
            for (int i = 0; i < mu; i++) {
                w[i] /= sum;
                squares += w[i] * w[i];
            }
            this.weights = w;
            this.muEff = 1 / squares;
            this.cSigma = (muEff + 2) / (n + muEff + 5);
            this.dSigma = 1 + 2 * Math.max(0, Math.sqrt((muEff - 1) / (n + 1)) - 1) + cSigma;
            this.cC = (4 + muEff / n) / (n + 4 + 2 * muEff / n);
            this.c1 = 2 / ((n + 1.3) * (n + 1.3) + muEff);
            this.cMu = Math.min(1 - c1, 2 * (muEff - 2 + 1 / muEff) / ((n + 2) * (n + 2) + muEff));
            this.chiN = Math.sqrt(n) * (1 - 1.0 / (4 * n) + 1.0 / (21.0 * n * n));
            this.mean = new ArrayRealVector(n, 0.5);
            this.sigma = sigma0;
            this.c = MatrixUtils.createRealIdentityMatrix(n);
            this.pSigma = new ArrayRealVector(n);
            this.pC = new ArrayRealVector(n);
            decompose();
        }

        /** x = m + σ·B·D·z. */
        double[] sample(double[] z) {
            double[] scaled = new double[n];
            for (int i = 0; i < n; i++) {
                scaled[i] = d[i] * z[i];
            }
            return mean.add(b.operate(new ArrayRealVector(scaled, false)).mapMultiply(sigma)).toArray();
        }

        /** One generation's points and losses (lower is better). */
        void tell(List<double[]> xs, List<Double> losses) {
            Integer[] order = new Integer[xs.size()];
            for (int i = 0; i < order.length; i++) {
                order[i] = i;
            }
            java.util.Arrays.sort(order, Comparator.comparingDouble((Integer i) -> losses.get(i)).thenComparingInt(i -> i));
            RealVector[] y = new RealVector[mu];
            RealVector yW = new ArrayRealVector(n);
            for (int i = 0; i < mu; i++) {
                y[i] = new ArrayRealVector(xs.get(order[i])).subtract(mean).mapDivide(sigma);
                yW = yW.add(y[i].mapMultiply(weights[i]));
            }
            mean = mean.add(yW.mapMultiply(sigma));
            // C^{-1/2} y_w = B D^{-1} Bᵀ y_w
            RealVector bty = b.transpose().operate(yW);
            for (int i = 0; i < n; i++) {
                bty.setEntry(i, bty.getEntry(i) / d[i]);
            }
            RealVector invSqrtY = b.operate(bty);
            pSigma = pSigma.mapMultiply(1 - cSigma).add(invSqrtY.mapMultiply(Math.sqrt(cSigma * (2 - cSigma) * muEff)));
            generation++;
            double pSigmaNorm = pSigma.getNorm();
            boolean hSigma = pSigmaNorm / Math.sqrt(1 - StrictMath.pow(1 - cSigma, 2.0 * generation)) < (1.4 + 2.0 / (n + 1)) * chiN;
            pC = pC.mapMultiply(1 - cC);
            if (hSigma) {
                pC = pC.add(yW.mapMultiply(Math.sqrt(cC * (2 - cC) * muEff)));
            }
            RealMatrix rankMu = MatrixUtils.createRealMatrix(n, n);
            for (int i = 0; i < mu; i++) {
                rankMu = rankMu.add(y[i].outerProduct(y[i]).scalarMultiply(weights[i]));
            }
            double keep = 1 - c1 - cMu + (hSigma ? 0 : c1 * cC * (2 - cC));
            c = c.scalarMultiply(keep).add(pC.outerProduct(pC).scalarMultiply(c1)).add(rankMu.scalarMultiply(cMu));
            sigma = Math.min(Math.max(sigma * StrictMath.exp((cSigma / dSigma) * (pSigmaNorm / chiN - 1)), 1e-10), 1.0);
            decompose();
        }

        private void decompose() {
            // Symmetrise against rounding, then C = B·D²·Bᵀ.
            c = c.add(c.transpose()).scalarMultiply(0.5);
            EigenDecomposition eigen = new EigenDecomposition(c);
            b = eigen.getV();
            double[] values = eigen.getRealEigenvalues();
            d = new double[n];
            for (int i = 0; i < n; i++) {
                d[i] = Math.sqrt(Math.max(values[i], 1e-20));
            }
        }
    }
}
