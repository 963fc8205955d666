package io.tunelog.suggestion.search;

import java.util.Arrays;

/**
 * A Gaussian process with a constant zero mean (the targets are standardized), a Matérn-5/2 kernel
 * with one length scale per input column (ARD), a signal variance and a noise variance.
 *
 * <p>The hyperparameters live in log space, {@code theta = [log l_1 .. log l_P, log s2, log noise]}.
 * {@link #objective} gives the negative log marginal likelihood plus mild priors, with its analytic
 * gradient; {@link #fit} minimises it by L-BFGS within a box from a few fixed starts, so that the
 * result is a deterministic function of the data. The priors: {@code log l ~ N(sqrt2 + log(P)/2, 3)}
 * (the dimension-scaled prior of Hvarfner et al. 2024), {@code log s2 ~ N(0, 1)},
 * {@code log noise ~ N(log 1e-3, 3^2)}.
 *
 * <p>Raw arrays and hand-written Cholesky: these loops are where a suggestion spends its time.
 * {@link StrictMath} keeps the results bit-identical across JVMs, so an audit recomputes a suggestion.
 */
public final class GaussianProcess {
    static final double SQRT5 = Math.sqrt(5);
    private static final double LOG_2PI = StrictMath.log(2 * Math.PI);
    static final double MIN_LOG_L = StrictMath.log(1e-2), MAX_LOG_L = StrictMath.log(1e2);
    static final double MIN_LOG_S2 = StrictMath.log(0.05), MAX_LOG_S2 = StrictMath.log(20);
    static final double MIN_LOG_NOISE = StrictMath.log(1e-6), MAX_LOG_NOISE = StrictMath.log(0.5);
    private static final double JITTER = 1e-9;

    private final double[][] x;
    private final double[] y;
    private final int n;
    private final int p;
    private final double[] lengths;
    private final double signal;
    private final double noise;
    private final double[][] chol;
    private final double[] alpha;

    /** A fitted model: the data, the hyperparameters, and the factorisation they give. */
    public GaussianProcess(double[][] x, double[] y, double[] theta) {
        this.x = x;
        this.y = y;
        this.n = x.length;
        this.p = theta.length - 2;
        this.lengths = new double[p];
        for (int d = 0; d < p; d++) {
            lengths[d] = StrictMath.exp(theta[d]);
        }
        this.signal = StrictMath.exp(theta[p]);
        this.noise = StrictMath.exp(theta[p + 1]);
        double[][] k = covariance(x, theta, null);
        this.chol = cholesky(k);
        this.alpha = solve(chol, y);
    }

    public int size() {
        return n;
    }

    /** Posterior mean and variance of the latent function at {@code point} (a feature vector): {mean, var}. */
    public double[] predict(double[] point) {
        double[] ks = new double[n];
        double mean = 0;
        for (int i = 0; i < n; i++) {
            double r2 = 0;
            double[] xi = x[i];
            for (int d = 0; d < p; d++) {
                double t = (point[d] - xi[d]) / lengths[d];
                r2 += t * t;
            }
            double r = Math.sqrt(r2);
            ks[i] = signal * (1 + SQRT5 * r + 5.0 / 3.0 * r2) * StrictMath.exp(-SQRT5 * r);
            mean += ks[i] * alpha[i];
        }
        // v = L^-1 k*, var = s2 - |v|^2
        double vv = 0;
        for (int i = 0; i < n; i++) {
            double s = ks[i];
            double[] li = chol[i];
            for (int j = 0; j < i; j++) {
                s -= li[j] * ks[j];
            }
            s /= li[i];
            ks[i] = s;
            vv += s * s;
        }
        return new double[] {mean, Math.max(signal - vv, 1e-12 * signal)};
    }

    /** The hyperparameters that minimise {@link #objective}: L-BFGS from the better two of three fixed starts. */
    public static double[] fit(double[][] x, double[] y) {
        int p = x[0].length;
        double priorMean = Math.sqrt(2) + 0.5 * StrictMath.log(p);
        double[][] starts = {start(p, priorMean), start(p, StrictMath.log(0.3)), start(p, StrictMath.log(1.5))};
        double[] lo = new double[p + 2];
        double[] hi = new double[p + 2];
        Arrays.fill(lo, 0, p, MIN_LOG_L);
        Arrays.fill(hi, 0, p, MAX_LOG_L);
        lo[p] = MIN_LOG_S2;
        hi[p] = MAX_LOG_S2;
        lo[p + 1] = MIN_LOG_NOISE;
        hi[p + 1] = MAX_LOG_NOISE;
        double[] best = starts[0];
        double bestValue = Double.POSITIVE_INFINITY;
        Integer[] order = {0, 1, 2};
        double[] startValues = new double[starts.length];
        for (int i = 0; i < starts.length; i++) {
            startValues[i] = objective(x, y, starts[i])[0];
        }
        java.util.Arrays.sort(order, java.util.Comparator.comparingDouble((Integer i) -> startValues[i]).thenComparingInt(i -> i));
        for (int k = 0; k < 2; k++) {
            double[] s = starts[order[k]];
            double[] theta = Lbfgs.minimize(t -> objective(x, y, t), s, lo, hi, 40);
            double value = objective(x, y, theta)[0];
            if (value < bestValue) {
                bestValue = value;
                best = theta;
            }
        }
        return best;
    }

