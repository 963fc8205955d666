package io.tunelog.domain.state;

import java.util.ArrayList;
import java.util.List;

/**
 * Pareto dominance between points whose every coordinate is to be minimised (an objective of mode max enters negated).
 * Pure; used by the fold for the front of an experiment and by multi-objective searchers to rank trials.
 */
public final class Dominance {
    private Dominance() {}

    /** Whether {@code a} is no worse than {@code b} in every coordinate and better in at least one. */
    public static boolean dominates(double[] a, double[] b) {
        if (a.length != b.length) {
            throw new IllegalArgumentException("points of " + a.length + " and " + b.length + " coordinates");
        }
        boolean better = false;
        for (int i = 0; i < a.length; i++) {
            if (a[i] > b[i]) {
                return false;
            }
            better |= a[i] < b[i];
        }
        return better;
    }

    /**
     * The non-domination rank of each point (fast non-dominated sorting, Deb et al. 2002): 0 for the points no other
     * dominates (the Pareto front), 1 for those only rank-0 points dominate, and so on. Equal points share a rank.
     */
    public static int[] ranks(List<double[]> points) {
        int n = points.size();
        int[] dominatedBy = new int[n];
        List<List<Integer>> dominates = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            dominates.add(new ArrayList<>());
        }
        for (int i = 0; i < n; i++) {
            for (int j = i + 1; j < n; j++) {
                if (dominates(points.get(i), points.get(j))) {
                    dominates.get(i).add(j);
                    dominatedBy[j]++;
                } else if (dominates(points.get(j), points.get(i))) {
                    dominates.get(j).add(i);
                    dominatedBy[i]++;
                }
            }
        }
        int[] rank = new int[n];
        List<Integer> current = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            if (dominatedBy[i] == 0) {
                current.add(i);
            }
        }
        for (int r = 0; !current.isEmpty(); r++) {
            List<Integer> next = new ArrayList<>();
            for (int i : current) {
                rank[i] = r;
                for (int j : dominates.get(i)) {
                    if (--dominatedBy[j] == 0) {
                        next.add(j);
                    }
                }
            }
            current = next;
        }
        return rank;
    }

    /** The indexes of the points no other point dominates, in ascending order. */
    public static List<Integer> front(List<double[]> points) {
        List<Integer> front = new ArrayList<>();
        for (int i = 0; i < points.size(); i++) {
            boolean dominated = false;
            for (int j = 0; j < points.size() && !dominated; j++) {
                dominated = j != i && dominates(points.get(j), points.get(i));
            }
            if (!dominated) {
                front.add(i);
            }
        }
        return front;
    }
}
