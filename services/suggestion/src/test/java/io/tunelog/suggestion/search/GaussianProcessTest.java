package io.tunelog.suggestion.search;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.tunelog.domain.decide.SeededRandom;
import org.apache.commons.math3.distribution.NormalDistribution;
import org.apache.commons.math3.random.RandomGenerator;
import org.junit.jupiter.api.Test;

class GaussianProcessTest {

    private static double[][] points(int n, int p, RandomGenerator random) {
        double[][] x = new double[n][p];
        for (double[] row : x) {
            for (int d = 0; d < p; d++) {
                row[d] = random.nextDouble();
            }
        }
        return x;
    }

    @Test
    void shouldMatchFiniteDifferencesWithTheAnalyticGradient() {
        RandomGenerator random = SeededRandom.forDecision(7, "gp-test");
        double[][] x = points(25, 3, random);
        double[] y = new double[x.length];
        for (int i = 0; i < y.length; i++) {
            y[i] = Math.sin(5 * x[i][0]) + x[i][1] * x[i][1] - 0.3 * x[i][2] + 0.1 * random.nextGaussian();
        }
        double[] theta = {Math.log(0.4), Math.log(0.9), Math.log(2.0), Math.log(1.3), Math.log(0.02)};
        double[] analytic = GaussianProcess.objective(x, y, theta);
        for (int k = 0; k < theta.length; k++) {
            double h = 1e-5;
            double[] plus = theta.clone();
            double[] minus = theta.clone();
            plus[k] += h;
            minus[k] -= h;
            double numeric = (GaussianProcess.objective(x, y, plus)[0] - GaussianProcess.objective(x, y, minus)[0]) / (2 * h);
            assertThat(analytic[k + 1]).as("d/dtheta_%d", k).isCloseTo(numeric, within(1e-5 * Math.max(1, Math.abs(numeric))));
        }
    }

    @Test
    void shouldFitHyperparametersThatInterpolateASmoothFunction() {
        RandomGenerator random = SeededRandom.forDecision(3, "gp-test");
        double[][] x = points(40, 2, random);
        double[] y = new double[x.length];
        for (int i = 0; i < y.length; i++) {
            y[i] = Math.sin(6 * x[i][0]) + 0.1 * x[i][1];
        }
        double[] theta = GaussianProcess.fit(x, y);
        GaussianProcess gp = new GaussianProcess(x, y, theta);

        assertThat(theta[1]).as("the irrelevant input gets the longer length scale").isGreaterThan(theta[0]);
        double[] at = {0.5, 0.5};
        double[] prediction = gp.predict(at);
        assertThat(prediction[0]).isCloseTo(Math.sin(3) + 0.05, within(0.05));
        assertThat(prediction[1]).isPositive();
        assertThat(GaussianProcess.objective(x, y, theta)[0]).isLessThan(GaussianProcess.objective(x, y,
                new double[] {0, 0, 0, Math.log(1e-3)})[0]);
    }

    @Test
    void shouldMatchLogOfExpectedImprovementWhereItIsComputable() {
        NormalDistribution normal = new NormalDistribution(null, 0, 1);
        for (double z = -8; z <= 8; z += 0.25) {
            double h = normal.density(z) + z * normal.cumulativeProbability(z);
            assertThat(LogEi.logH(z)).as("z = %s", z).isCloseTo(Math.log(h), within(1e-6 * Math.max(1, Math.abs(Math.log(h)))));
        }
        double mean = 0.3;
        double sd = 0.2;
        double best = 0.1;
        double z = (best - mean) / sd;
        double ei = (best - mean) * normal.cumulativeProbability(z) + sd * normal.density(z);
        assertThat(LogEi.logEi(mean, sd, best)).isCloseTo(Math.log(ei), within(1e-9));
    }

    @Test
    void shouldStayFiniteAndDecreasingForVeryNegativeZ() {
        double previous = Double.POSITIVE_INFINITY;
        for (double z : new double[] {-1, -5, -20, -24.999, -25, -25.001, -40, -100, -1e3, -1e5, -1e10, -1e150}) {
            double v = LogEi.logH(z);
            assertThat(v).as("z = %s", z).isFinite().isLessThan(previous);
            previous = v;
        }
        // Asymptotically log h(z) ~ -z^2/2 - log(2 pi)/2 - 2 log|z|, and both branches agree at the switch.
        assertThat(LogEi.logH(-1e3)).isCloseTo(-0.5e6 - 0.5 * Math.log(2 * Math.PI) - 2 * Math.log(1e3), within(1e-3));
        assertThat(LogEi.logH(Math.nextUp(-25.0))).isCloseTo(LogEi.logH(-25.0), within(1e-7));
    }
}
