package io.tunelog.suggestion.testing;

import java.util.List;
import java.util.function.Function;

/**
 * Closed-form problems with several objectives to minimise, the usual benchmarks, each with a fixed
 * reference point for its hypervolume and, for a constrained one, the constraints as metrics with a
 * bound ({@link Bound}). {@code evaluate} returns the objectives followed by the constraint metrics.
 */
public record MultiObjectiveProblem(String name, double[] low, double[] high, int objectives, List<Bound> constraints,
                                    double[] reference, Function<double[], double[]> evaluate) {

    /** A constraint metric: its name and either {@code value <= below} or {@code value >= above} (the other is NaN). */
    public record Bound(String name, double below, double above) {
        public double violation(double value) {
            return !Double.isNaN(below) ? Math.max(value - below, 0) : Math.max(above - value, 0);
        }

        /** The spec's mapping, e.g. {@code {name: c1, below: 25.0}}. */
        public String yaml() {
            return "{name: " + name + ", " + (!Double.isNaN(below) ? "below: " + below : "above: " + above) + "}";
        }
    }

    public int dimensions() {
        return low.length;
    }

    /** ZDT1 (Zitzler, Deb and Thiele 2000) in 10 dimensions; convex front f2 = 1 - sqrt(f1). */
    public static final MultiObjectiveProblem ZDT1 = new MultiObjectiveProblem("zdt1", new double[10], ones(10), 2, List.of(),
            new double[] {11, 11}, x -> {
                double f1 = x[0];
                double g = zdtG(x);
                return new double[] {f1, g * (1 - Math.sqrt(f1 / g))};
            });

    /** ZDT2 in 10 dimensions; concave front f2 = 1 - f1^2. */
    public static final MultiObjectiveProblem ZDT2 = new MultiObjectiveProblem("zdt2", new double[10], ones(10), 2, List.of(),
            new double[] {11, 11}, x -> {
                double f1 = x[0];
                double g = zdtG(x);
                return new double[] {f1, g * (1 - (f1 / g) * (f1 / g))};
            });

    /** DTLZ2 (Deb et al. 2002) with 3 objectives in 12 dimensions (k = 10); its front is the unit sphere's octant. */
    public static final MultiObjectiveProblem DTLZ2 = new MultiObjectiveProblem("dtlz2", new double[12], ones(12), 3, List.of(),
            new double[] {1.1, 1.1, 1.1}, x -> {
                double g = 0;
                for (int i = 2; i < x.length; i++) {
                    g += (x[i] - 0.5) * (x[i] - 0.5);
                }
                double a = x[0] * Math.PI / 2;
                double b = x[1] * Math.PI / 2;
                return new double[] {(1 + g) * Math.cos(a) * Math.cos(b), (1 + g) * Math.cos(a) * Math.sin(b), (1 + g) * Math.sin(a)};
            });

    /**
     * BNH (Binh and Korn 1997): two objectives over x1 in [0, 5], x2 in [0, 3], with c1 = (x1-5)^2 + x2^2 <= 25
     * and c2 = (x1-8)^2 + (x2+3)^2 >= 7.7.
     */
    public static final MultiObjectiveProblem BNH = new MultiObjectiveProblem("bnh", new double[] {0, 0}, new double[] {5, 3}, 2,
            List.of(new Bound("c1", 25, Double.NaN), new Bound("c2", Double.NaN, 7.7)), new double[] {140, 50}, x -> new double[] {
                    4 * x[0] * x[0] + 4 * x[1] * x[1], (x[0] - 5) * (x[0] - 5) + (x[1] - 5) * (x[1] - 5),
                    (x[0] - 5) * (x[0] - 5) + x[1] * x[1], (x[0] - 8) * (x[0] - 8) + (x[1] + 3) * (x[1] + 3)});

    public static final List<MultiObjectiveProblem> ALL = List.of(ZDT1, ZDT2, DTLZ2, BNH);

    private static double zdtG(double[] x) {
        double sum = 0;
        for (int i = 1; i < x.length; i++) {
            sum += x[i];
        }
        return 1 + 9 * sum / (x.length - 1);
    }

    private static double[] ones(int n) {
        double[] v = new double[n];
        java.util.Arrays.fill(v, 1.0);
        return v;
    }
}
