package io.tunelog.suggestion.search;

import io.tunelog.domain.state.Dominance;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * TPE's split of finished trials into the good ("below") and the rest ("above") when there are
 * constraints or several objectives, as Optuna 3.1's TPE does it:
 * <ul>
 * <li>With constraints, trials are ordered by total violation (feasible ones first, ties to the earlier
 * trial); if the good side cannot be filled by feasible trials alone, it takes the least violating ones,
 * else it is split among the feasible trials by objectives and every infeasible trial is bad.</li>
 * <li>With one objective, the lowest losses are good.</li>
 * <li>With several, whole non-domination fronts are good while they fit; the front that does not fit
 * contributes the subset a greedy hypervolume subset selection picks.</li>
 * </ul>
 * Indexes on both sides are in trial order. With several objectives, good trials are weighted by their
 * hypervolume contribution among the feasible good ones (scaled so the largest is 1; an infeasible one gets
 * {@value #EPS}); otherwise the weights are null, meaning equal.
 */
final class TpeSplit {
    static final double EPS = 1e-12;

    record Split(List<Integer> below, List<Integer> above, double[] belowWeights) {}

    private TpeSplit() {}

    static Split of(List<History.Observation> observations, int good) {
        int n = observations.size();
        List<Integer> all = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            all.add(i);
        }
        boolean constrained = n > 0 && observations.get(0).violations().length > 0;
        List<Integer> below;
        if (constrained) {
            List<Integer> byViolation = new ArrayList<>(all);
            byViolation.sort(Comparator.comparingDouble((Integer i) -> observations.get(i).violation()).thenComparingInt(i -> i));
            if (good >= n || observations.get(byViolation.get(good)).violation() > 0) {
                below = new ArrayList<>(byViolation.subList(0, Math.min(good, n)));
            } else {
                List<Integer> feasible = all.stream().filter(i -> observations.get(i).feasible()).toList();
                below = byObjectives(observations, feasible, good);
            }
        } else {
            below = byObjectives(observations, all, good);
        }
        below.sort(Comparator.naturalOrder());
        List<Integer> above = new ArrayList<>(all);
        above.removeAll(below);
        boolean several = n > 0 && observations.get(0).objectives().length > 1;
        return new Split(below, above, several ? weights(observations, below) : null);
    }

    /** The {@code good} best of the candidates by their objectives alone. */
    private static List<Integer> byObjectives(List<History.Observation> observations, List<Integer> candidates, int good) {
        if (candidates.isEmpty()) {
            return new ArrayList<>();
        }
        if (observations.get(candidates.get(0)).objectives().length == 1) {
            List<Integer> byLoss = new ArrayList<>(candidates);
            byLoss.sort(Comparator.comparingDouble((Integer i) -> observations.get(i).loss()).thenComparingInt(i -> i));
            return new ArrayList<>(byLoss.subList(0, Math.min(good, byLoss.size())));
        }
        List<double[]> points = candidates.stream().map(i -> observations.get(i).objectives()).toList();
        int[] ranks = Dominance.ranks(points);
        List<Integer> below = new ArrayList<>();
        for (int rank = 0; below.size() < good; rank++) {
            List<Integer> front = new ArrayList<>();
            for (int k = 0; k < ranks.length; k++) {
                if (ranks[k] == rank) {
                    front.add(k);
                }
            }
            if (front.isEmpty()) {
                break;
            }
            if (below.size() + front.size() <= good) {
                front.forEach(k -> below.add(candidates.get(k)));
            } else {
                List<double[]> frontPoints = front.stream().map(points::get).toList();
                for (int k : greedySubset(frontPoints, good - below.size())) {
                    below.add(candidates.get(front.get(k)));
                }
            }
        }
        return below;
    }

    /** Greedy hypervolume subset selection: repeatedly the point that adds the most (ties to the first). */
    static List<Integer> greedySubset(List<double[]> points, int size) {
        double[] reference = reference(points);
        List<Integer> chosen = new ArrayList<>();
        List<double[]> chosenPoints = new ArrayList<>();
        boolean[] taken = new boolean[points.size()];
        while (chosen.size() < size) {
            int best = -1;
            double bestVolume = Double.NEGATIVE_INFINITY;
            for (int k = 0; k < points.size(); k++) {
                if (taken[k]) {
                    continue;
                }
                chosenPoints.add(points.get(k));
                double v = Hypervolume.of(chosenPoints, reference);
                chosenPoints.remove(chosenPoints.size() - 1);
                if (v > bestVolume) {
                    bestVolume = v;
                    best = k;
                }
            }
            taken[best] = true;
            chosen.add(best);
            chosenPoints.add(points.get(best));
        }
        return chosen;
    }

    private static double[] weights(List<History.Observation> observations, List<Integer> below) {
        double[] weights = new double[below.size()];
        Arrays.fill(weights, EPS);
        List<Integer> feasibleAt = new ArrayList<>();
        for (int k = 0; k < below.size(); k++) {
            if (observations.get(below.get(k)).feasible()) {
                feasibleAt.add(k);
            }
        }
        if (feasibleAt.size() == 1) {
            weights[feasibleAt.get(0)] = 1;
        } else if (feasibleAt.size() > 1) {
            List<double[]> points = feasibleAt.stream().map(k -> observations.get(below.get(k)).objectives()).toList();
            double[] contributions = Hypervolume.contributions(points, reference(points));
            double max = 0;
            for (int k = 0; k < contributions.length; k++) {
                contributions[k] += EPS;
                max = Math.max(max, contributions[k]);
            }
            for (int k = 0; k < feasibleAt.size(); k++) {
                weights[feasibleAt.get(k)] = Math.min(Math.max(contributions[k] / max, 0), 1);
            }
        }
        return weights;
    }

    /** Optuna's reference for a set: the worst point pushed out by 10% (EPS where it is 0). */
    private static double[] reference(List<double[]> points) {
        int m = points.get(0).length;
        double[] reference = new double[m];
        for (int k = 0; k < m; k++) {
            double worst = Double.NEGATIVE_INFINITY;
            for (double[] p : points) {
                worst = Math.max(worst, p[k]);
            }
            reference[k] = Math.max(1.1 * worst, 0.9 * worst);
            if (reference[k] == 0) {
                reference[k] = EPS;
            }
        }
        return reference;
    }
}
