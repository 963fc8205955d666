package io.tunelog.domain.state;

import io.tunelog.domain.spec.Plateau;
import java.util.Arrays;
import java.util.PriorityQueue;

/**
 * Whether an experiment's best scores have stopped moving ({@code plateau}), kept by the fold as trials end. Each trial
 * that ends (completed, stopped, or failed for good) with a value of the metric is one ending, in log order, with its
 * last value as its score. Once {@code top} endings are in, after each one the best {@code top} scores so far are
 * taken; {@link #holds()} once their standard deviation (population) has been below {@code std} after {@code patience}
 * consecutive endings. A trial that ends without a value counts for nothing. Pure.
 */
public final class PlateauWatch {
    private final Plateau plateau;
    private final boolean maximize;
    /** The best {@code top} scores, as "higher is better" keys: the root is the worst of them. */
    private final PriorityQueue<Double> best = new PriorityQueue<>();
    private int endings;
    private int streak;
    private double sd = Double.NaN;

    public PlateauWatch(Plateau plateau, boolean maximize) {
        this.plateau = plateau;
        this.maximize = maximize;
    }

    /** A trial ended with this score. */
    public void ended(double score) {
        endings++;
        double key = maximize ? score : -score;
        if (best.size() < plateau.top()) {
            best.add(key);
        } else if (key > best.peek()) {
            best.poll();
            best.add(key);
        }
        if (best.size() < plateau.top()) {
            return;
        }
        sd = standardDeviation();
        streak = sd < plateau.std() ? streak + 1 : 0;
    }

    public boolean holds() {
        return streak >= plateau.patience();
    }

    /** Endings with a score so far. */
    public int endings() {
        return endings;
    }

    /** Consecutive endings after which the best scores' deviation was below {@code std}. */
    public int streak() {
        return streak;
    }

    /** The best scores' standard deviation after the last ending, NaN before {@code top} endings. */
    public double sd() {
        return sd;
    }

    private double standardDeviation() {
        // Summed in sorted order, so the same scores give the same bits however the heap holds them.
        double[] values = best.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        double mean = Arrays.stream(values).sum() / values.length;
        double squares = 0;
        for (double v : values) {
            squares += (v - mean) * (v - mean);
        }
        return Math.sqrt(squares / values.length);
    }
}
