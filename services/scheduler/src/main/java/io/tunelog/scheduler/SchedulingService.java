package io.tunelog.scheduler;

import io.tunelog.avro.Assignment;
import io.tunelog.avro.TrialAction;
import io.tunelog.avro.TrialControl;
import io.tunelog.codec.AvroBytes;
import io.tunelog.domain.decide.Decider;
import io.tunelog.domain.event.Event;
import io.tunelog.domain.event.EventPayload;
import io.tunelog.domain.spec.ExperimentSpec;
import io.tunelog.domain.state.ExperimentState;
import io.tunelog.domain.state.TrialState;
import io.tunelog.kafka.Topics;
import io.tunelog.scheduler.rule.TrialRule;
import io.tunelog.scheduler.rule.TrialRules;
import io.tunelog.scheduler.stop.TrialStops;
import io.tunelog.service.ServiceLogic;
import io.tunelog.suggestion.SuggestionDecider;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.TreeMap;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * The scheduling service: the gate for commands, the trial scheduler, and the source of work for
 * workers. A queued attempt is published as an assignment (unless its experiment's trials are ask-and-tell, taken
 * over HTTP) and a stop decision as a control message, in the same transaction as the decision itself.
 */
public final class SchedulingService implements ServiceLogic {
    private final SchedulingDecider decider = new SchedulingDecider();

    /** The gate refuses what the services could not use: the searcher's and the scheduler's options. */
    @Override
    public void checkSubmittedSpec(ExperimentSpec spec) {
        SuggestionDecider.check(spec);
        SchedulingDecider.check(spec);
    }

    @Override
    public Decider decider() {
        return decider;
    }

    @Override
    public boolean gatesCommands() {
        return true;
    }

    /**
     * Where the worker holds a running trial next: the time of its next report the spec's rule will judge, unless the
     * spec switched holds off ({@code trial.holdAtMilestones: false}), or its {@code trial.stop.step} when that comes first;
     * a rule's never for the robust stage's reruns, which rules leave alone.
     */
    @Override
    public Double nextMilestone(ExperimentState state, String trialId) {
        ExperimentSpec spec = state.spec();
        TrialState trial = state.trial(trialId);
        if (spec == null || trial == null || !spec.trial().holdAtMilestones()) {
            return null;
        }
        TrialRule rule = TrialRules.of(spec);
        OptionalDouble at = trial.index() >= spec.plannedTrials() ? OptionalDouble.empty() : rule.nextMilestone(state, trial);
        // trial.stop.step counts steps: a hold there is in the rule's terms only when the rule's time is the step too.
        OptionalDouble stop = rule.timeAttr(spec) == null ? TrialStops.nextMilestone(state, trial) : OptionalDouble.empty();
        if (stop.isPresent() && (at.isEmpty() || stop.getAsDouble() < at.getAsDouble())) {
            at = stop;
        }
        return at.isPresent() ? at.getAsDouble() : null;
    }

    @Override
    public List<ProducerRecord<String, byte[]>> sideOutputs(Event decided, ExperimentState state) {
        if (decided.payload() instanceof EventPayload.TrialQueued q) {
            // An ask-and-tell attempt is for a client of the gateway, which takes it from the log: on the queue, a worker
            // would take it with nothing to run.
            return state.spec().trial().askAndTell() ? List.of() : List.of(assignment(decided, q, state));
        }
        if (decided.payload() instanceof EventPayload.TrialDecision d && d.action() != EventPayload.Action.CONTINUE) {
            return List.of(new ProducerRecord<>(Topics.CONTROL, decided.experimentId(), AvroBytes.encode(new TrialControl(
                    decided.experimentId(), decided.trialId(), d.attempt(), TrialAction.valueOf(d.action().name()), d.reason(), null, null, null))));
        }
        return List.of();
    }

    private ProducerRecord<String, byte[]> assignment(Event decided, EventPayload.TrialQueued q, ExperimentState state) {
        ExperimentSpec spec = state.spec();
        TrialState trial = state.trial(decided.trialId());
        Map<String, Object> config = new TreeMap<>(trial.config());
        Assignment a = new Assignment(decided.experimentId(), decided.trialId(), q.attempt(), config,
                spec.trial().command(), spec.trial().trainable(), q.restoreFromUri(), spec.metric().name(),
                spec.trial().reportTimeoutSeconds(), TrialRules.of(spec).timeAttr(spec), nextMilestone(state, decided.trialId()),
                spec.trial().resources().cpus(), spec.trial().resources().gpus());
        // Keyed by trial for readers of the topic; the queue is one partition that every worker shares.
        return new ProducerRecord<>(Topics.ASSIGNMENTS, decided.trialId(), AvroBytes.encode(a));
    }
}
