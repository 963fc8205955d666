package io.tunelog.domain.log;

import io.tunelog.domain.decide.Decider;
import io.tunelog.domain.decide.Decisions;
import io.tunelog.domain.event.Event;
import io.tunelog.domain.event.EventPayload;
import io.tunelog.domain.event.LoggedEvent;
import io.tunelog.domain.state.ExperimentState;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * One experiment's log kept in memory and folded as it grows, each event enveloped as the services write
 * it: its id from its key, its writer's next sequence number, the last offset folded as its basis. What-if
 * replay runs the live scheduling decider on one; tests build their given/when/then logs on one.
 */
public final class InMemoryLog {
    /** The service whose name commands are logged under, as the gate logs them. */
    public static final String GATE = "gate";

    private final String experimentId;
    private final long firstOffset;
    private final String instance;
    private final ExperimentState state;
    private final List<LoggedEvent> events = new ArrayList<>();

    /**
     * @param firstOffset where the log starts, as a real partition may hold other experiments before it
     * @param instance the writer instance every envelope names
     */
    public InMemoryLog(String experimentId, long firstOffset, String instance) {
        this.experimentId = experimentId;
        this.firstOffset = firstOffset;
        this.instance = instance;
        this.state = new ExperimentState(experimentId);
    }

    public String experimentId() {
        return experimentId;
    }

    /** The fold of everything appended so far. */
    public ExperimentState state() {
        return state;
    }

    public List<LoggedEvent> events() {
        return List.copyOf(events);
    }

    /** How many events were appended. */
    public int size() {
        return events.size();
    }

    /** Appends a command as the gate would admit it, without checking it (the fold checks). */
    public LoggedEvent command(String trialId, String key, EventPayload.Command payload, Instant at) {
        return append(GATE, trialId, key, payload, at);
    }

    /** Appends what {@code service} wrote about the experiment (or one of its trials, when {@code trialId} is given). */
    public LoggedEvent append(String service, String trialId, String key, EventPayload payload, Instant at) {
        Long basis = state.lastOffset() < 0 ? null : state.lastOffset();
        return append(new Event(Event.id(experimentId, key), experimentId, trialId, state.nextSequence(service), at,
                new Event.Source(service, instance), basis, payload));
    }

    /** Runs a decider on the state so far and appends what it decided, as the live loop does. */
    public List<Event> decide(Decider decider, Instant at) {
        List<Event> decided = Decisions.toEvents(state, decider.service(), instance, decider.decide(state), at);
        decided.forEach(this::append);
        return decided;
    }

    /** Appends an already built event at the next offset. */
    public LoggedEvent append(Event event) {
        LoggedEvent logged = new LoggedEvent(firstOffset + events.size(), event);
        events.add(logged);
        state.apply(logged);
        return logged;
    }
}
