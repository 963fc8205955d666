package io.tunelog.domain.testing;

import io.tunelog.domain.decide.Decider;
import io.tunelog.domain.event.Event;
import io.tunelog.domain.event.EventPayload;
import io.tunelog.domain.event.LoggedEvent;
import io.tunelog.domain.log.InMemoryLog;
import io.tunelog.domain.spec.SpecJson;
import io.tunelog.domain.spec.SpecParser;
import io.tunelog.domain.state.Deadlines;
import io.tunelog.domain.state.ExperimentState;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * An experiment's log in memory ({@link InMemoryLog}) in the words of specification-style tests: given
 * these events, when a decider runs, then these events. Offsets count up from the first and timestamps
 * advance one second per event, so tests are deterministic.
 */
public final class LogBuilder {
    public static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

    private final InMemoryLog log;
    /** How far {@link #advance} has moved the clock on. */
    private Duration advanced = Duration.ZERO;

    private LogBuilder(String experimentId, long firstOffset) {
        this.log = new InMemoryLog(experimentId, firstOffset, "test");
    }

    /** A log whose first event accepts {@code specText} (YAML or JSON). */
    public static LogBuilder submitted(String experimentId, String specText) {
        return submitted(experimentId, specText, 0);
    }

    /** As {@link #submitted(String, String)}, with the log starting at {@code firstOffset} (where a real partition is). */
    public static LogBuilder submitted(String experimentId, String specText, long firstOffset) {
        LogBuilder log = new LogBuilder(experimentId, firstOffset);
        var spec = SpecParser.parse(specText);
        log.command(null, "submitted", new EventPayload.ExperimentSubmitted(spec.name(), SpecJson.toJson(spec), spec.seed(), "test"));
        return log;
    }

    public ExperimentState state() {
        return log.state();
    }

    public List<LoggedEvent> events() {
        return log.events();
    }

    public String experimentId() {
        return log.experimentId();
    }

    /** Appends a command as the gate would admit it (without checking; the fold checks). */
    public LoggedEvent command(String trialId, String key, EventPayload.Command payload) {
        return log.command(trialId, key, payload, now());
    }

    /** Runs a decider on the state so far and appends what it decided, as the live loop does. */
    public List<Event> decide(Decider decider) {
        return log.decide(decider, now());
    }

    /** Appends an already built event at the next offset. */
    public LoggedEvent append(Event event) {
        return log.append(event);
    }

    /** The suggestion service's decision to create a trial with this configuration. */
    public LoggedEvent created(String trialId, int index, Map<String, Object> config) {
        return log.append("suggestion", trialId, trialId + "/created", new EventPayload.TrialCreated(config, "suggested", index), now());
    }

    /** The scheduler's decision to queue an attempt, as the FIFO scheduler would log it. */
    public LoggedEvent queued(String trialId, int attempt) {
        return log.append("scheduler", trialId, trialId + "/queued-" + attempt, new EventPayload.TrialQueued(attempt, null, null), now());
    }

    public LoggedEvent started(String trialId, int attempt) {
        return command(trialId, trialId + "/a" + attempt + "/started", new EventPayload.TrialStarted(attempt, "w1", "host", null));
    }

    /** A start on these devices, by this worker. */
    public LoggedEvent started(String trialId, int attempt, String workerId, List<String> devices) {
        return command(trialId, trialId + "/a" + attempt + "/started", new EventPayload.TrialStarted(attempt, workerId, "host", null, devices));
    }

    /** The gate's observation that some live worker can, or none can, run the trial's attempt. */
    public LoggedEvent placement(String trialId, int attempt, boolean placeable) {
        int n = state().trial(trialId).placementChanges();
        return command(trialId, trialId + "/a" + attempt + "/placement-" + n,
                new EventPayload.TrialPlacement(attempt, placeable, placeable ? "worker w2 fits it" : "no live worker has 8 GPUs"));
    }

    public LoggedEvent reported(String trialId, int attempt, long step, Map<String, Double> metrics) {
        return command(trialId, trialId + "/a" + attempt + "/step-" + step, new EventPayload.TrialReported(attempt, step, metrics, null));
    }

    public LoggedEvent checkpoint(String trialId, int attempt, long step, Map<String, Double> metrics) {
        String id = trialId + "/a" + attempt + "/checkpoint_" + step;
        return command(trialId, trialId + "/a" + attempt + "/checkpoint-" + id,
                new EventPayload.CheckpointRegistered(attempt, id, step, "file:///ckpt/" + id, 10, metrics));
    }

    public LoggedEvent completed(String trialId, int attempt) {
        return command(trialId, trialId + "/a" + attempt + "/completed", new EventPayload.TrialCompleted(attempt, Map.of()));
    }

    public LoggedEvent failed(String trialId, int attempt, boolean retryable) {
        return command(trialId, trialId + "/a" + attempt + "/failed", new EventPayload.TrialFailed(attempt, "boom", retryable));
    }

    /** Moves the log's clock on: every later event is written this much later than it would have been. */
    public LogBuilder advance(Duration by) {
        advanced = advanced.plus(by);
        return this;
    }

    /** When the next event is written: one second per event from {@link #T0}, plus what {@link #advance} added. */
    public Instant now() {
        return T0.plusSeconds(log.size()).plus(advanced);
    }

    /** The gate's observation, at the log's clock, that the next deadline the log sets has passed (as the gate writes it). */
    public LoggedEvent timeObserved() {
        Deadlines.Deadline next = Deadlines.next(state()).orElseThrow(() -> new IllegalStateException("no deadline pending"));
        return command(next.trialId(), "time-" + state().stops().timeObservations(),
                new EventPayload.TimeObserved(now().toEpochMilli(), next.name(), next.due()));
    }

    /** A stop the scheduler decided, as it logs one. */
    public LoggedEvent stopped(String trialId, int attempt, String rule) {
        return log.append("scheduler", trialId, trialId + "/a" + attempt + "/stop",
                new EventPayload.TrialDecision(attempt, EventPayload.Action.STOP, rule, "stopped", Map.of()), now());
    }
}
