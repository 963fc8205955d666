package io.tunelog.service;

import io.tunelog.domain.event.Event;
import io.tunelog.domain.event.LoggedEvent;
import io.tunelog.domain.state.ExperimentState;
import io.tunelog.domain.state.WriterOrder;
import io.tunelog.log.Integrity;
import java.time.Instant;
import java.util.HashSet;
import java.util.Set;

/**
 * An experiment as one loop sees it: its folded state, the events the loop wrote of it that it has not read back
 * yet, and proof of its basis.
 *
 * <p>A loop that writes ahead (the scheduling service: its gate and its decisions) folds its own events into the
 * state as it writes them, and decides on that; the read-back copy is then a duplicate. Its state is the log in
 * its {@link WriterOrder}, which it also folds a partition in while catching up. Any other loop folds the log
 * alone, in log order, and waits for its decisions to come back before deciding again.
 */
final class Tracked {
    final int partition;
    final ExperimentState state;
    /** Ids of the events this loop wrote that it has not read back from the log yet. */
    final Set<String> unechoed = new HashSet<>();
    /** Digest of the log prefix folded; written with every event as proof of its basis. */
    final Integrity.PrefixDigest prefix = new Integrity.PrefixDigest();
    /** When the newest event folded was written. */
    Instant lastFoldedAt;
    /** While catching up, for a loop that writes ahead: the log folded in its writer's order. */
    private WriterOrder catchingUp;

    Tracked(int partition, String experimentId) {
        this.partition = partition;
        state = new ExperimentState(experimentId);
    }

    String experimentId() {
        return state.experimentId();
    }

    /** The offset of the last log event folded, as a decision's or an admitted command's basis; null before any. */
    Long basis() {
        return state.lastOffset() < 0 ? null : state.lastOffset();
    }

    /** Folds a record read from the log; {@code writerOrder}, while catching up, names the sources this loop writes. */
    void fold(LoggedEvent logged, Set<String> writerOrder) {
        if (writerOrder == null) {
            state.apply(logged);
        } else {
            if (catchingUp == null) {
                catchingUp = new WriterOrder(writerOrder, state);
            }
            catchingUp.accept(logged);
        }
        unechoed.remove(logged.event().eventId());
        lastFoldedAt = logged.event().timestamp();
    }

    /** Catch-up is over: every record read is folded, in the writer's order. */
    void caughtUp() {
        if (catchingUp != null) {
            catchingUp.releaseAll();
            catchingUp = null;
        }
    }

    /** The read-back copy of an event this loop folded as it wrote it, known by where the broker put it: not decoded again. */
    void readBack(long offset, String eventId, Instant writtenAt) {
        state.readBack(offset, eventId);
        unechoed.remove(eventId);
        lastFoldedAt = writtenAt;
    }

    /** Folds an event this loop has just written (a loop that writes ahead); the read-back copy will be a duplicate. */
    void wroteAhead(Event e) {
        state.applyAhead(e);
        unechoed.add(e.eventId());
        lastFoldedAt = e.timestamp();
    }

    /** Notes a decision this loop wrote and will fold only when it reads it back (a loop that does not write ahead). */
    void wrote(Event e) {
        unechoed.add(e.eventId());
    }
}
