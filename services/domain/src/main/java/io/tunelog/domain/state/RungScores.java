package io.tunelog.domain.state;

import java.util.Arrays;

/**
 * The scores recorded at one rung of a multi-fidelity scheduler, kept sorted as the fold adds them, so
 * a rung's cutoff costs a binary search and an interpolation however many trials reached it.
 */
public final class RungScores {
    private double[] sorted = new double[8];
    private int size;

    void add(double score) {
        if (size == sorted.length) {
            sorted = Arrays.copyOf(sorted, size * 2);
        }
        int at = Arrays.binarySearch(sorted, 0, size, score);
        if (at < 0) {
            at = -at - 1;
        }
        System.arraycopy(sorted, at, sorted, at + 1, size - at);
        sorted[at] = score;
        size++;
    }

    /** A copy with one more score, for a decider that records several scores in one round before the fold sees them. */
    public RungScores plus(double score) {
        RungScores copy = new RungScores();
        copy.sorted = Arrays.copyOf(sorted, Math.max(8, size + 1));
        copy.size = size;
        copy.add(score);
        return copy;
    }

    public int size() {
        return size;
    }

    /**
     * The {@code q}-quantile (0..1) by linear interpolation between order statistics: numpy's default
     * percentile (Hyndman and Fan's R-7), which Ray Tune's ASHA uses for its cutoffs.
     */
    public double quantile(double q) {
        if (size == 0) {
            throw new IllegalStateException("no scores recorded");
        }
        double h = (size - 1) * q;
        int low = (int) Math.floor(h);
        if (low >= size - 1) {
            return sorted[size - 1];
        }
        return sorted[low] + (h - low) * (sorted[low + 1] - sorted[low]);
    }
}
