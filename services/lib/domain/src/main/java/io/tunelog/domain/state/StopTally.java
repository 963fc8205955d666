package io.tunelog.domain.state;

import io.tunelog.domain.spec.ExperimentSpec;
import io.tunelog.domain.spec.Mode;
import java.util.Map;
import java.util.Optional;

/**
 * What the fold counts for an experiment's stop conditions, as its events come: the time the gate last observed, trials
 * failed for good, the best value reported, and the plateau of the best scores. Only {@link ExperimentState} changes it.
 */
public final class StopTally {
    private final ExperimentSpec spec;
    private final String metric;
    private final Mode mode;
    private final PlateauWatch plateau;
    private Long observedAt;
    private int timeObservations;
    private int failedTrials;
    private ReportedValue bestReported;

    /** One reported value of the metric, and where it was reported. */
    public record ReportedValue(String trialId, int attempt, long step, double value) {}

    StopTally(ExperimentSpec spec) {
        this.spec = spec;
        this.metric = spec == null ? null : spec.metric().name();
        this.mode = spec == null ? null : spec.metric().mode();
        this.plateau = spec == null || spec.plateau() == null ? null : new PlateauWatch(spec.plateau(), mode == Mode.MAX);
    }

    /** The time the gate last observed on its clock, in epoch milliseconds, or null: the only time a decision reads. */
    public Long observedAt() {
        return observedAt;
    }

    /** How many {@code TimeObserved} the log holds: the next one's id counts from here. */
    public int timeObservations() {
        return timeObservations;
    }

    /** Trials that failed for good (not retryable, or out of retries) while the experiment ran. */
    public int failedTrials() {
        return failedTrials;
    }

    /**
     * The best value of the metric any trial reported while it kept every constraint (by its last value of each
     * constrained metric, this report included), with where; empty before any.
     */
    public Optional<ReportedValue> bestReported() {
        return Optional.ofNullable(bestReported);
    }

    /** The spec's plateau as it stands, or null when the spec has none. */
    public PlateauWatch plateau() {
        return plateau;
    }

    void reported(TrialState trial, int attempt, long step, Map<String, Double> metrics) {
        Double value = metrics.get(metric);
        if (value != null && (bestReported == null || mode.better(value, bestReported.value())) && Objectives.feasible(spec, trial)) {
            bestReported = new ReportedValue(trial.trialId(), attempt, step, value);
        }
    }

    /** A trial left the open ones while the experiment ran. */
    void ended(TrialState t) {
        if (t.status() == TrialStatus.FAILED) {
            failedTrials++;
        }
        // An infeasible trial's score is not among the best scores.
        if (plateau != null && Objectives.feasible(spec, t)) {
            t.lastValue(metric).ifPresent(plateau::ended);
        }
    }

    void observed(long at) {
        observedAt = at;
        timeObservations++;
    }
}
