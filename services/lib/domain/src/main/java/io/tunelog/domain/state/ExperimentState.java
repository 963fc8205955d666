package io.tunelog.domain.state;

import io.tunelog.domain.event.Event;
import io.tunelog.domain.event.EventPayload;
import io.tunelog.domain.event.EventPayload.CheckpointDeleted;
import io.tunelog.domain.event.EventPayload.CheckpointRegistered;
import io.tunelog.domain.event.EventPayload.ExperimentCancelled;
import io.tunelog.domain.event.EventPayload.ExperimentCompleted;
import io.tunelog.domain.event.EventPayload.ExperimentSubmitted;
import io.tunelog.domain.event.EventPayload.TrialCompleted;
import io.tunelog.domain.event.EventPayload.TrialCreated;
import io.tunelog.domain.event.EventPayload.TrialDecision;
import io.tunelog.domain.event.EventPayload.TrialExploited;
import io.tunelog.domain.event.EventPayload.TrialFailed;
import io.tunelog.domain.event.EventPayload.TrialQueued;
import io.tunelog.domain.event.EventPayload.TrialReported;
import io.tunelog.domain.event.EventPayload.TrialStarted;
import io.tunelog.domain.event.LoggedEvent;
import io.tunelog.domain.spec.ExperimentSpec;
import io.tunelog.domain.spec.SpecException;
import io.tunelog.domain.spec.SpecParser;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;
import java.util.Optional;

/**
 * An experiment as folded from its log, event by event, in log order.
 *
 * <p>{@link #apply} is the one fold that the services, the replay tool and the tests share: it does no
 * I/O and reads no clock, so folding the same events gives the same state anywhere. The state is
 * mutable for speed (replay folds millions of events) but only {@code apply} mutates it; deciders get
 * read-only views.
 */
public final class ExperimentState {
    private final String experimentId;
    private ExperimentStatus status = ExperimentStatus.UNKNOWN;
    private ExperimentSpec spec;
    private String specJson;
    private Instant submittedAt;
    private ExperimentCompleted completion;
    private ExperimentCancelled cancellation;
    private final Map<String, TrialState> trials = new LinkedHashMap<>();
    // Indexes kept in step with the trials, so deciders touch only the trials that can need them
    // (a decision's cost must not grow with the experiment's history). Keyed by trial index: creation order.
    private final NavigableMap<Integer, TrialState> open = new TreeMap<>();
    private final NavigableMap<Integer, TrialState> overCheckpointLimit = new TreeMap<>();
    private final NavigableMap<Integer, TrialState> paused = new TreeMap<>();
    private final Map<String, RungScores> rungs = new HashMap<>();
    private final Map<String, Long> nextSequence = new HashMap<>();
    private final EventIdSet eventIds = new EventIdSet();
    private final List<Anomaly> anomalies = new ArrayList<>();
    private long lastOffset = -1;
    /** Where the experiment's completion or cancellation was folded: -1 while it runs, or when it was folded ahead. */
    private long endedAt = -1;
    private StopTally stops = new StopTally(null);
    private Instant lastTimestamp;
    private long eventCount;
    private long duplicatesIgnored;

    public ExperimentState(String experimentId) {
        this.experimentId = experimentId;
    }

    public String experimentId() { return experimentId; }
    public ExperimentStatus status() { return status; }
    /** The accepted spec; null until ExperimentSubmitted is folded. */
    public ExperimentSpec spec() { return spec; }
    public String specJson() { return specJson; }
    public Instant submittedAt() { return submittedAt; }
    public Optional<ExperimentCompleted> completion() { return Optional.ofNullable(completion); }
    /** Why and by whom the experiment was cancelled, once it was. */
    public Optional<ExperimentCancelled> cancellation() { return Optional.ofNullable(cancellation); }
    public Collection<TrialState> trials() { return Collections.unmodifiableCollection(trials.values()); }
    public TrialState trial(String trialId) { return trials.get(trialId); }
    public List<Anomaly> anomalies() { return Collections.unmodifiableList(anomalies); }
    public int anomalyCount() { return anomalies.size(); }
    /** Offset of the last event folded, or -1 before any. */
    public long lastOffset() { return lastOffset; }
    public Instant lastTimestamp() { return lastTimestamp; }
    /** Events applied (duplicates excluded). */
    public long eventCount() { return eventCount; }
    public long duplicatesIgnored() { return duplicatesIgnored; }

    /** What the stop conditions count: the time last observed, failed trials, the best value reported, the plateau. */
    public StopTally stops() { return stops; }

