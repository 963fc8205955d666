package io.tunelog.worker;

import java.time.Duration;
import java.util.Map;
import java.util.function.BooleanSupplier;

/**
 * Holds an attempt at a report the scheduler's rule will judge (an ASHA or Hyperband rung, a PBT perturbation, a
 * median-stopping step) until the gate answers: CONTINUE (with where to hold next), or STOP or PAUSE. So a trial
 * stopped at a rung trains no step past it, as under Ray Tune, where a report waits for the scheduler. The gate
 * answers in the pass that admits the report; a hold that gets no answer within {@link #TIMEOUT} (a gate that does
 * not answer holds, one down for longer) lets the trial go on and holds it no more.
 *
 * <p>Where to hold comes from the assignment (the first milestone) and from each CONTINUE (the next one), as a
 * time: the report's step, or the metric the rule reads as its time.
 */
final class Hold {
    static final Duration TIMEOUT = Duration.ofSeconds(60);

    private final String timeAttr;
    private Double at;
    /** The step held at, while held; null otherwise. */
    private Long heldStep;
    /** When the current hold began (System.nanoTime). */
    private long since;
    private boolean answered;
    /** How long the attempt was held at its last hold, for its next report; null when not held since. */
    private Long heldMillis;
    private long totalNanos;
    private int holds;

    /**
     * @param timeAttr the metric that is a report's time, or null for its step
     * @param at       the time of the first report to hold at, or null never to hold
     */
    Hold(String timeAttr, Double at) {
        this.timeAttr = timeAttr;
        this.at = at;
    }

    /** Whether a report with this step and these metrics reaches the milestone: the attempt holds at it. */
    synchronized boolean reaches(long step, Map<String, Double> metrics) {
        if (at == null) {
            return false;
        }
        Double time = timeAttr == null ? Double.valueOf(step) : metrics.get(timeAttr);
        return time != null && time >= at;
    }

    /**
     * Holds the attempt at the report of {@code step}, before that report is sent (so that the answer cannot come
     * first): {@code pause} stops a child's processes. Then {@link #await} waits for the answer.
     */
    void begin(long step, Runnable pause) {
        synchronized (this) {
            heldStep = step;
            answered = false;
            since = System.nanoTime();
        }
        pause.run();
    }

    /**
     * Waits until the gate answers the held report, the attempt ends ({@code ended}) or the hold times out, then runs
     * {@code resume}, whatever ended the wait.
     *
     * @return whether the gate answered
     */
    boolean await(BooleanSupplier ended, Runnable resume) throws InterruptedException {
        try {
            synchronized (this) {
                long deadline = since + TIMEOUT.toNanos();
                while (!answered && !ended.getAsBoolean()) {
                    long left = deadline - System.nanoTime();
                    if (left <= 0) {
                        at = null;
                        break;
                    }
                    wait(Math.min(100, Math.max(1, left / 1_000_000)));
                }
                return answered;
            }
        } finally {
            resume.run();
            synchronized (this) {
                long held = System.nanoTime() - since;
                heldStep = null;
                heldMillis = held / 1_000_000;
                totalNanos += held;
                holds++;
            }
        }
    }

    /** The gate's CONTINUE for the report of {@code step}: hold next at {@code nextAt} (null: not again). */
    synchronized void resume(long step, Double nextAt) {
        if (heldStep != null && heldStep == step) {
            at = nextAt;
            answered = true;
            notifyAll();
        }
    }

    /** The attempt ends: whoever waits stops waiting. */
    synchronized void end() {
        notifyAll();
    }

    /** How long the last hold lasted, once, for the next report; null when the attempt was not held since. */
    synchronized Long takeHeldMillis() {
        Long ms = heldMillis;
        heldMillis = null;
        return ms;
    }

    /** The time of the next report to hold at, or null when the attempt holds no more. */
    synchronized Double at() {
        return at;
    }

    /** The metric that is a report's time, or null for its step. */
    String timeAttr() {
        return timeAttr;
    }

    synchronized int holds() {
        return holds;
    }

    synchronized Duration total() {
        return Duration.ofNanos(totalNanos);
    }
}
