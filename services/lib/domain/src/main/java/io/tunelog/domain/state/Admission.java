package io.tunelog.domain.state;

import io.tunelog.domain.event.EventPayload;
import io.tunelog.domain.event.EventPayload.CheckpointRegistered;
import io.tunelog.domain.event.EventPayload.ExperimentCancelled;
import io.tunelog.domain.event.EventPayload.ExperimentSubmitted;
import io.tunelog.domain.event.EventPayload.TrialCompleted;
import io.tunelog.domain.event.EventPayload.TrialFailed;
import io.tunelog.domain.event.EventPayload.TrialReported;
import io.tunelog.domain.event.EventPayload.TrialStarted;
import io.tunelog.domain.spec.ConfigCheck;
import io.tunelog.domain.spec.ExperimentSpec;
import io.tunelog.domain.spec.SearcherType;
import io.tunelog.domain.spec.SpecException;
import java.util.Map;
import java.util.Optional;

/**
 * Whether a command may enter the log where the experiment stands. The gate asks before it appends,
 * and the fold asks again for every command event it meets, so a log that holds a command the rules
 * refuse is caught by the audit as an anomaly.
 */
public final class Admission {

    private Admission() {}

    /** Why {@code command} about {@code trialId} (null for experiment commands) is refused, or empty when admitted. */
    public static Optional<String> refusal(ExperimentState state, String trialId, EventPayload.Command command) {
        if (command instanceof ExperimentSubmitted) {
            return state.status() == ExperimentStatus.UNKNOWN
                    ? Optional.empty()
                    : Optional.of(refusalOfEnded(state.experimentId(), state.status(), command));
        }
        if (state.status() != ExperimentStatus.RUNNING) {
            return Optional.of(refusalOfEnded(state.experimentId(), state.status(), command));
        }
        if (command instanceof ExperimentCancelled) {
            return Optional.empty();
        }
        if (command instanceof EventPayload.TimeObserved observed) {
            return Deadlines.refusal(state, trialId, observed);
        }
        if (command instanceof EventPayload.ObservationImported imported) {
            return importRefusal(state, imported);
        }
        if (command instanceof EventPayload.TrialEnqueued enqueued) {
            return enqueueRefusal(state, enqueued);
        }
        EventPayload.AttemptReport report = (EventPayload.AttemptReport) command;
        TrialState trial = trialId == null ? null : state.trial(trialId);
        if (trial == null) {
            return Optional.of("unknown trial " + trialId);
        }
        if (report.attempt() != trial.attempt()) {
            return Optional.of("stale attempt " + report.attempt() + " of " + trialId
                    + " (current attempt is " + trial.attempt() + ")");
        }
        TrialStatus status = trial.status();
        if (report instanceof TrialStarted) {
            return status == TrialStatus.QUEUED ? Optional.empty() : notIn(trialId, status, "start");
        }
        if (report instanceof TrialFailed) {
            return status == TrialStatus.QUEUED || status == TrialStatus.RUNNING ? Optional.empty() : notIn(trialId, status, "fail");
        }
        if (report instanceof EventPayload.TrialPlacement p) {
            return placementRefusal(trial, p);
        }
        if (status != TrialStatus.RUNNING) {
            return notIn(trialId, status, verb(report));
        }
        if (report instanceof TrialReported r) {
            if (r.step() <= trial.lastStepOfCurrentAttempt()) {
                return Optional.of("step " + r.step() + " of " + trialId + " is not after step " + trial.lastStepOfCurrentAttempt());
            }
            return nonFinite(r.metrics());
        }
        if (report instanceof CheckpointRegistered c) {
            boolean known = trial.checkpoints().stream().anyMatch(k -> k.checkpointId().equals(c.checkpointId()));
            return known ? Optional.of("checkpoint " + c.checkpointId() + " is already registered") : nonFinite(c.metrics());
        }
        return nonFinite(((TrialCompleted) report).metrics());
    }

    /**
     * Why any command about an experiment that is no longer running (or, for a submission, that exists) is
     * refused: the same words as {@link #refusal}, for a gate that knows only the experiment's status (an
     * experiment it skipped as settled, see the services' partition snapshots).
     */
    public static String refusalOfEnded(String experimentId, ExperimentStatus status, EventPayload.Command command) {
        if (command instanceof ExperimentSubmitted) {
            return "experiment " + experimentId + " already exists";
        }
        return status == ExperimentStatus.UNKNOWN ? "no experiment " + experimentId + " was submitted"
                : "experiment " + experimentId + " is " + status;
    }

