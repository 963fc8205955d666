package io.tunelog.replay;

import io.tunelog.avro.LogRecord;
import io.tunelog.codec.AvroBytes.UndecodableRecord;
import io.tunelog.codec.EventCodec;
import io.tunelog.domain.event.LoggedEvent;
import io.tunelog.domain.state.ExperimentState;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/** Rebuilds an experiment's state from its log with the services' own fold. */
public final class Replay {

    private Replay() {}

    /** Every event of the log, decoded, in log order; a record that does not decode stops the replay. */
    public static List<LoggedEvent> events(ExperimentLog log) {
        List<LoggedEvent> events = new ArrayList<>(log.records().size());
        log.records().forEach(r -> events.add(decode(r)));
        return events;
    }

    /** The state after the whole log. */
    public static ExperimentState state(LogSource log) {
        ExperimentState state = new ExperimentState(log.experimentId());
        Pipeline.run(log, Replay::decode, state::apply);
        return state;
    }

    private static LoggedEvent decode(LogRecord r) {
        try {
            return new LoggedEvent(r.getOffset(), EventCodec.decode(ExperimentLog.bytes(r.getValue())));
        } catch (UndecodableRecord e) {
            throw new IllegalStateException("record at offset " + r.getOffset() + " cannot be replayed: " + e.getMessage(), e);
        }
    }

    /** The state after every event up to and including log position {@code offset}. */
    public static ExperimentState stateAtOffset(ExperimentLog log, long offset) {
        return stateWhile(log, e -> e.offset() <= offset);
    }

    /** The state after every event written at or before {@code time}. */
    public static ExperimentState stateAtTime(ExperimentLog log, Instant time) {
        return stateWhile(log, e -> !e.event().timestamp().isAfter(time));
    }

    private static ExperimentState stateWhile(ExperimentLog log, Predicate<LoggedEvent> include) {
        ExperimentState state = new ExperimentState(log.experimentId());
        for (LogRecord r : log.records()) {
            // Decoded one at a time: nothing after the point asked for is decoded.
            LoggedEvent e = decode(r);
            if (!include.test(e)) {
                break;
            }
            state.apply(e);
        }
        return state;
    }
}
