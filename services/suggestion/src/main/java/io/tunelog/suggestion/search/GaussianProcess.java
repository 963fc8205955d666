package io.tunelog.suggestion.search;

import org.apache.commons.math3.linear.Array2DRowRealMatrix;
import org.apache.commons.math3.linear.CholeskyDecomposition;
import org.apache.commons.math3.linear.NonPositiveDefiniteMatrixException;
import org.apache.commons.math3.linear.RealMatrix;

/**
 * A Gaussian process with a Matérn-5/2 ARD kernel on feature vectors, its hyperparameters (one length
 * scale per feature, signal and noise variance, all in log space) fitted by maximising the log marginal
 * likelihood plus weak log-normal priors that keep the fit stable on few points. Deterministic: the
 * fit starts from fixed values and takes fixed gradient steps.
 */
final class GaussianProcess {
    private static final double SQRT5 = Math.sqrt(5);
    private static final double PRIOR_LOG_LENGTH = Math.log(0.5);
    private static final double MIN_NOISE = 1e-6;

    private final double[][] x;
    private final double[] y;
    private final double[] logLength;
    private final double logSignal;
    private final double logNoise;
    private final double[][] cholesky;
    private final double[] alpha;

    private GaussianProcess(double[][] x, double[] y, double[] theta) {
        this.x = x;
        this.y = y;
        int dims = theta.length - 2;
        this.logLength = java.util.Arrays.copyOf(theta, dims);
        this.logSignal = theta[dims];
        this.logNoise = theta[dims + 1];
        this.cholesky = choleskyOf(covariance(x, theta));
        this.alpha = solveUpper(cholesky, solveLower(cholesky, y));
    }

    /** Fits the hyperparameters to (x, y) (y standardised) with {@code steps} Adam steps on the log posterior. */
    static GaussianProcess fit(double[][] x, double[] y, int steps) {
        int dims = x[0].length;
        double[] theta = new double[dims + 2];
        java.util.Arrays.fill(theta, 0, dims, PRIOR_LOG_LENGTH);
        theta[dims] = 0;
        theta[dims + 1] = Math.log(1e-2);
        double[] m = new double[theta.length];
        double[] v = new double[theta.length];
        double rate = 0.05;
        for (int t = 1; t <= steps; t++) {
            double[] gradient = new double[theta.length];
            logPosterior(x, y, theta, gradient);
            for (int i = 0; i < theta.length; i++) {
                m[i] = 0.9 * m[i] + 0.1 * gradient[i];
                v[i] = 0.999 * v[i] + 0.001 * gradient[i] * gradient[i];
                double mHat = m[i] / (1 - Math.pow(0.9, t));
                double vHat = v[i] / (1 - Math.pow(0.999, t));
                theta[i] += rate * mHat / (Math.sqrt(vHat) + 1e-8);
            }
            clamp(theta, dims);
        }
        return new GaussianProcess(x, y, theta);
    }

    /** The same hyperparameters on more data (pending points with believed values). */
    GaussianProcess with(double[][] moreX, double[] moreY) {
        double[][] allX = new double[x.length + moreX.length][];
        double[] allY = new double[y.length + moreY.length];
        System.arraycopy(x, 0, allX, 0, x.length);
        System.arraycopy(moreX, 0, allX, x.length, moreX.length);
        System.arraycopy(y, 0, allY, 0, y.length);
        System.arraycopy(moreY, 0, allY, y.length, moreY.length);
        return new GaussianProcess(allX, allY, theta());
    }

    double[] theta() {
        double[] theta = java.util.Arrays.copyOf(logLength, logLength.length + 2);
        theta[logLength.length] = logSignal;
        theta[logLength.length + 1] = logNoise;
        return theta;
    }

    /** Posterior mean and standard deviation at a point. */
    double[] predict(double[] at) {
        int n = x.length;
        double[] k = new double[n];
        double signal = Math.exp(logSignal);
        double[] inverseLength = new double[logLength.length];
        for (int d = 0; d < inverseLength.length; d++) {
            inverseLength[d] = Math.exp(-logLength[d]);
        }
        double mean = 0;
        for (int i = 0; i < n; i++) {
            k[i] = signal * matern(distance(x[i], at, inverseLength));
            mean += k[i] * alpha[i];
        }
        double[] w = solveLower(cholesky, k);
        double variance = signal;
        for (double wi : w) {
            variance -= wi * wi;
        }
        return new double[] {mean, Math.sqrt(Math.max(variance, 1e-12))};
    }

