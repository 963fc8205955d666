package io.tunelog.domain.state;

import java.util.Arrays;

/**
 * The scores recorded at one rung of a multi-fidelity scheduler, in an order-statistics tree that the fold
 * adds to, so that recording a score and reading a rung's cutoff each cost O(log n) however many trials
 * reached the rung (with ASHA every trial reaches the first rung: a sorted array cost a copy of the whole
 * rung per score, which made a 100,000-trial experiment's events ever dearer).
 *
 * <p>The tree is a treap in parallel arrays (no object per score). Its shape depends only on the order
 * of the scores added, through priorities hashed from each node's index, so it is as deterministic as the
 * fold; and only its order statistics are ever read, which no shape changes.
 */
public final class RungScores {
    private static final int NONE = -1;

    private double[] score = new double[8];
    private int[] left = new int[8];
    private int[] right = new int[8];
    private int[] subtreeSize = new int[8];
    private int root = NONE;
    private int size;

    void add(double value) {
        if (size == score.length) {
            int capacity = size * 2;
            score = Arrays.copyOf(score, capacity);
            left = Arrays.copyOf(left, capacity);
            right = Arrays.copyOf(right, capacity);
            subtreeSize = Arrays.copyOf(subtreeSize, capacity);
        }
        int node = size++;
        score[node] = value;
        left[node] = NONE;
        right[node] = NONE;
        subtreeSize[node] = 1;
        root = insert(root, node);
    }

    /**
     * These scores as a decider's round begins, for a decider that records several scores in one round before
     * the fold sees them. The round shares this rung's tree (the state does not change while a decider runs)
     * and holds only its own scores.
     */
    public Round round() {
        return new Round(this, new double[0]);
    }

    public int size() {
        return size;
    }

    /**
     * The {@code q}-quantile (0..1) by linear interpolation between order statistics: numpy's default
     * percentile (Hyndman and Fan's R-7), which Ray Tune's ASHA uses for its cutoffs.
     */
    public double quantile(double q) {
        return quantile(q, size, this::select);
    }

    /** A rung's recorded scores plus those recorded earlier in the same round; never changes the fold's. */
    public static final class Round {
        private final RungScores base;
        private final double[] extra;

        private Round(RungScores base, double[] extra) {
            this.base = base;
            this.extra = extra;
        }

        /** A copy with one more score recorded in the round. */
        public Round plus(double value) {
            int at = Arrays.binarySearch(extra, value);
            at = at < 0 ? -at - 1 : at;
            double[] more = new double[extra.length + 1];
            System.arraycopy(extra, 0, more, 0, at);
            more[at] = value;
            System.arraycopy(extra, at, more, at + 1, extra.length - at);
            return new Round(base, more);
        }

        public int size() {
            return base.size + extra.length;
        }

        /** As {@link RungScores#quantile}, over the rung's scores and the round's. */
        public double quantile(double q) {
            return RungScores.quantile(q, size(), this::select);
        }

        /**
         * The {@code k}-th smallest (from 0) of the merged scores: the first {@code k + 1} of them are the
         * {@code j} smallest extras and the {@code k + 1 - j} smallest of the rung, for the one split whose
         * two sides interleave in order; the extras are a round's worth, so trying each split is cheap.
         */
        private double select(int k) {
            for (int j = Math.max(0, k + 1 - base.size); j <= Math.min(extra.length, k + 1); j++) {
                int i = k + 1 - j;
                boolean extrasFit = j == 0 || i == base.size || extra[j - 1] <= base.select(i);
                boolean rungFits = i == 0 || j == extra.length || base.select(i - 1) <= extra[j];
                if (extrasFit && rungFits) {
                    return j == 0 ? base.select(i - 1) : i == 0 ? extra[j - 1] : Math.max(extra[j - 1], base.select(i - 1));
                }
            }
            throw new IllegalStateException("no split of " + (k + 1) + " scores");
        }
    }

    private interface OrderStatistic {
        double select(int k);
    }

    private static double quantile(double q, int size, OrderStatistic sorted) {
        if (size == 0) {
            throw new IllegalStateException("no scores recorded");
        }
        double h = (size - 1) * q;
        int low = (int) Math.floor(h);
        if (low >= size - 1) {
            return sorted.select(size - 1);
        }
        double below = sorted.select(low);
        return below + (h - low) * (sorted.select(low + 1) - below);
    }

    /** The {@code k}-th smallest score, from 0. */
    private double select(int k) {
        int node = root;
        while (true) {
            int leftSize = sizeOf(left[node]);
            if (k < leftSize) {
                node = left[node];
            } else if (k == leftSize) {
                return score[node];
            } else {
                k -= leftSize + 1;
                node = right[node];
            }
        }
    }

    /** Inserts {@code node} below {@code at}, rotating it up while its priority is higher; returns the new subtree root. */
    private int insert(int at, int node) {
        if (at == NONE) {
            return node;
        }
        subtreeSize[at]++;
        if (score[node] < score[at]) {
            left[at] = insert(left[at], node);
            if (priority(left[at]) > priority(at)) {
                return rotateRight(at);
            }
        } else {
            right[at] = insert(right[at], node);
            if (priority(right[at]) > priority(at)) {
                return rotateLeft(at);
            }
        }
        return at;
    }

    private int rotateRight(int at) {
        int up = left[at];
        left[at] = right[up];
        right[up] = at;
        subtreeSize[up] = subtreeSize[at];
        subtreeSize[at] = 1 + sizeOf(left[at]) + sizeOf(right[at]);
        return up;
    }

    private int rotateLeft(int at) {
        int up = right[at];
        right[at] = left[up];
        left[up] = at;
        subtreeSize[up] = subtreeSize[at];
        subtreeSize[at] = 1 + sizeOf(left[at]) + sizeOf(right[at]);
        return up;
    }

    private int sizeOf(int node) {
        return node == NONE ? 0 : subtreeSize[node];
    }

    /** A fixed pseudo-random priority per node (SplitMix64's finaliser of its index): balanced in expectation. */
    private static long priority(int node) {
        long z = (node + 1) * 0x9e3779b97f4a7c15L;
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        return z ^ (z >>> 31);
    }
}