    /**
     * A placement is observed of an attempt that waits for a worker: queued, or failed and waiting to be queued again
     * (an attempt handed back to the gate waits there while no live worker fits it). It must change what the log says.
     */
    private static Optional<String> placementRefusal(TrialState trial, EventPayload.TrialPlacement p) {
        if (trial.status() != TrialStatus.QUEUED && trial.status() != TrialStatus.FAILED) {
            return notIn(trial.trialId(), trial.status(), "be placed");
        }
        boolean placeable = trial.unplaceable() == null;
        return p.placeable() == placeable
                ? Optional.of("trial " + trial.trialId() + " is already " + (placeable ? "placeable" : "unplaceable"))
                : Optional.empty();
    }

    /**
     * An imported observation comes from an experiment the spec's warmStart names, once per source trial, before any trial of
     * this experiment, with a config this space holds as written and a finite value of each objective and constrained metric.
     */
    private static Optional<String> importRefusal(ExperimentState state, EventPayload.ObservationImported imported) {
        String source = imported.fromExperiment() + "/" + imported.fromTrial();
        if (!state.spec().warmStartFrom().contains(imported.fromExperiment())) {
            return Optional.of("observation of " + source + ": warmStart.from does not name " + imported.fromExperiment());
        }
        if (!state.trials().isEmpty()) {
            return Optional.of("observation of " + source + " after the experiment's first trial");
        }
        if (state.imported().stream().anyMatch(o -> o.fromExperiment().equals(imported.fromExperiment())
                && o.fromTrial().equals(imported.fromTrial()))) {
            return Optional.of("observation of " + source + " is already imported");
        }
        try {
            if (!ConfigCheck.check(state.spec().searchSpace(), imported.config(), "config").equals(imported.config())) {
                return Optional.of("observation of " + source + ": config is not written as the search space holds it");
            }
        } catch (SpecException e) {
            return Optional.of("observation of " + source + ": " + e.getMessage());
        }
        Optional<String> nonFinite = nonFinite(imported.metrics()).map(problem -> "observation of " + source + ": " + problem);
        if (nonFinite.isPresent()) {
            return nonFinite;
        }
        if (Objectives.minimised(state.spec(), imported.metrics()) == null || Objectives.violations(state.spec(), imported.metrics()) == null) {
            return Optional.of("observation of " + source + " lacks a value of an objective or constrained metric of this experiment");
        }
        return Optional.empty();
    }

    /**
     * An enqueued configuration is a point of the space as written, for a searcher other than grid. Whether budget.trials
     * still has room for it is the gate's judgement alone ({@link #enqueueRoomRefusal}), not the fold's.
     */
    private static Optional<String> enqueueRefusal(ExperimentState state, EventPayload.TrialEnqueued enqueued) {
        ExperimentSpec spec = state.spec();
        if (spec.searcher().is(SearcherType.GRID)) {
            return Optional.of("the grid searcher evaluates every grid point: nothing can be enqueued");
        }
        try {
            if (!ConfigCheck.check(spec.searchSpace(), enqueued.config(), "config").equals(enqueued.config())) {
                return Optional.of("config is not written as the search space holds it");
            }
        } catch (SpecException e) {
            return Optional.of(e.getMessage());
        }
        return Optional.empty();
    }

    /**
     * Whether budget.trials has room for one more enqueued configuration after the trials created, the initial
     * configurations not yet created and those enqueued before it. The gate's rule, checked on its view before it logs
     * a TrialEnqueued, and never by the fold or the audit: trials are created by the suggestion service, whose latest
     * TrialCreated the gate's view may not have folded yet, so the log may hold an enqueue the last suggestion overtook.
     * The suggestion decider never creates past the budget: such a configuration stays enqueued and not taken.
     */
    public static Optional<String> enqueueRoomRefusal(ExperimentState state) {
        ExperimentSpec spec = state.spec();
        int pending = state.enqueued().size() - state.enqueuedTaken();
        int room = spec.plannedTrials() - Math.max(state.trials().size(), spec.searcher().initial().size()) - pending;
        return room > 0 ? Optional.empty()
                : Optional.of("budget.trials (" + spec.budget().trials() + ") has no room: every trial is created or already taken");
    }

    private static String verb(EventPayload.AttemptReport report) {
        return report instanceof TrialReported ? "report" : report instanceof CheckpointRegistered ? "checkpoint" : "complete";
    }

    private static Optional<String> notIn(String trialId, TrialStatus status, String verb) {
        return Optional.of("trial " + trialId + " is " + status + " and cannot " + verb);
    }

    private static Optional<String> nonFinite(Map<String, Double> metrics) {
        // A plain loop: this runs for every report of every replay.
        for (Map.Entry<String, Double> e : metrics.entrySet()) {
            if (!Double.isFinite(e.getValue())) {
                return Optional.of("metric " + e.getKey() + " is " + e.getValue() + ", not a finite number");
            }
        }
        return Optional.empty();
    }
}