    /** The sequence number the next event from {@code service} must carry. */
    public long nextSequence(String service) {
        return nextSequence.getOrDefault(service, 0L);
    }

    /** Whether an event with this id was already folded (a duplicate from a retried write). */
    public boolean hasEvent(String eventId) {
        return eventIds.contains(eventId);
    }

    /** Whether a decision with this key (as deciders name them, e.g. {@code trial-00007/queued-2}) was folded. */
    public boolean hasDecided(String decisionKey) {
        return eventIds.contains(Event.id(experimentId, decisionKey));
    }

    /** Trials that are not terminal under the spec's failure budget. */
    public long activeTrials() {
        return open.size();
    }

    /**
     * Trials that hold or wait for a worker: open and not paused. A paused trial gives its slot back, so
     * it does not count against the concurrency budget (else a Hyperband rung waiting for its last
     * trials could never fill).
     */
    public long busyTrials() {
        return open.size() - paused.size();
    }

    /** The scores recorded at a rung, empty when none were. */
    public RungScores rung(String rung) {
        return rungs.getOrDefault(rung, EMPTY_RUNG);
    }

    private static final RungScores EMPTY_RUNG = new RungScores();

    /** The trials that are not terminal, in creation order. */
    public Collection<TrialState> openTrials() {
        return Collections.unmodifiableCollection(open.values());
    }

    /** The open trials that, as the gate last observed, no live worker could ever run, in creation order. */
    public List<TrialState> unplaceableTrials() {
        List<TrialState> unplaceable = new ArrayList<>();
        for (TrialState t : open.values()) {
            if (t.unplaceable() != null) {
                unplaceable.add(t);
            }
        }
        return unplaceable;
    }

    /** Trials with more live checkpoints than the spec keeps, in creation order. */
    public Collection<TrialState> trialsOverCheckpointLimit() {
        return Collections.unmodifiableCollection(overCheckpointLimit.values());
    }

    /**
     * The best trial so far by the spec's metric: each trial counts with its last reported value, as
     * Ray Tune's default "last" scope does. Ties go to the earlier trial. A trial that does not keep every constraint is
     * never the best. Empty with several objectives, which have no single best: see {@link #front()}.
     */
    public Optional<Best> best() {
        if (spec == null || spec.isMultiObjective()) {
            return Optional.empty();
        }
        Best best = null;
        for (TrialState t : trials.values()) {
            Optional<Double> v = t.lastValue(spec.metric().name());
            if (v.isPresent() && (best == null || spec.metric().mode().better(v.get(), best.value())) && Objectives.feasible(spec, t)) {
                best = new Best(t.trialId(), v.get());
            }
        }
        return Optional.ofNullable(best);
    }

    /** The best trial and its metric value. */
    public record Best(String trialId, double value) {}

    /**
     * The Pareto front: the finished trials that keep every constraint and that no other such trial dominates on the
     * objectives (each by its last reported values), in creation order. With one objective, the trials tied for best.
     */
    public List<ParetoFront.Member> front() {
        return spec == null ? List.of() : ParetoFront.of(spec, trials.values(), spec.trial().maxFailures());
    }

    /** Folds one event. Events must come in log order; an event that does not fit is kept as an anomaly. */
    public void apply(LoggedEvent logged) {
        Event e = logged.event();
        if (!e.experimentId().equals(experimentId)) {
            throw new IllegalArgumentException("event " + e.eventId() + " belongs to " + e.experimentId()
                    + ", not " + experimentId);
        }
        if (logged.offset() <= lastOffset) {
            anomaly(logged, "offset " + logged.offset() + " is not after " + lastOffset);
            return;
        }
        lastOffset = logged.offset();
        fold(e, logged.offset());
    }

    /**
     * The read-back copy, at {@code offset}, of an event this process folded ahead ({@link #applyAhead}), which the
     * caller knows it folded: what {@link #apply} would do with it, a duplicate that moves the last offset on, without
     * the event decoded again.
     */
    public void readBack(long offset, String eventId) {
        if (offset <= lastOffset) {
            anomalies.add(new Anomaly(offset, eventId, "offset " + offset + " is not after " + lastOffset));
            return;
        }
        lastOffset = offset;
        duplicatesIgnored++;
    }

    /**
     * Folds an event of the log out of offset order, for {@link WriterOrder}: a writer's own events are folded right
     * after the event their basis names, before other writers' events that precede them in the log. The last offset
     * is the highest folded.
     */
    void applyInWriterOrder(LoggedEvent logged) {
        Event e = logged.event();
        if (!e.experimentId().equals(experimentId)) {
            throw new IllegalArgumentException("event " + e.eventId() + " belongs to " + e.experimentId()
                    + ", not " + experimentId);
        }
        lastOffset = Math.max(lastOffset, logged.offset());
        fold(e, logged.offset());
    }

