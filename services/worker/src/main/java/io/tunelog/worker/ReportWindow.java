package io.tunelog.worker;

import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.BooleanSupplier;

/**
 * The reports a worker has sent and the gate has not judged yet, at most {@code limit} of them: a trial's next
 * progress report waits for room, so a worker whose reports the gate takes more slowly than its trials make them
 * slows its trials down (a child blocks on a full stdout pipe, a JVM trainable in {@code report}) instead of piling
 * seconds of results into the topic, where they would arrive late and be judged on a stale state.
 *
 * <p>The gate says what it has judged with {@code ReportsTaken}: every report before an offset of a partition of
 * the reports topic. A report counts from when it is sent until its partition's offset is taken (or the broker
 * refused it). Starts and ends of attempts never wait: there are at most two per slot, and holding one back would
 * hold a slot.
 */
final class ReportWindow {
    private final int limit;
    private int inFlight;
    private final Map<String, Integer> perAttempt = new HashMap<>();
    /** Per partition, reports the broker has and the gate has not judged: offset → attempt key. */
    private final Map<Integer, TreeMap<Long, String>> sent = new HashMap<>();
    /** Per partition, the offset before which the gate has judged every report. */
    private final Map<Integer, Long> taken = new HashMap<>();

    ReportWindow(int limit) {
        if (limit < 1) {
            throw new IllegalArgumentException("the window must hold at least one report, found " + limit);
        }
        this.limit = limit;
    }

    int limit() {
        return limit;
    }

    /**
     * Makes room for one report of {@code attempt}. A progress report ({@code mayWait}) waits while the window is
     * full, unless {@code givenUp} says the attempt is ending.
     *
     * @return false when the wait was given up (the attempt ends) or interrupted: the report is not to be sent
     */
    synchronized boolean open(String attempt, boolean mayWait, BooleanSupplier givenUp) {
        while (mayWait && inFlight >= limit) {
            if (givenUp.getAsBoolean()) {
                return false;
            }
            try {
                wait(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        inFlight++;
        perAttempt.merge(attempt, 1, Integer::sum);
        return true;
    }

    /** The broker has a report at this partition and offset, or ({@code failed}) could not take it. */
    synchronized void sent(String attempt, int partition, long offset, boolean failed) {
        if (failed || offset < taken.getOrDefault(partition, 0L)) {
            close(attempt);
        } else {
            sent.computeIfAbsent(partition, p -> new TreeMap<>()).put(offset, attempt);
        }
    }

    /** The gate has judged every report before {@code through} on {@code partition}. */
    synchronized void taken(int partition, long through) {
        taken.merge(partition, through, Math::max);
        TreeMap<Long, String> reports = sent.get(partition);
        if (reports == null) {
            return;
        }
        Map<Long, String> judged = reports.headMap(through);
        judged.values().forEach(this::close);
        judged.clear();
    }

    /** Per attempt key, its reports not yet judged. */
    synchronized Map<String, Integer> inFlight() {
        return Map.copyOf(perAttempt);
    }

    synchronized int size() {
        return inFlight;
    }

    private void close(String attempt) {
        inFlight--;
        perAttempt.computeIfPresent(attempt, (k, n) -> n == 1 ? null : n - 1);
        notifyAll();
    }
}