    /**
     * The log marginal likelihood plus log priors, and its gradient: ½ tr((ααᵀ − K⁻¹) ∂K/∂θ) for each
     * hyperparameter, plus the priors' gradients. Returns −∞ if the covariance is not positive definite.
     */
    static double logPosterior(double[][] x, double[] y, double[] theta, double[] gradient) {
        int n = x.length;
        int dims = theta.length - 2;
        double[][] k = covariance(x, theta);
        CholeskyDecomposition chol;
        try {
            chol = new CholeskyDecomposition(new Array2DRowRealMatrix(k, false), 1e-8, 1e-12);
        } catch (NonPositiveDefiniteMatrixException e) {
            java.util.Arrays.fill(gradient, 0);
            return Double.NEGATIVE_INFINITY;
        }
        double[][] l = chol.getL().getData();
        double[] alpha = solveUpper(l, solveLower(l, y));
        RealMatrix inverse = chol.getSolver().getInverse();
        double logDet = 0;
        for (int i = 0; i < n; i++) {
            logDet += Math.log(l[i][i]);
        }
        double fit = 0;
        for (int i = 0; i < n; i++) {
            fit += y[i] * alpha[i];
        }
        double value = -0.5 * fit - logDet - 0.5 * n * Math.log(2 * Math.PI);

        // W = ααᵀ − K⁻¹; ∂L/∂θ = ½ Σ_ij W_ij ∂K_ij/∂θ.
        double signal = Math.exp(theta[dims]);
        double[] inverseLength = new double[dims];
        for (int d = 0; d < dims; d++) {
            inverseLength[d] = Math.exp(-theta[d]);
        }
        java.util.Arrays.fill(gradient, 0);
        double[][] inv = inverse.getData();
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                double w = alpha[i] * alpha[j] - inv[i][j];
                double r = distance(x[i], x[j], inverseLength);
                // ∂k/∂log σ² = k without noise; noise only on the diagonal.
                double kij = signal * matern(r);
                gradient[dims] += 0.5 * w * kij;
                if (i == j) {
                    gradient[dims + 1] += 0.5 * w * (Math.exp(theta[dims + 1]) + 0);
                    continue;
                }
                // Matérn-5/2: dk/dr = −(5/3) σ² r (1 + √5 r) e^{−√5 r}; ∂r/∂log ℓ_d = −(Δ_d/ℓ_d)² / r.
                double common = signal * (5.0 / 3.0) * (1 + SQRT5 * r) * Math.exp(-SQRT5 * r);
                for (int d = 0; d < dims; d++) {
                    double scaled = (x[i][d] - x[j][d]) * inverseLength[d];
                    gradient[d] += 0.5 * w * common * scaled * scaled;
                }
            }
        }
        // Priors: log ℓ ~ N(log 0.5, 1), log σ² ~ N(0, 1), log σ_n² ~ N(log 1e-2, 2²).
        for (int d = 0; d < dims; d++) {
            value -= 0.5 * Math.pow(theta[d] - PRIOR_LOG_LENGTH, 2);
            gradient[d] -= theta[d] - PRIOR_LOG_LENGTH;
        }
        value -= 0.5 * theta[dims] * theta[dims];
        gradient[dims] -= theta[dims];
        double noiseOffset = theta[dims + 1] - Math.log(1e-2);
        value -= 0.5 * noiseOffset * noiseOffset / 4;
        gradient[dims + 1] -= noiseOffset / 4;
        return value;
    }

    private static void clamp(double[] theta, int dims) {
        for (int d = 0; d < dims; d++) {
            theta[d] = Math.min(Math.max(theta[d], Math.log(0.01)), Math.log(20));
        }
        theta[dims] = Math.min(Math.max(theta[dims], Math.log(0.05)), Math.log(20));
        theta[dims + 1] = Math.min(Math.max(theta[dims + 1], Math.log(MIN_NOISE)), Math.log(1));
    }

    static double[][] covariance(double[][] x, double[] theta) {
        int n = x.length;
        int dims = theta.length - 2;
        double signal = Math.exp(theta[dims]);
        double noise = Math.exp(theta[dims + 1]);
        double[] inverseLength = new double[dims];
        for (int d = 0; d < dims; d++) {
            inverseLength[d] = Math.exp(-theta[d]);
        }
        double[][] k = new double[n][n];
        for (int i = 0; i < n; i++) {
            k[i][i] = signal + noise;
            for (int j = 0; j < i; j++) {
                k[i][j] = k[j][i] = signal * matern(distance(x[i], x[j], inverseLength));
            }
        }
        return k;
    }

    static double matern(double r) {
        return (1 + SQRT5 * r + 5.0 / 3.0 * r * r) * Math.exp(-SQRT5 * r);
    }

    private static double distance(double[] a, double[] b, double[] inverseLength) {
        double sum = 0;
        for (int d = 0; d < a.length; d++) {
            double z = (a[d] - b[d]) * inverseLength[d];
            sum += z * z;
        }
        return Math.sqrt(sum);
    }

    private static double[][] choleskyOf(double[][] k) {
        // Added jitter grows until the factorisation succeeds: near-duplicate points must not stop a suggestion.
        double jitter = 0;
        for (int attempt = 0; attempt < 8; attempt++) {
            try {
                double[][] kj = k;
                if (jitter > 0) {
                    kj = new double[k.length][];
                    for (int i = 0; i < k.length; i++) {
                        kj[i] = k[i].clone();
                        kj[i][i] += jitter;
                    }
                }
                return new CholeskyDecomposition(new Array2DRowRealMatrix(kj, false), 1e-8, 1e-12).getL().getData();
            } catch (NonPositiveDefiniteMatrixException e) {
                jitter = jitter == 0 ? 1e-8 : jitter * 100;
            }
        }
        throw new IllegalStateException("covariance matrix not positive definite even with jitter");
    }

    /** Solves L z = b for lower-triangular L. */
    private static double[] solveLower(double[][] l, double[] b) {
        int n = b.length;
        double[] z = new double[n];
        for (int i = 0; i < n; i++) {
            double s = b[i];
            double[] row = l[i];
            for (int j = 0; j < i; j++) {
                s -= row[j] * z[j];
            }
            z[i] = s / row[i];
        }
        return z;
    }

    /** Solves Lᵀ z = b for lower-triangular L. */
    private static double[] solveUpper(double[][] l, double[] b) {
        int n = b.length;
        double[] z = new double[n];
        for (int i = n - 1; i >= 0; i--) {
            double s = b[i];
            for (int j = i + 1; j < n; j++) {
                s -= l[j][i] * z[j];
            }
            z[i] = s / l[i][i];
        }
        return z;
    }
}
