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
     * Envelopes decisions made on {@code state}: ids from their keys, sequence numbers continuing the
     * service's count in the log, and the state's last offset as their basis.
     */
    public static List<Event> toEvents(ExperimentState state, String service, String instance,
                                       List<Decided> decided, Instant now) {
        List<Event> events = new ArrayList<>(decided.size());
        long sequence = state.nextSequence(service);
        Long basis = state.lastOffset() < 0 ? null : state.lastOffset();
        for (Decided d : decided) {
            events.add(new Event(Event.id(state.experimentId(), d.key()), state.experimentId(), d.trialId(),
                    sequence++, now, new Event.Source(service, instance), basis, d.payload()));
        }
        return events;
    }
}
