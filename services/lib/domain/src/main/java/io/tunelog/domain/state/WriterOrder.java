package io.tunelog.domain.state;

import io.tunelog.domain.event.Event;
import io.tunelog.domain.event.LoggedEvent;
import java.util.ArrayDeque;
import java.util.Set;

/**
 * Folds an experiment's log in the order one writer saw it, when that writer decides on what it wrote ahead of the
 * log: each event of the writer is folded right after the event its basis names, and every other event at its
 * place in the log. That is what a writer that folds its own events as it writes them, and others' as it reads them,
 * has folded: it wrote each of its events having read up to that event's basis, and read everything after the basis
 * later. The scheduling service is such a writer (its gate's admissions and its decisions, one transaction, one
 * producer), and its decisions name how many of its own events past their basis they saw ({@link Event#basisAhead()}).
 *
 * <p>Streaming and exact: a writer's bases never decrease in log order, so another writer's event can be folded
 * as soon as the writer's next event has a basis at or past it, or at the end. Pure: no I/O.
 */
public final class WriterOrder {
    private final Set<String> writerSources;
    private final ExperimentState state;
    /** Other writers' events read but not folded yet: the writer may still have folded one of its own before them. */
    private final ArrayDeque<LoggedEvent> held = new ArrayDeque<>();
    /** Offsets of the writer's events read, from the oldest whose offset is past the latest basis seen. */
    private final ArrayDeque<Long> writersPastBasis = new ArrayDeque<>();

    /** @param writerSources the source services whose events the writer wrote (the scheduling service: "gate" and "scheduler") */
    public WriterOrder(Set<String> writerSources, ExperimentState state) {
        this.writerSources = Set.copyOf(writerSources);
        this.state = state;
    }

    public ExperimentState state() {
        return state;
    }

    /** Whether the writer wrote this event ahead of the log: one of its sources, with a basis. */
    public boolean isWriters(Event e) {
        return e.basis() != null && writerSources.contains(e.source().service());
    }

    /**
     * Takes the next record of the log, in log order. An event of the writer's is folded at once, after every held
     * event at or before its basis; any other event is held until then.
     */
    public void accept(LoggedEvent logged) {
        Event e = logged.event();
        if (!isWriters(e)) {
            held.add(logged);
            return;
        }
        releaseThrough(e.basis());
        state.applyInWriterOrder(logged);
        writersPastBasis.add(logged.offset());
    }

    /**
     * Folds every held event at or before {@code basis}, and says how many of the writer's events lie in the log
     * after {@code basis} and before the next record: what a decision of the writer's at that basis saw beyond it.
     * Call it with a writer's event's basis before {@link #accept accepting} that event.
     */
    public int releaseThrough(long basis) {
        while (!held.isEmpty() && held.peek().offset() <= basis) {
            state.applyInWriterOrder(held.poll());
        }
        while (!writersPastBasis.isEmpty() && writersPastBasis.peek() <= basis) {
            writersPastBasis.poll();
        }
        return writersPastBasis.size();
    }

    /** Folds every held event: the log has no more records (or the writer has read them all). */
    public void releaseAll() {
        while (!held.isEmpty()) {
            state.applyInWriterOrder(held.poll());
        }
    }
}
