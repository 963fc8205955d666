package io.tunelog.domain.event;

import java.time.Instant;
import java.util.Objects;

/**
 * One accepted fact of one experiment: the envelope around a payload.
 *
 * @param eventId     deterministic id: {@code experimentId/key}; the fold ignores a second event with the same id
 * @param trialId     the trial the event is about, or null for experiment-level events
 * @param sequence    per (experiment, source service) counter from 0, so gaps and reorders show
 * @param timestamp   when it was written; never an input to a decision's content
 * @param source      the service (and instance) that wrote it
 * @param basis       log offset of the last event of this experiment folded before deciding; null when nothing was folded
 * @param basisAhead  for a decision that also saw events its writer had written after the basis and not yet read back:
 *                    how many (they are the writer's events between the basis and this one in the log, each seen folded
 *                    right after the event its own basis names); null for a decision made on the log up to basis alone
 */
public record Event(
        String eventId,
        String experimentId,
        String trialId,
        long sequence,
        Instant timestamp,
        Source source,
        Long basis,
        Integer basisAhead,
        EventPayload payload) {

    public Event {
        Objects.requireNonNull(eventId, "eventId");
        Objects.requireNonNull(experimentId, "experimentId");
        Objects.requireNonNull(timestamp, "timestamp");
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(payload, "payload");
        if (basisAhead != null && (basisAhead < 0 || basis == null)) {
            throw new IllegalArgumentException("basisAhead " + basisAhead + " needs a basis and must not be negative");
        }
    }

    /** An event decided or admitted on the log up to its basis alone. */
    public Event(String eventId, String experimentId, String trialId, long sequence, Instant timestamp, Source source, Long basis,
                 EventPayload payload) {
        this(eventId, experimentId, trialId, sequence, timestamp, source, basis, null, payload);
    }

    /** The writer of an event. */
    public record Source(String service, String instance) {}

    private static final java.util.regex.Pattern EXPERIMENT_ID = java.util.regex.Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,127}");

    /**
     * Why {@code id} cannot name an experiment, or null when it can. Ids become Kafka keys and directory
     * names, so they are kept to a safe alphabet.
     */
    public static String experimentIdProblem(String id) {
        return id != null && EXPERIMENT_ID.matcher(id).matches() ? null
                : "experiment id \"" + id + "\" must be 1 to 128 letters, digits, '.', '_' or '-', starting with a letter or digit";
    }

    /** The id for an event decided under {@code key} in an experiment. */
    public static String id(String experimentId, String key) {
        return experimentId + "/" + key;
    }
}
