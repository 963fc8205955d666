package io.tunelog.domain.decide;

import io.tunelog.domain.event.Event;
import io.tunelog.domain.state.ExperimentState;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/** Turns a decider's output into log events; the live loop and the audit share it so both build identical envelopes. */
public final class Decisions {

    private Decisions() {}

    /**
     * Envelopes decisions made on {@code state}, the log up to its last offset: ids from their keys, sequence numbers
     * continuing the service's count in the log, and the state's last offset as their basis.
     */
    public static List<Event> toEvents(ExperimentState state, String service, String instance, List<Decided> decided, Instant now) {
        return toEvents(state, service, instance, decided, now, state.lastOffset() < 0 ? null : state.lastOffset(), null);
    }

    /**
     * Envelopes decisions made on {@code state} as seen at {@code basis}, with {@code basisAhead} of the writer's own
     * events past it (null: the log up to basis alone; see {@link Event#basisAhead()}).
     */
    public static List<Event> toEvents(ExperimentState state, String service, String instance, List<Decided> decided, Instant now,
                                       Long basis, Integer basisAhead) {
        List<Event> events = new ArrayList<>(decided.size());
        long sequence = state.nextSequence(service);
        for (Decided d : decided) {
            events.add(new Event(Event.id(state.experimentId(), d.key()), state.experimentId(), d.trialId(),
                    sequence++, now, new Event.Source(service, instance), basis, basisAhead, d.payload()));
        }
        return events;
    }
}
