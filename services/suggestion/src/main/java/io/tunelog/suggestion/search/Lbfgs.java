package io.tunelog.suggestion.search;

import java.util.function.Function;

/**
 * A compact limited-memory BFGS minimiser within a box: two-loop recursion, backtracking Armijo line
 * search, every trial point projected onto the box, and the gradient's components that push against
 * an active bound zeroed. Deterministic; small problems (GP hyperparameters) only.
 */
final class Lbfgs {
    private static final int MEMORY = 6;

    private Lbfgs() {}

    /**
     * @param f gives {value, gradient...} at a point; an infinite value makes the line search back off
     * @return the best point found within {@code maxIterations} iterations
     */
    static double[] minimize(Function<double[], double[]> f, double[] start, double[] lo, double[] hi, int maxIterations) {
        int n = start.length;
        double[] x = project(start.clone(), lo, hi);
        double[] fx = f.apply(x);
        if (!Double.isFinite(fx[0])) {
            return x;
        }
        double[] g = projectedGradient(x, grad(fx), lo, hi);
        double[][] s = new double[MEMORY][];
        double[][] yv = new double[MEMORY][];
        double[] rho = new double[MEMORY];
        int stored = 0;
        int head = 0;
        for (int iter = 0; iter < maxIterations; iter++) {
            if (norm(g) < 1e-5) {
                break;
            }
            // Two-loop recursion.
            double[] q = g.clone();
            double[] a = new double[MEMORY];
            for (int k = 0; k < stored; k++) {
                int i = Math.floorMod(head - 1 - k, MEMORY);
                a[i] = rho[i] * dot(s[i], q);
                axpy(-a[i], yv[i], q);
            }
            if (stored > 0) {
                int last = Math.floorMod(head - 1, MEMORY);
                double gamma = dot(s[last], yv[last]) / dot(yv[last], yv[last]);
                scale(q, gamma);
            } else {
                scale(q, 1 / Math.max(1, norm(g)));
            }
            for (int k = stored - 1; k >= 0; k--) {
                int i = Math.floorMod(head - 1 - k, MEMORY);
                double b = rho[i] * dot(yv[i], q);
                axpy(a[i] - b, s[i], q);
            }
            double[] dir = new double[n];
            for (int i = 0; i < n; i++) {
                dir[i] = -q[i];
            }
            if (dot(dir, g) >= 0) {
                // Not a descent direction: restart from steepest descent.
                for (int i = 0; i < n; i++) {
                    dir[i] = -g[i] / Math.max(1, norm(g));
                }
                stored = 0;
            }
            double step = 1;
            double[] xn = null;
            double[] fn = null;
            boolean accepted = false;
            for (int ls = 0; ls < 20; ls++) {
                xn = x.clone();
                axpy(step, dir, xn);
                project(xn, lo, hi);
                fn = f.apply(xn);
                double decrease = 0;
                for (int i = 0; i < n; i++) {
                    decrease += g[i] * (xn[i] - x[i]);
                }
                if (Double.isFinite(fn[0]) && fn[0] <= fx[0] + 1e-4 * decrease) {
                    accepted = true;
                    break;
                }
                step *= 0.5;
            }
            if (!accepted) {
                break;
            }
            double[] gn = projectedGradient(xn, grad(fn), lo, hi);
            double[] sk = new double[n];
            double[] yk = new double[n];
            for (int i = 0; i < n; i++) {
                sk[i] = xn[i] - x[i];
                yk[i] = gn[i] - g[i];
            }
            double sy = dot(sk, yk);
            if (sy > 1e-12) {
                s[head] = sk;
                yv[head] = yk;
                rho[head] = 1 / sy;
                head = (head + 1) % MEMORY;
                stored = Math.min(stored + 1, MEMORY);
            }
            double change = fx[0] - fn[0];
            x = xn;
            fx = fn;
            g = gn;
            if (change < 1e-9 * Math.max(1, Math.abs(fx[0]))) {
                break;
            }
        }
        return x;
    }

    private static double[] grad(double[] fx) {
        double[] g = new double[fx.length - 1];
        System.arraycopy(fx, 1, g, 0, g.length);
        return g;
    }

    private static double[] projectedGradient(double[] x, double[] g, double[] lo, double[] hi) {
        for (int i = 0; i < x.length; i++) {
            if ((x[i] <= lo[i] && g[i] > 0) || (x[i] >= hi[i] && g[i] < 0)) {
                g[i] = 0;
            }
        }
        return g;
    }

    private static double[] project(double[] x, double[] lo, double[] hi) {
        for (int i = 0; i < x.length; i++) {
            x[i] = Math.min(Math.max(x[i], lo[i]), hi[i]);
        }
        return x;
    }

    private static double dot(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += a[i] * b[i];
        }
        return s;
    }

    private static double norm(double[] a) {
        return Math.sqrt(dot(a, a));
    }

    private static void axpy(double a, double[] x, double[] y) {
        for (int i = 0; i < x.length; i++) {
            y[i] += a * x[i];
        }
    }

    private static void scale(double[] x, double a) {
        for (int i = 0; i < x.length; i++) {
            x[i] *= a;
        }
    }
}
