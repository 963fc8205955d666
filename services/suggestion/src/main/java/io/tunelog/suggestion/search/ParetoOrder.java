package io.tunelog.suggestion.search;

import io.tunelog.domain.state.Dominance;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.TreeSet;

/**
 * Orders trials with several objectives and constraints as Optuna's constrained domination does: a
 * feasible trial beats an infeasible one, two feasible ones compare by Pareto dominance, two infeasible
 * ones by their total violation. Objectives are min-oriented.
 */
public final class ParetoOrder {

    private ParetoOrder() {}

    /** Whether a beats b under constrained domination. */
    public static boolean dominates(double[] a, double violationA, double[] b, double violationB) {
        if (violationA == 0 && violationB == 0) {
            return Dominance.dominates(a, b);
        }
        return violationA < violationB;
    }

    /**
     * Non-domination ranks under constrained domination: the feasible trials' own Pareto ranks, then
     * the infeasible ones after them, one rank per distinct total violation, smallest first.
     */
    public static int[] ranks(List<double[]> objectives, double[] violations) {
        int n = objectives.size();
        int[] ranks = new int[n];
        List<double[]> feasible = new ArrayList<>();
        List<Integer> feasibleAt = new ArrayList<>();
        TreeSet<Double> distinctViolations = new TreeSet<>();
        for (int i = 0; i < n; i++) {
            if (violations[i] == 0) {
                feasible.add(objectives.get(i));
                feasibleAt.add(i);
            } else {
                distinctViolations.add(violations[i]);
            }
        }
        int[] feasibleRanks = feasible.isEmpty() ? new int[0] : Dominance.ranks(feasible);
        int next = 0;
        for (int k = 0; k < feasibleRanks.length; k++) {
            ranks[feasibleAt.get(k)] = feasibleRanks[k];
            next = Math.max(next, feasibleRanks[k] + 1);
        }
        List<Double> order = new ArrayList<>(distinctViolations);
        for (int i = 0; i < n; i++) {
            if (violations[i] > 0) {
                ranks[i] = next + order.indexOf(violations[i]);
            }
        }
        return ranks;
    }

    /**
     * NSGA-II's crowding distance of each point within one front: per objective, the points at the two
     * ends get infinity and the others the gap between their neighbours over the objective's range.
     */
    public static double[] crowding(List<double[]> front) {
        int n = front.size();
        double[] distance = new double[n];
        if (n == 0) {
            return distance;
        }
        int m = front.get(0).length;
        for (int k = 0; k < m; k++) {
            int objective = k;
            Integer[] order = new Integer[n];
            for (int i = 0; i < n; i++) {
                order[i] = i;
            }
            Arrays.sort(order, Comparator.comparingDouble((Integer i) -> front.get(i)[objective]).thenComparingInt(i -> i));
            double low = front.get(order[0])[objective];
            double high = front.get(order[n - 1])[objective];
            distance[order[0]] = Double.POSITIVE_INFINITY;
            distance[order[n - 1]] = Double.POSITIVE_INFINITY;
            if (!(high > low)) {
                continue;
            }
            for (int j = 1; j < n - 1; j++) {
                distance[order[j]] += (front.get(order[j + 1])[objective] - front.get(order[j - 1])[objective]) / (high - low);
            }
        }
        return distance;
    }
}
