package io.tunelog.suggestion.search;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * The hypervolume a set of min-oriented points dominates up to a reference point, exactly: in two
 * dimensions by one sweep over the points sorted by the first objective; in more, by slicing along the
 * last objective (the volume between consecutive last coordinates is the slice's thickness times the
 * (d-1)-dimensional hypervolume of the points below it). Points not strictly better than the
 * reference in every objective add nothing. Cost O(n^(d-1) log n): meant for the hundreds of trials of
 * an experiment and three or four objectives.
 */
public final class Hypervolume {

    private Hypervolume() {}

    public static double of(List<double[]> points, double[] reference) {
        List<double[]> inside = new ArrayList<>();
        for (double[] p : points) {
            if (strictlyBelow(p, reference)) {
                inside.add(p);
            }
        }
        return volume(inside, reference, reference.length);
    }

    /** How much each point adds: the hypervolume of all minus that of all but it (0 for a dominated point). */
    public static double[] contributions(List<double[]> points, double[] reference) {
        double total = of(points, reference);
        double[] out = new double[points.size()];
        for (int i = 0; i < out.length; i++) {
            List<double[]> others = new ArrayList<>(points);
            others.remove(i);
            out[i] = Math.max(total - of(others, reference), 0);
        }
        return out;
    }

    /** The volume over the first {@code d} coordinates of points all strictly below the reference. */
    private static double volume(List<double[]> points, double[] reference, int d) {
        if (points.isEmpty()) {
            return 0;
        }
        if (d == 1) {
            double min = Double.POSITIVE_INFINITY;
            for (double[] p : points) {
                min = Math.min(min, p[0]);
            }
            return reference[0] - min;
        }
        if (d == 2) {
            List<double[]> sorted = new ArrayList<>(points);
            sorted.sort(Comparator.<double[]>comparingDouble(p -> p[0]).thenComparingDouble(p -> p[1]));
            double area = 0;
            double lowestSecond = reference[1];
            for (double[] p : sorted) {
                if (p[1] < lowestSecond) {
                    area += (reference[0] - p[0]) * (lowestSecond - p[1]);
                    lowestSecond = p[1];
                }
            }
            return area;
        }
        int last = d - 1;
        double[][] sorted = points.toArray(new double[0][]);
        Arrays.sort(sorted, Comparator.comparingDouble(p -> p[last]));
        double total = 0;
        List<double[]> slice = new ArrayList<>();
        for (int i = 0; i < sorted.length; i++) {
            slice.add(sorted[i]);
            double top = i + 1 < sorted.length ? sorted[i + 1][last] : reference[last];
            if (top > sorted[i][last]) {
                total += (top - sorted[i][last]) * volume(slice, reference, last);
            }
        }
        return total;
    }

    private static boolean strictlyBelow(double[] p, double[] reference) {
        for (int k = 0; k < reference.length; k++) {
            if (!(p[k] < reference[k])) {
                return false;
            }
        }
        return true;
    }
}