    /**
     * Folds an event that this process has just written and not yet read back from the log: the scheduling
     * service's gate and decisions see what it wrote ahead (a worker's "started" and its first report, sent back
     * to back, are judged in order, and a decision sees the report just admitted); the read-back copy is then
     * ignored as a duplicate.
     */
    public void applyAhead(Event e) {
        if (!e.experimentId().equals(experimentId)) {
            throw new IllegalArgumentException("event " + e.eventId() + " belongs to " + e.experimentId());
        }
        fold(e, -1);
    }

    private void fold(Event e, long offset) {
        if (!eventIds.add(e.eventId())) {
            duplicatesIgnored++;
            return;
        }
        eventCount++;
        lastTimestamp = e.timestamp();
        LoggedEvent logged = new LoggedEvent(offset, e);
        long expected = nextSequence(e.source().service());
        if (e.sequence() != expected) {
            anomaly(logged, "sequence " + e.sequence() + " from " + e.source().service() + ", expected " + expected);
        }
        nextSequence.put(e.source().service(), e.sequence() + 1);
        if (offset >= 0 && e.basis() != null && e.basis() >= offset) {
            anomaly(logged, "basis " + e.basis() + " is not before the event's own offset " + logged.offset());
        }
        if (e.payload() instanceof EventPayload.Command command) {
            Optional<String> refusal = Admission.refusal(this, e.trialId(), command);
            if (refusal.isPresent()) {
                anomaly(logged, "not admissible: " + refusal.get());
                return;
            }
        }
        TrialState trial = e.trialId() == null ? null : trials.get(e.trialId());
        boolean wasRunning = trial != null && trial.status() == TrialStatus.RUNNING;
        applyPayload(logged, e);
        if (trial != null) {
            if (wasRunning && trial.status() != TrialStatus.RUNNING) {
                trial.stoppedRunning(e.timestamp().toEpochMilli());
            }
            reindex(trial);
        } else if (e.trialId() != null && trials.containsKey(e.trialId())) {
            reindex(trials.get(e.trialId()));
        }
    }

    private void reindex(TrialState t) {
        if (t.isTerminal(spec.trial().maxFailures())) {
            if (open.remove(t.index()) != null) {
                ended(t);
            }
        } else {
            open.put(t.index(), t);
        }
        if (t.status() == TrialStatus.PAUSED) {
            paused.put(t.index(), t);
        } else {
            paused.remove(t.index());
        }
        if (t.liveCheckpoints() > spec.trial().checkpoint().keep()) {
            overCheckpointLimit.put(t.index(), t);
        } else {
            overCheckpointLimit.remove(t.index());
        }
    }

    /** A trial left the open ones: what the experiment's stop conditions count of it, while the experiment runs. */
    private void ended(TrialState t) {
        if (status == ExperimentStatus.RUNNING) {
            stops.ended(t);
        }
    }

    /** The experiment ended: every trial that could still change ends with it (running ones at {@code at}, epoch ms). */
    private void endOpenTrials(long at) {
        for (TrialState openTrial : List.copyOf(open.values())) {
            boolean wasRunning = openTrial.status() == TrialStatus.RUNNING;
            openTrial.cancelled();
            if (wasRunning) {
                openTrial.stoppedRunning(at);
            }
            reindex(openTrial);
        }
    }

