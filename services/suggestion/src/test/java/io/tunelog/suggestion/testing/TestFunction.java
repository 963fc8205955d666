package io.tunelog.suggestion.testing;

import java.util.List;
import java.util.function.ToDoubleFunction;

/**
 * Closed-form functions to minimise, the usual black-box optimisation benchmarks, with their domains
 * and known minima (so regret is exact).
 */
public record TestFunction(String name, double[] low, double[] high, double minimum, ToDoubleFunction<double[]> f) {

    public int dimensions() {
        return low.length;
    }

    public double value(double[] x) {
        return f.applyAsDouble(x);
    }

    public static final TestFunction BRANIN = new TestFunction("branin", new double[] {-5, 0}, new double[] {10, 15},
            0.397887, x -> {
                double a = 1, b = 5.1 / (4 * Math.PI * Math.PI), c = 5 / Math.PI, r = 6, s = 10, t = 1 / (8 * Math.PI);
                double y = x[1] - b * x[0] * x[0] + c * x[0] - r;
                return a * y * y + s * (1 - t) * Math.cos(x[0]) + s;
            });

    private static final double[] H6_ALPHA = {1.0, 1.2, 3.0, 3.2};
    private static final double[][] H6_A = {
            {10, 3, 17, 3.5, 1.7, 8}, {0.05, 10, 17, 0.1, 8, 14}, {3, 3.5, 1.7, 10, 17, 8}, {17, 8, 0.05, 10, 0.1, 14}};
    private static final double[][] H6_P = {
            {0.1312, 0.1696, 0.5569, 0.0124, 0.8283, 0.5886}, {0.2329, 0.4135, 0.8307, 0.3736, 0.1004, 0.9991},
            {0.2348, 0.1451, 0.3522, 0.2883, 0.3047, 0.6650}, {0.4047, 0.8828, 0.8732, 0.5743, 0.1091, 0.0381}};

    public static final TestFunction HARTMANN6 = new TestFunction("hartmann6", new double[6], new double[] {1, 1, 1, 1, 1, 1},
            -3.32237, x -> {
                double sum = 0;
                for (int i = 0; i < 4; i++) {
                    double inner = 0;
                    for (int j = 0; j < 6; j++) {
                        inner += H6_A[i][j] * (x[j] - H6_P[i][j]) * (x[j] - H6_P[i][j]);
                    }
                    sum += H6_ALPHA[i] * Math.exp(-inner);
                }
                return -sum;
            });

    public static final TestFunction ROSENBROCK4 = new TestFunction("rosenbrock4", filled(4, -5), filled(4, 10), 0, x -> {
        double sum = 0;
        for (int i = 0; i < x.length - 1; i++) {
            sum += 100 * Math.pow(x[i + 1] - x[i] * x[i], 2) + Math.pow(1 - x[i], 2);
        }
        return sum;
    });

    public static final TestFunction ACKLEY5 = new TestFunction("ackley5", filled(5, -32.768), filled(5, 32.768), 0, x -> {
        double squares = 0, cosines = 0;
        for (double v : x) {
            squares += v * v;
            cosines += Math.cos(2 * Math.PI * v);
        }
        int d = x.length;
        return -20 * Math.exp(-0.2 * Math.sqrt(squares / d)) - Math.exp(cosines / d) + 20 + Math.E;
    });

    public static final TestFunction LEVY4 = new TestFunction("levy4", filled(4, -10), filled(4, 10), 0, x -> {
        int d = x.length;
        double[] w = new double[d];
        for (int i = 0; i < d; i++) {
            w[i] = 1 + (x[i] - 1) / 4;
        }
        double sum = Math.pow(Math.sin(Math.PI * w[0]), 2);
        for (int i = 0; i < d - 1; i++) {
            sum += Math.pow(w[i] - 1, 2) * (1 + 10 * Math.pow(Math.sin(Math.PI * w[i] + 1), 2));
        }
        return sum + Math.pow(w[d - 1] - 1, 2) * (1 + Math.pow(Math.sin(2 * Math.PI * w[d - 1]), 2));
    });

    public static final List<TestFunction> ALL = List.of(BRANIN, HARTMANN6, ROSENBROCK4, ACKLEY5, LEVY4);

    private static double[] filled(int n, double v) {
        double[] a = new double[n];
        java.util.Arrays.fill(a, v);
        return a;
    }
}
