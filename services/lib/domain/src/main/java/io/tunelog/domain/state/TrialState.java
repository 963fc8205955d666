package io.tunelog.domain.state;

import io.tunelog.domain.event.EventPayload.TrialDecision;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** One trial as folded from the log. Only {@link ExperimentState} changes it. */
public final class TrialState {
    private final String trialId;
    private final int index;
    private Map<String, Object> config;
    private final String origin;
    private TrialStatus status = TrialStatus.CREATED;
    private int attempt;
    private int failures;
    private boolean lastFailureRetryable;
    private String lastError;
    private String restoreFromCheckpointId;
    private String workerId;
    private String host;
    private java.time.Instant firstStartedAt;
    private java.time.Instant startedAt;
    private List<String> devices = List.of();
    /** Why no live worker can run it, as the gate last observed (a {@code TrialPlacement}); null when one can. */
    private String unplaceable;
    private int placementChanges;
    private final List<TrialDecision> decisions = new ArrayList<>();
    /**
     * The rungs its decisions recorded a score at, interned: a rule asks on every pass about every running trial, so
     * the answer comes from a few references in one small array rather than the log's id set.
     */
    private final List<String> rungs = new ArrayList<>(4);
    private boolean resumeApproved;
    private Checkpoint exploitedCheckpoint;
    private int exploitedAtAttempt;
    private final List<Report> reports = new ArrayList<>();
    /** The highest step among the reports up to each index: never decreasing, so it can be searched. */
    private long[] highestStep = new long[8];
    private final List<Checkpoint> checkpoints = new ArrayList<>();
    private int liveCheckpoints;
    /** Milliseconds run by attempts that have ended, each from its start to the event that ended it, by the log's times. */
    private long ranMs;
    private long runningSinceMs;
    private StopReached stopReached;

    TrialState(String trialId, int index, Map<String, Object> config, String origin) {
        this.trialId = trialId;
        this.index = index;
        this.config = config;
        this.origin = origin;
    }

    public String trialId() { return trialId; }
    public int index() { return index; }
    /** The configuration the next attempt runs with: as created, or as PBT last explored it. */
    public Map<String, Object> config() { return config; }
    public String origin() { return origin; }
    public TrialStatus status() { return status; }
    /** The current attempt, from 1; 0 before the first is queued. */
    public int attempt() { return attempt; }
    public int failures() { return failures; }
    public String lastError() { return lastError; }
    public String restoreFromCheckpointId() { return restoreFromCheckpointId; }
    public String workerId() { return workerId; }
    public String host() { return host; }
    /** When the first attempt started, by the log's timestamps; null before. */
    public java.time.Instant firstStartedAt() { return firstStartedAt; }
    /** When the current attempt started, by the log's timestamps; null before it has. */
    public java.time.Instant startedAt() { return startedAt; }
    /** The devices the current attempt was given, as its TrialStarted names them; none before it started. */
    public List<String> devices() { return devices; }
    /**
     * Why no live worker could ever run this trial, as the gate last observed it; null when one could, or when the gate
     * has not said otherwise (a trial that started was placed).
     */
    public String unplaceable() { return unplaceable; }
    /** How many placement observations the log holds for this trial: the next one's id counts from here. */
    public int placementChanges() { return placementChanges; }
    /** Every scheduler decision about this trial, in log order. */
    public List<TrialDecision> decisions() { return Collections.unmodifiableList(decisions); }

    /** Whether a decision about this trial recorded its score at this rung (see {@code TrialDecision.rung}); fastest with an interned name. */
    public boolean judgedAt(String rung) {
        for (int i = 0; i < rungs.size(); i++) {
            String r = rungs.get(i);
            if (r == rung || r.equals(rung)) {
                return true;
            }
        }
        return false;
    }
    /** Whether the trial is paused and the scheduler has approved its resumption. */
    public boolean resumeApproved() { return resumeApproved; }
    public List<Report> reports() { return Collections.unmodifiableList(reports); }