    private void applyPayload(LoggedEvent logged, Event e) {
        TrialState trial = e.trialId() == null ? null : trials.get(e.trialId());
        EventPayload payload = e.payload();
        if (payload instanceof ExperimentSubmitted s) {
            try {
                spec = SpecParser.parse(s.specJson());
            } catch (SpecException ex) {
                anomaly(logged, "spec does not parse: " + ex.getMessage());
                return;
            }
            specJson = s.specJson();
            submittedAt = e.timestamp();
            status = ExperimentStatus.RUNNING;
            stops = new StopTally(spec);
        } else if (payload instanceof ExperimentCancelled c) {
            status = ExperimentStatus.CANCELLED;
            cancellation = c;
            endedAt = logged.offset();
            // Every trial that could still change ends with the experiment; the finished ones keep their outcome.
            endOpenTrials(e.timestamp().toEpochMilli());
        } else if (payload instanceof ExperimentCompleted c) {
            if (status != ExperimentStatus.RUNNING) {
                anomaly(logged, "completion of an experiment that is " + status);
                return;
            }
            status = ExperimentStatus.COMPLETED;
            completion = c;
            endedAt = logged.offset();
            // Ended by a stop condition, its running trials were stopped just before: what is left (queued, paused, waiting
            // to be retried) is cancelled. Every planned trial ended, nothing is left.
            endOpenTrials(e.timestamp().toEpochMilli());
        } else if (payload instanceof TrialCreated c) {
            if (status.isFinished() && trial == null && e.basis() != null && (endedAt < 0 || e.basis() < endedAt)) {
                // Suggested while the experiment ran, landed after its end: like a late pause, it changes nothing.
                return;
            }
            if (status != ExperimentStatus.RUNNING || e.trialId() == null || trial != null) {
                anomaly(logged, "trial " + e.trialId() + " cannot be created here");
                return;
            }
            trials.put(e.trialId(), new TrialState(e.trialId(), c.index(), c.config(), c.origin()));
        } else if (payload instanceof TrialQueued q) {
            if (trial == null || q.attempt() != trial.attempt() + 1) {
                anomaly(logged, "queued attempt " + q.attempt() + " does not follow trial " + e.trialId()
                        + (trial == null ? " (unknown)" : " attempt " + trial.attempt()));
                return;
            }
            trial.queued(q.attempt(), q.restoreFromCheckpointId());
        } else if (payload instanceof TrialStarted s) {
            trial.started(s.workerId(), s.host(), e.timestamp(), s.devices());
        } else if (payload instanceof TrialReported r) {
            trial.reported(new Report(r.attempt(), r.step(), r.metrics(), e.timestamp()));
            stops.reported(trial, r.attempt(), r.step(), r.metrics());
            if (spec.trial().stop() != null && trial.stopReached() == null) {
                trial.reachedStop(StopReached.of(spec.trial().stop(), r.attempt(), r.step(), r.metrics()));
            }
        } else if (payload instanceof CheckpointRegistered c) {
            trial.checkpointed(new Checkpoint(c.checkpointId(), e.trialId(), c.attempt(), c.step(), c.uri(), c.sizeBytes(),
                    c.metrics(), false));
        } else if (payload instanceof CheckpointDeleted d) {
            if (trial == null) {
                anomaly(logged, "checkpoint " + d.checkpointId() + " of unknown trial " + e.trialId());
                return;
            }
            trial.checkpointDeleted(d.checkpointId());
        } else if (payload instanceof TrialDecision d) {
            if (trial == null || d.attempt() != trial.attempt()) {
                anomaly(logged, "decision about attempt " + d.attempt() + " of " + e.trialId() + " which is not current");
                return;
            }
            trial.decided(d);
            if (d.rung() != null) {
                rungs.computeIfAbsent(d.rung(), r -> new RungScores()).add(d.inputs().get(TrialDecision.SCORE));
            }
        } else if (payload instanceof TrialExploited x) {
            Optional<Checkpoint> donated = Optional.ofNullable(trials.get(x.donorTrialId())).flatMap(donor ->
                    donor.checkpoints().stream().filter(c -> c.checkpointId().equals(x.checkpointId())).findFirst());
            if (trial == null || x.attempt() != trial.attempt() || donated.isEmpty()) {
                anomaly(logged, "exploit of " + e.trialId() + " from " + x.donorTrialId() + "'s checkpoint " + x.checkpointId()
                        + ": the trial's attempt must be current and the checkpoint known");
                return;
            }
            // Like a late pause, an exploit of a trial that ended before the pause landed changes nothing; one whose
            // checkpoint was deleted meanwhile is void, and the paused trial resumes as it was.
            if (trial.status() == TrialStatus.PAUSED) {
                trial.exploited(donated.get().deleted() ? null : donated.get(), x.config());
            }
        } else if (payload instanceof TrialCompleted) {
            trial.completed();
        } else if (payload instanceof TrialFailed f) {
            trial.failed(f.error(), f.retryable(), f.preempted());
        } else if (payload instanceof EventPayload.TrialPlacement p) {
            trial.placement(p.placeable(), p.reason());
        } else if (payload instanceof EventPayload.TimeObserved t) {
            if (t.at() != e.timestamp().toEpochMilli()) {
                anomaly(logged, "time observed at " + Instant.ofEpochMilli(t.at()) + " in an event written at " + e.timestamp());
                return;
            }
            stops.observed(t.at());
        }
    }

    private void anomaly(LoggedEvent logged, String reason) {
        anomalies.add(new Anomaly(logged.offset(), logged.event().eventId(), reason));
    }
}
