package io.tunelog.replay.whatif;

import io.tunelog.domain.event.EventPayload;
import io.tunelog.domain.log.InMemoryLog;
import io.tunelog.domain.spec.ExperimentSpec;
import io.tunelog.domain.spec.SpecJson;
import io.tunelog.domain.state.ExperimentState;
import io.tunelog.domain.state.Report;
import io.tunelog.domain.state.TrialState;
import io.tunelog.domain.state.TrialStatus;
import io.tunelog.scheduler.SchedulingDecider;
import io.tunelog.suggestion.SuggestionDecider;
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

    private final InMemoryLog shadow;
    private final SchedulingDecider decider = new SchedulingDecider();
    private final Map<String, Long> lastStep = new HashMap<>();

    RuleReplay(ExperimentState recorded, ExperimentSpec spec) {
        shadow = new InMemoryLog(recorded.experimentId(), 0, REPLAY);
        Instant start = recorded.submittedAt();
        shadow.command(null, "submitted", new EventPayload.ExperimentSubmitted(spec.name(), SpecJson.toJson(spec), spec.seed(), REPLAY), start);
        for (TrialState t : recorded.trials()) {
            shadow.append(SuggestionDecider.SERVICE, t.trialId(), t.trialId() + "/created",
                    new EventPayload.TrialCreated(t.config(), t.origin(), t.index()), start);
            shadow.append(SchedulingDecider.SERVICE, t.trialId(), t.trialId() + "/queued-1", new EventPayload.TrialQueued(1, null, null), start);
            shadow.command(t.trialId(), t.trialId() + "/a1/started", new EventPayload.TrialStarted(1, REPLAY, REPLAY, null), start);
        }
    }

    /** Feeds one recorded result (a step the trial already passed, after a retry, is skipped) and lets the rule decide. */
    void feed(TrialState trial, Report report) {
        String id = trial.trialId();
        if (isStopped(id) || report.step() <= lastStep.getOrDefault(id, Long.MIN_VALUE)) {
            return;
        }
        lastStep.put(id, report.step());
        shadow.command(id, id + "/a1/step-" + report.step(), new EventPayload.TrialReported(1, report.step(), report.metrics(), null),
                report.timestamp());
        shadow.decide(decider, report.timestamp());
    }

    boolean isStopped(String trialId) {
        return shadow.state().trial(trialId).status() == TrialStatus.STOPPED;
    }
}