    private static double[] start(int p, double logLength) {
        double[] theta = new double[p + 2];
        Arrays.fill(theta, 0, p, logLength);
        theta[p] = 0;
        theta[p + 1] = StrictMath.log(1e-3);
        return theta;
    }

    /**
     * The negative log marginal likelihood minus the log prior (up to a constant) at {@code theta},
     * followed by its gradient: {value, d/dtheta_0, ...}. Infinite when the covariance is not
     * positive definite.
     */
    public static double[] objective(double[][] x, double[] y, double[] theta) {
        int n = x.length;
        int p = theta.length - 2;
        double[] out = new double[theta.length + 1];
        double[] g = new double[n * (n - 1) / 2];
        double[][] k = covariance(x, theta, g);
        double[][] l;
        try {
            l = cholesky(k);
        } catch (ArithmeticException e) {
            out[0] = Double.POSITIVE_INFINITY;
            return out;
        }
        double[] a = solve(l, y);
        double nll = 0.5 * n * LOG_2PI;
        for (int i = 0; i < n; i++) {
            nll += 0.5 * y[i] * a[i] + StrictMath.log(l[i][i]);
        }
        // W = K^-1 - a a^T; dNLL/dtheta = 0.5 tr(W dK/dtheta)
        double[][] w = inverseFromCholesky(l);
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                w[i][j] -= a[i] * a[j];
            }
        }
        double signal = StrictMath.exp(theta[p]);
        double noise = StrictMath.exp(theta[p + 1]);
        double[] inv2 = new double[p];
        for (int d = 0; d < p; d++) {
            inv2[d] = StrictMath.exp(-2 * theta[d]);
        }
        double[] grad = new double[p + 2];
        int idx = 0;
        for (int i = 0; i < n; i++) {
            double[] xi = x[i];
            for (int j = 0; j < i; j++) {
                double[] xj = x[j];
                // dK_ij/dlog l_d = s2 * 5/3 (1 + sqrt5 r) exp(-sqrt5 r) * (dx_d / l_d)^2, counted twice (i,j) and (j,i)
                double c = w[i][j] * g[idx++];
                for (int d = 0; d < p; d++) {
                    double t = xi[d] - xj[d];
                    grad[d] += c * t * t * inv2[d];
                }
            }
        }
        double traceSignal = 0;
        double traceNoise = 0;
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < i; j++) {
                traceSignal += 2 * w[i][j] * (k[i][j]);
            }
            traceSignal += w[i][i] * signal;
            traceNoise += w[i][i] * noise;
        }
        grad[p] = 0.5 * traceSignal;
        grad[p + 1] = 0.5 * traceNoise;
        // (the factor 0.5 and the symmetric double count cancel for the length scales)
        // Priors.
        double priorMean = Math.sqrt(2) + 0.5 * StrictMath.log(p);
        for (int d = 0; d < p; d++) {
            double z = theta[d] - priorMean;
            nll += 0.5 * z * z / 3.0;
            grad[d] += z / 3.0;
        }
        nll += 0.5 * theta[p] * theta[p];
        grad[p] += theta[p];
        double zn = theta[p + 1] - StrictMath.log(1e-3);
        nll += 0.5 * zn * zn / 9.0;
        grad[p + 1] += zn / 9.0;
        out[0] = nll;
        System.arraycopy(grad, 0, out, 1, grad.length);
        return out;
    }

    /**
     * The covariance matrix with noise on the diagonal; when {@code g} is given, it receives for each
     * pair i > j (row-major) the factor {@code s2 * 5/3 (1 + sqrt5 r) exp(-sqrt5 r)}.
     * The off-diagonal entries hold the noise-free kernel, which the gradient reuses.
     */
    static double[][] covariance(double[][] x, double[] theta, double[] g) {
        int n = x.length;
        int p = theta.length - 2;
        double[] inv = new double[p];
        for (int d = 0; d < p; d++) {
            inv[d] = StrictMath.exp(-theta[d]);
        }
        double signal = StrictMath.exp(theta[p]);
        double noise = StrictMath.exp(theta[p + 1]);
        double[][] k = new double[n][n];
        int idx = 0;
        for (int i = 0; i < n; i++) {
            double[] xi = x[i];
            for (int j = 0; j < i; j++) {
                double[] xj = x[j];
                double r2 = 0;
                for (int d = 0; d < p; d++) {
                    double t = (xi[d] - xj[d]) * inv[d];
                    r2 += t * t;
                }
                double r = Math.sqrt(r2);
                double e = StrictMath.exp(-SQRT5 * r);
                double v = signal * (1 + SQRT5 * r + 5.0 / 3.0 * r2) * e;
                k[i][j] = v;
                k[j][i] = v;
                if (g != null) {
                    g[idx++] = signal * 5.0 / 3.0 * (1 + SQRT5 * r) * e;
                }
            }
            k[i][i] = signal + noise + JITTER;
        }
        return k;
    }

    /** The lower Cholesky factor; {@link ArithmeticException} when the matrix is not positive definite. */
    static double[][] cholesky(double[][] a) {
        int n = a.length;
        double[][] l = new double[n][];
        for (int i = 0; i < n; i++) {
            double[] li = new double[i + 1];
            double[] ai = a[i];
            for (int j = 0; j <= i; j++) {
                double[] lj = l[j] == null ? li : l[j];
                double s = ai[j];
                for (int m = 0; m < j; m++) {
                    s -= li[m] * lj[m];
                }
                if (i == j) {
                    if (!(s > 0)) {
                        throw new ArithmeticException("covariance not positive definite");
                    }
                    li[i] = Math.sqrt(s);
                } else {
                    li[j] = s / lj[j];
                }
            }
            l[i] = li;
        }
        return l;
    }

    /** x with L L^T x = b. */
    static double[] solve(double[][] l, double[] b) {
        int n = b.length;
        double[] z = new double[n];
        for (int i = 0; i < n; i++) {
            double s = b[i];
            double[] li = l[i];
            for (int j = 0; j < i; j++) {
                s -= li[j] * z[j];
            }
            z[i] = s / li[i];
        }
        for (int i = n - 1; i >= 0; i--) {
            double s = z[i];
            for (int j = i + 1; j < n; j++) {
                s -= l[j][i] * z[j];
            }
            z[i] = s / l[i][i];
        }
        return z;
    }

    /** (L L^T)^-1 as a full symmetric matrix; row-oriented loops, for the cache. */
    static double[][] inverseFromCholesky(double[][] l) {
        int n = l.length;
        // M = L^-1 (lower triangular), row by row: M_i = (e_i - sum_j<i L_ij M_j) / L_ii.
        double[][] m = new double[n][];
        for (int i = 0; i < n; i++) {
            double[] mi = new double[i + 1];
            double[] li = l[i];
            for (int j = 0; j < i; j++) {
                double c = li[j];
                double[] mj = m[j];
                for (int k = 0; k <= j; k++) {
                    mi[k] -= c * mj[k];
                }
            }
            mi[i] += 1;
            double inv = 1 / li[i];
            for (int k = 0; k <= i; k++) {
                mi[k] *= inv;
            }
            m[i] = mi;
        }
        // K^-1 = M^T M: inv_ij = sum_r M_ri M_rj, accumulated row of M by row of M.
        double[][] out = new double[n][n];
        for (int r = 0; r < n; r++) {
            double[] mr = m[r];
            for (int i = 0; i <= r; i++) {
                double c = mr[i];
                double[] oi = out[i];
                for (int j = 0; j <= i; j++) {
                    oi[j] += c * mr[j];
                }
            }
        }
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < i; j++) {
                out[j][i] = out[i][j];
            }
        }
        return out;
    }

    /**
     * Posterior means and variances at many points at once: {means, variances}. The same numbers as
     * {@link #predict}, computed with the forward substitution over all points in the inner loop.
     */
    public double[][] predictAll(double[][] points) {
        int m = points.length;
        double[][] v = new double[n][m];
        double[] means = new double[m];
        for (int c = 0; c < m; c++) {
            double[] point = points[c];
            for (int i = 0; i < n; i++) {
                double r2 = 0;
                double[] xi = x[i];
                for (int d = 0; d < p; d++) {
                    double t = (point[d] - xi[d]) / lengths[d];
                    r2 += t * t;
                }
                double r = Math.sqrt(r2);
                double k = signal * (1 + SQRT5 * r + 5.0 / 3.0 * r2) * StrictMath.exp(-SQRT5 * r);
                v[i][c] = k;
                means[c] += k * alpha[i];
            }
        }
        double[] variances = new double[m];
        for (int i = 0; i < n; i++) {
            double[] vi = v[i];
            double[] li = chol[i];
            for (int j = 0; j < i; j++) {
                double c = li[j];
                double[] vj = v[j];
                for (int k = 0; k < m; k++) {
                    vi[k] -= c * vj[k];
                }
            }
            double inv = li[i];
            for (int k = 0; k < m; k++) {
                vi[k] /= inv;
                variances[k] += vi[k] * vi[k];
            }
        }
        for (int k = 0; k < m; k++) {
            variances[k] = Math.max(signal - variances[k], 1e-12 * signal);
        }
        return new double[][] {means, variances};
    }
}
