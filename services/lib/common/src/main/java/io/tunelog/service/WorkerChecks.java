package io.tunelog.service;

import io.tunelog.avro.WorkerReport;
import io.tunelog.domain.event.EventPayload;
import io.tunelog.domain.state.Admission;
import io.tunelog.domain.state.ExperimentState;
import io.tunelog.domain.state.TrialState;
import io.tunelog.domain.state.TrialStatus;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.List;
import java.util.Optional;

/**
 * The gate's own checks of a worker's report, beyond the {@link Admission} rules the fold applies too: who may report
 * on an attempt, and what a checkpoint may be called. The log does not record which worker sent a report, and old
 * logs must fold as they did, so these are the gate's alone, like the record key's. Pure.
 */
final class WorkerChecks {
    private WorkerChecks() {}

    /**
     * Only the worker that started an attempt may report on it. An assignment can reach a second worker (the queue
     * redelivers one whose first taker died before acknowledging it); that worker's start is refused as a duplicate,
     * and this keeps its results out too.
     */
    static Optional<String> holderProblem(ExperimentState view, WorkerReport cmd, EventPayload.AttemptReport report) {
        if (report instanceof EventPayload.TrialStarted) {
            return Optional.empty();
        }
        return holder(view, cmd.getTrialId(), report.attempt()).filter(holder -> !holder.equals(cmd.getWorkerId()))
                .map(holder -> "worker " + cmd.getWorkerId() + " does not hold attempt " + report.attempt() + " of " + cmd.getTrialId()
                        + "; worker " + holder + " started it");
    }

    /** The worker that started {@code attempt} of the trial, while that attempt runs. */
    static Optional<String> holder(ExperimentState view, String trialId, int attempt) {
        TrialState trial = view.trial(trialId);
        // Only a running attempt has a holder: the worker id of a queued one is its previous attempt's.
        return trial != null && trial.status() == TrialStatus.RUNNING && trial.attempt() == attempt
                ? Optional.ofNullable(trial.workerId()) : Optional.empty();
    }

    /**
     * A worker names a checkpoint after its own attempt, {@code <trialId>/a<attempt>/<path in the attempt's directory>},
     * and stores it at {@code .../<experimentId>/<that id>}. One that names another trial's or attempt's, or climbs out
     * with {@code ..}, would have the registry serve, restore from or delete what is not its own.
     */
    static Optional<String> checkpointProblem(String experimentId, String trialId, EventPayload.CheckpointRegistered checkpoint) {
        String prefix = trialId + "/a" + checkpoint.attempt() + "/";
        String id = checkpoint.checkpointId();
        if (!id.startsWith(prefix) || id.length() == prefix.length()) {
            return Optional.of("checkpoint id " + id + " is not a directory of attempt " + checkpoint.attempt() + " of " + trialId
                    + ": it must be " + prefix + "<path>");
        }
        for (String segment : id.substring(prefix.length()).split("/", -1)) {
            if (segment.isEmpty() || segment.equals(".") || segment.equals("..")) {
                return Optional.of("checkpoint id " + id + " has a '" + segment + "' segment; it must name a directory below " + prefix);
            }
        }
        String path;
        try {
            path = new URI(checkpoint.uri()).getPath();
        } catch (URISyntaxException e) {
            return Optional.of("checkpoint uri " + checkpoint.uri() + " is not a URI: " + e.getMessage());
        }
        if (path == null || path.isEmpty()) {
            return Optional.of("checkpoint uri " + checkpoint.uri() + " has no path");
        }
        // Decoded: %2e%2e is .. to the file system the registry reads.
        if (List.of(path.split("/")).contains("..")) {
            return Optional.of("checkpoint uri " + checkpoint.uri() + " has a '..' segment");
        }
        String expected = "/" + experimentId + "/" + id;
        String written = path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
        return written.endsWith(expected) ? Optional.empty()
                : Optional.of("checkpoint uri " + checkpoint.uri() + " does not end with " + expected + ", its id's place");
    }

}