    /**
     * The index of the first report whose step is at least {@code step} (the number of reports if none is): every
     * report before it has a lower step. O(log n), so a rule that only cares about reports from some step on need not
     * walk the whole history.
     */
    public int firstReportFromStep(long step) {
        int lo = 0;
        int hi = reports.size();
        if (hi == 0 || highestStep[hi - 1] < step) {
            return hi; // the usual answer for a trial between milestones: none yet
        }
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (highestStep[mid] >= step) {
                hi = mid;
            } else {
                lo = mid + 1;
            }
        }
        return lo;
    }
    public List<Checkpoint> checkpoints() { return Collections.unmodifiableList(checkpoints); }

    /** Milliseconds the trial ran in attempts that have ended. */
    public long ranMs() {
        return ranMs;
    }

    /** When the running attempt started, in epoch milliseconds (the log's resolution); meaningful while RUNNING. */
    public long runningSinceMs() {
        return runningSinceMs;
    }

    /** Milliseconds the trial has run by {@code at} (epoch ms): its ended attempts, and the running one up to then. */
    public long ranMs(long at) {
        return status == TrialStatus.RUNNING ? ranMs + Math.max(0, at - runningSinceMs) : ranMs;
    }

    /** The first report that reached a {@code trial.stop} condition on steps or metrics; null while none has. */
    public StopReached stopReached() {
        return stopReached;
    }

    public boolean isCompleted() {
        return status == TrialStatus.COMPLETED;
    }

    /** Whether the trial can still change: a failed trial stays open while it has retries left. */
    public boolean isTerminal(int maxFailures) {
        return switch (status) {
            case COMPLETED, STOPPED, CANCELLED -> true;
            case FAILED -> !canRetry(maxFailures);
            case CREATED, QUEUED, RUNNING, PAUSED -> false;
        };
    }

    /** A failed attempt is retried while it was retryable and the failures stay within {@code maxFailures}. */
    public boolean canRetry(int maxFailures) {
        return status == TrialStatus.FAILED && lastFailureRetryable && failures <= maxFailures;
    }

    /** The most recent value reported for {@code metric}, if any report carried it. */
    public Optional<Double> lastValue(String metric) {
        for (int i = reports.size() - 1; i >= 0; i--) {
            Double v = reports.get(i).metrics().get(metric);
            if (v != null) {
                return Optional.of(v);
            }
        }
        return Optional.empty();
    }

    /** The last step reported by the current attempt, or -1 when it has reported nothing. */
    public long lastStepOfCurrentAttempt() {
        for (int i = reports.size() - 1; i >= 0; i--) {
            if (reports.get(i).attempt() == attempt) {
                return reports.get(i).step();
            }
            if (reports.get(i).attempt() < attempt) {
                break;
            }
        }
        return -1;
    }

    /** Checkpoints registered and not deleted. */
    public int liveCheckpoints() {
        return liveCheckpoints;
    }

    /**
     * Where the next attempt resumes: the newest live checkpoint of this trial's own, or, after a PBT
     * exploit and before the trial has checkpointed again, the checkpoint it cloned (its own older ones
     * belong to the configuration it left).
     */
    public Optional<Checkpoint> resumePoint() {
        Optional<Checkpoint> own = latestLiveCheckpoint();
        if (exploitedCheckpoint == null || own.filter(c -> c.attempt() > exploitedAtAttempt).isPresent()) {
            return own;
        }
        return Optional.of(exploitedCheckpoint);
    }

    /** The newest checkpoint of this trial's own that is not deleted. */
    public Optional<Checkpoint> latestLiveCheckpoint() {
        for (int i = checkpoints.size() - 1; i >= 0; i--) {
            if (!checkpoints.get(i).deleted()) {
                return Optional.of(checkpoints.get(i));
            }
        }
        return Optional.empty();
    }

    // ---- transitions, called by the fold only ----

    void queued(int newAttempt, String restoreFrom) {
        status = TrialStatus.QUEUED;
        attempt = newAttempt;
        restoreFromCheckpointId = restoreFrom;
        resumeApproved = false;
        startedAt = null;
        workerId = null;
        host = null;
        devices = List.of();
    }

    /** The experiment was cancelled while this trial could still change. */
    void cancelled() {
        status = TrialStatus.CANCELLED;
    }

    void started(String worker, String workerHost, java.time.Instant at, List<String> givenDevices) {
        status = TrialStatus.RUNNING;
        devices = givenDevices;
        // A worker ran it, so one fits.
        unplaceable = null;
        if (firstStartedAt == null) {
            firstStartedAt = at;
        }
        startedAt = at;
        runningSinceMs = at.toEpochMilli();
        workerId = worker;
        host = workerHost;
    }

    void reported(Report report) {
        int i = reports.size();
        if (i == highestStep.length) {
            highestStep = Arrays.copyOf(highestStep, 2 * i);
        }
        highestStep[i] = i == 0 ? report.step() : Math.max(highestStep[i - 1], report.step());
        reports.add(report);
    }

    /** The running attempt ended (by the event at {@code at}, epoch ms): its time counts towards the trial's. */
    void stoppedRunning(long at) {
        ranMs += Math.max(0, at - runningSinceMs);
    }

    void reachedStop(StopReached reached) {
        if (stopReached == null) {
            stopReached = reached;
        }
    }

    void checkpointed(Checkpoint checkpoint) {
        checkpoints.add(checkpoint);
        liveCheckpoints++;
    }

    void checkpointDeleted(String checkpointId) {
        for (int i = 0; i < checkpoints.size(); i++) {
            Checkpoint c = checkpoints.get(i);
            if (c.checkpointId().equals(checkpointId) && !c.deleted()) {
                checkpoints.set(i, c.markDeleted());
                liveCheckpoints--;
            }
        }
    }

    void completed() {
        status = TrialStatus.COMPLETED;
    }

    void placement(boolean placeable, String reason) {
        unplaceable = placeable ? null : reason;
        placementChanges++;
    }

    void failed(String error, boolean retryable, boolean preempted) {
        status = TrialStatus.FAILED;
        if (!preempted) {
            failures++;
        }
        lastError = error;
        lastFailureRetryable = retryable;
    }

    /**
     * A decision takes effect only on a trial it can still act on. A scheduler decides on the log up to its
     * basis; a worker's completion or failure admitted meanwhile may land first, and then a late pause or
     * continue changes nothing (a late stop still ends a failed trial's retries).
     */
    void decided(TrialDecision decision) {
        decisions.add(decision);
        if (decision.rung() != null && !judgedAt(decision.rung())) {
            rungs.add(decision.rung().intern());
        }
        boolean actionable = status == TrialStatus.RUNNING || status == TrialStatus.PAUSED;
        switch (decision.action()) {
            case STOP -> {
                if (actionable || status == TrialStatus.FAILED) {
                    status = TrialStatus.STOPPED;
                }
            }
            case PAUSE -> {
                if (actionable) {
                    status = TrialStatus.PAUSED;
                    resumeApproved = false;
                }
            }
            case CONTINUE -> resumeApproved = status == TrialStatus.PAUSED;
        }
    }

    /** Takes the donor's checkpoint and the explored configuration; with no checkpoint (void), resumes unchanged. */
    void exploited(Checkpoint donorCheckpoint, Map<String, Object> newConfig) {
        if (donorCheckpoint != null) {
            exploitedCheckpoint = donorCheckpoint;
            exploitedAtAttempt = attempt;
            config = newConfig;
        }
        resumeApproved = true;
    }
}
