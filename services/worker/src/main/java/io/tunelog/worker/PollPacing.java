package io.tunelog.worker;

import java.time.Duration;

/**
 * When a worker may take more from the queue. Every assignment it takes and hands back spends one of its deliveries
 * (see {@link IntakeRule}), and polled again at once the queue hands the same one back, as the oldest: so a worker that
 * has just handed back what it could not run waits before it polls. After handing back one it could run once its trials
 * end, until one ends (or {@code 6 × hold} has passed); the assignment stays in the queue meanwhile, spending nothing, for
 * any worker with room. After handing back only ones it could never run, for 1 s, doubling while that goes on, up to
 * 10 s. Pure: the caller passes the time and how many times resources were given back.
 */
final class PollPacing {
    static final Duration NEVER_FITS_FIRST = Duration.ofSeconds(1);
    static final Duration NEVER_FITS_MOST = Duration.ofSeconds(10);

    private final long fittingWaitNanos;
    private boolean waiting;
    private long notBeforeNanos;
    /** While set, a give-back (a trial ending) lets it poll before {@link #notBeforeNanos}. */
    private boolean untilGiven;
    private long givenAtHandBack;
    private int neverFitsStreak;

    PollPacing(Duration hold) {
        this.fittingWaitNanos = hold.multipliedBy(6).toNanos();
    }

    /** After a pass over what it held: whether it started any, and what it handed back. */
    void placed(long nowNanos, long given, boolean started, boolean handedBackFitting, boolean handedBackNeverFits) {
        if (started) {
            neverFitsStreak = 0;
        }
        if (handedBackFitting) {
            waitUntil(nowNanos + fittingWaitNanos);
            untilGiven = true;
            givenAtHandBack = given;
        } else if (handedBackNeverFits && !started) {
            long backoff = Math.min(NEVER_FITS_FIRST.toNanos() << Math.min(neverFitsStreak, 20), NEVER_FITS_MOST.toNanos());
            neverFitsStreak++;
            waitUntil(nowNanos + backoff);
            untilGiven = false;
        }
    }

    private void waitUntil(long nanos) {
        notBeforeNanos = waiting && notBeforeNanos - nanos > 0 ? notBeforeNanos : nanos;
        waiting = true;
    }

    boolean mayPoll(long nowNanos, long given) {
        if (!waiting || nowNanos - notBeforeNanos >= 0 || (untilGiven && given != givenAtHandBack)) {
            waiting = false;
            untilGiven = false;
            return true;
        }
        return false;
    }
}
