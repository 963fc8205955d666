package io.tunelog.domain.state;

import io.tunelog.domain.event.EventPayload.TimeObserved;
import io.tunelog.domain.spec.ExperimentSpec;
import java.time.Instant;
import java.util.Optional;

/**
 * The deadlines the log sets, and which one the gate may observe next. Deadlines: the experiment's {@code budget.seconds}
 * from its submission, and each running trial's {@code trial.stop.seconds} (its start plus what its earlier attempts left
 * of the limit). Times are the log's own (envelope timestamps, whole milliseconds) and the last {@code TimeObserved};
 * the gate reads its clock only to judge whether the next deadline has passed. Pure.
 */
public final class Deadlines {
    public static final String BUDGET = "budget.seconds";
    public static final String TRIAL = "trial.stop.seconds";

    private Deadlines() {}

    /** A deadline: {@code trialId} null for the experiment's own. */
    public record Deadline(String name, String trialId, long due) {
        public String describe() {
            return name + (trialId == null ? "" : " of " + trialId) + " due " + Instant.ofEpochMilli(due);
        }
    }

    /** The earliest deadline after the time last observed (ties: the experiment's, then trials in creation order). */
    public static Optional<Deadline> next(ExperimentState state) {
        ExperimentSpec spec = state.spec();
        if (state.status() != ExperimentStatus.RUNNING || spec == null || !spec.watchesTime()) {
            return Optional.empty();
        }
        long after = state.stops().observedAt() == null ? Long.MIN_VALUE : state.stops().observedAt();
        Deadline next = null;
        Long budget = spec.budget().millis();
        if (budget != null && state.submittedAt().toEpochMilli() + budget > after) {
            next = new Deadline(BUDGET, null, state.submittedAt().toEpochMilli() + budget);
        }
        Long limit = spec.trial().stop() == null ? null : spec.trial().stop().millis();
        if (limit != null) {
            for (TrialState t : state.openTrials()) {
                if (t.status() != TrialStatus.RUNNING) {
                    continue;
                }
                long due = t.runningSinceMs() + limit - t.ranMs();
                if (due > after && (next == null || due < next.due())) {
                    next = new Deadline(TRIAL, t.trialId(), due);
                }
            }
        }
        return Optional.ofNullable(next);
    }

    /**
     * Why an observation is not admissible where the log stands: it must name the next deadline exactly as the log sets
     * it, and be observed at or after it (so time observed never goes back).
     */
    static Optional<String> refusal(ExperimentState state, String trialId, TimeObserved observed) {
        Optional<Deadline> next = next(state);
        if (next.isEmpty()) {
            return Optional.of("no deadline of experiment " + state.experimentId() + " is pending");
        }
        Deadline d = next.get();
        Deadline claimed = new Deadline(observed.deadline(), trialId, observed.due());
        if (!d.equals(claimed)) {
            return Optional.of("the next deadline is " + d.describe() + ", not " + claimed.describe());
        }
        return observed.at() < d.due()
                ? Optional.of("observed at " + Instant.ofEpochMilli(observed.at()) + ", before " + d.describe())
                : Optional.empty();
    }
}
