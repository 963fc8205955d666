package io.tunelog.replay.whatif;

import io.tunelog.domain.decide.Decisions;
import io.tunelog.domain.event.Event;
import io.tunelog.domain.event.EventPayload;
import io.tunelog.domain.event.LoggedEvent;
import io.tunelog.domain.spec.ExperimentSpec;
import io.tunelog.domain.spec.SpecJson;
import io.tunelog.domain.state.ExperimentState;
import io.tunelog.domain.state.Report;
import io.tunelog.domain.state.TrialState;
import io.tunelog.domain.state.TrialStatus;
import io.tunelog.scheduler.SchedulingDecider;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;

/**
 * The live scheduling decider on a shadow log: the recorded experiment's trials, every one running from
 * the start, fed the recorded results one at a time. After each result the decider runs, as it would have
 * live, and its decisions are folded into the shadow; so a what-if uses exactly the rules the scheduler
 * uses, and nothing else. Only rules that stop trials can be replayed from recorded curves.
 */
final class RuleReplay {
    private static final String REPLAY = "whatif";

    private final ExperimentState shadow;
    private final SchedulingDecider decider = new SchedulingDecider();
    private final Map<String, Long> lastStep = new HashMap<>();
    private long offset;

    RuleReplay(ExperimentState recorded, ExperimentSpec spec) {
        shadow = new ExperimentState(recorded.experimentId());
        Instant start = recorded.submittedAt();
        append(null, "submitted", "gate", start, new EventPayload.ExperimentSubmitted(spec.name(), SpecJson.toJson(spec), spec.seed(), REPLAY));
        for (TrialState t : recorded.trials()) {
            append(t.trialId(), t.trialId() + "/created", "suggestion", start, new EventPayload.TrialCreated(t.config(), t.origin(), t.index()));
            append(t.trialId(), t.trialId() + "/queued-1", "scheduler", start, new EventPayload.TrialQueued(1, null, null));
            append(t.trialId(), t.trialId() + "/a1/started", "gate", start, new EventPayload.TrialStarted(1, REPLAY, REPLAY, null));
        }
    }

    /** Feeds one recorded result (a step the trial already passed, after a retry, is skipped) and lets the rule decide. */
    void feed(TrialState trial, Report report) {
        String id = trial.trialId();
        if (isStopped(id) || report.step() <= lastStep.getOrDefault(id, Long.MIN_VALUE)) {
            return;
        }
        lastStep.put(id, report.step());
        append(id, id + "/a1/step-" + report.step(), "gate", report.timestamp(),
                new EventPayload.TrialReported(1, report.step(), report.metrics(), null));
        for (Event e : Decisions.toEvents(shadow, SchedulingDecider.SERVICE, REPLAY, decider.decide(shadow), report.timestamp())) {
            shadow.apply(new LoggedEvent(offset++, e));
        }
    }

    boolean isStopped(String trialId) {
        return shadow.trial(trialId).status() == TrialStatus.STOPPED;
    }

    private void append(String trialId, String key, String service, Instant at, EventPayload payload) {
        shadow.apply(new LoggedEvent(offset, new Event(Event.id(shadow.experimentId(), key), shadow.experimentId(), trialId,
                shadow.nextSequence(service), at,
                new Event.Source(service, REPLAY), offset == 0 ? null : offset - 1, payload)));
        offset++;
    }
}
