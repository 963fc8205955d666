package io.tunelog.loadtests;

import java.util.Arrays;

/** A growing list of measurements (nanoseconds or microseconds) with order statistics; not thread-safe. */
final class Samples {
    private long[] values = new long[1024];
    private int size;

    void add(long value) {
        if (size == values.length) {
            values = Arrays.copyOf(values, size * 2);
        }
        values[size++] = value;
    }

    int size() {
        return size;
    }

    long get(int i) {
        return values[i];
    }

    /** The value at quantile {@code q} (0..1) by the nearest rank, or -1 when there are none. */
    long quantile(double q) {
        if (size == 0) {
            return -1;
        }
        long[] sorted = Arrays.copyOf(values, size);
        Arrays.sort(sorted);
        return sorted[Math.min(size - 1, Math.max(0, (int) Math.ceil(q * size) - 1))];
    }
}
