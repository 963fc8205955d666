package io.tunelog.suggestion.search;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.Random;
import org.apache.commons.math3.distribution.NormalDistribution;
import org.junit.jupiter.api.Test;

class GaussianProcessTest {

    @Test
    void shouldGiveTheMarginalLikelihoodGradientThatFiniteDifferencesGive() {
        Random r = new Random(1);
        double[][] x = new double[20][3];
        double[] y = new double[20];
        for (int i = 0; i < 20; i++) {
            for (int d = 0; d < 3; d++) {
                x[i][d] = r.nextDouble();
            }
            y[i] = Math.sin(5 * x[i][0]) + x[i][1] * x[i][1] + 0.1 * r.nextGaussian();
        }
        double[] theta = {Math.log(0.3), Math.log(0.7), Math.log(1.5), Math.log(1.2), Math.log(0.01)};
        double[] gradient = new double[5];
        double value = GaussianProcess.logPosterior(x, y, theta, gradient);
        for (int k = 0; k < theta.length; k++) {
            double[] moved = theta.clone();
            double h = 1e-6;
            moved[k] += h;
            double numeric = (GaussianProcess.logPosterior(x, y, moved, new double[5]) - value) / h;
            assertThat(gradient[k]).as("d/dtheta[" + k + "]").isCloseTo(numeric, within(1e-3 * Math.max(1, Math.abs(numeric))));
        }
    }

    @Test
    void shouldInterpolateWhatItWasFittedOn() {
        double[][] x = {{0.1}, {0.4}, {0.7}, {0.9}};
        double[] y = {1, -1, 0.5, 0};
        GaussianProcess gp = GaussianProcess.fit(x, y, 60);
        for (int i = 0; i < x.length; i++) {
            double[] p = gp.predict(x[i]);
            assertThat(p[0]).isCloseTo(y[i], within(0.2));
            assertThat(p[1]).isLessThan(gp.predict(new double[] {0.25})[1] + 1e-9);
        }
    }

    @Test
    void shouldComputeLogExpectedImprovementStablyIntoTheFarTail() {
        NormalDistribution n = new NormalDistribution(null, 0, 1);
        for (double z : new double[] {2, 0, -1, -3, -4.9}) {
            double ei = n.density(z) + z * n.cumulativeProbability(z);
            assertThat(GpSearcher.logExpectedImprovement(z, 0, 1)).isCloseTo(Math.log(ei), within(1e-9));
        }
        // Just past the switch the series agrees with the direct formula; far out it stays finite and falls.
        double direct = Math.log(n.density(-5.5) + -5.5 * n.cumulativeProbability(-5.5));
        assertThat(GpSearcher.logExpectedImprovement(-5.5, 0, 1)).isCloseTo(direct, within(1e-3));
        double far = GpSearcher.logExpectedImprovement(-40, 0, 1);
        assertThat(far).isFinite().isLessThan(GpSearcher.logExpectedImprovement(-20, 0, 1));
    }
}
