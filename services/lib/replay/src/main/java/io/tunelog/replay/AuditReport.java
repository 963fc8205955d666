package io.tunelog.replay;

import java.util.List;
import java.util.Map;

/**
 * What an audit found. It passes only when every check ran and none failed.
 *
 * @param events            log records of the experiment
 * @param decisionsVerified decisions recomputed and found identical, by event type
 * @param commandsAdmitted  commands (submission, worker reports) found admissible where they stand
 * @param failures          every problem, in log order
 * @param writers           when signatures were checked: events by who signed them ({@link #UNSIGNED} for none); else null
 * @param reporters         when signatures were checked: events admitted from signed reports, by the worker key that signed
 *                          the report; else null
 */
public record AuditReport(String experimentId, long events, Map<String, Long> decisionsVerified, long commandsAdmitted,
                          List<Failure> failures, Map<String, Long> writers, Map<String, Long> reporters) {
    public static final String UNSIGNED = "unsigned";

    public AuditReport(String experimentId, long events, Map<String, Long> decisionsVerified, long commandsAdmitted, List<Failure> failures) {
        this(experimentId, events, decisionsVerified, commandsAdmitted, failures, null, null);
    }

    /** One problem, naming the event and its log position. */
    public record Failure(long offset, String eventId, String problem, String expected, String logged) {
        @Override
        public String toString() {
            return "offset " + offset + (eventId == null ? "" : " " + eventId) + ": " + problem
                    + (expected == null ? "" : "\n    expected: " + expected + "\n    logged:   " + logged);
        }
    }

    public boolean passed() {
        return failures.isEmpty() && events > 0;
    }

    public long decisionsTotal() {
        return decisionsVerified.values().stream().mapToLong(Long::longValue).sum();
    }
}
