package io.tunelog.scheduler.rule;

import io.tunelog.domain.decide.Decided;
import io.tunelog.domain.spec.ExperimentSpec;
import io.tunelog.domain.state.ExperimentState;
import io.tunelog.domain.state.TrialState;
import java.util.List;
import java.util.OptionalDouble;

/**
 * A trial scheduler's rule: which running trials stop, pause, or take another's checkpoint. Queuing,
 * retries and resumption are the scheduling decider's, the same under every rule.
 *
 * <p>Like every decider, a rule is a pure function of the folded state: what it remembers between
 * decisions (scores at rungs, the last perturbation) it reads back from its own logged decisions.
 */
public interface TrialRule {

    /** Refuses options this rule cannot use, naming {@code scheduler.<option>}. */
    void check(ExperimentSpec spec);

    /**
     * Whether the rule compares trials on the spec's one metric (rungs, medians, quantiles, races): such a rule has no
     * meaning with several objectives, and the scheduling service refuses that spec at submission.
     */
    default boolean ranksOnOneMetric() {
        return true;
    }

    /** Decisions about the experiment's trials, in the order they are to be logged. */
    List<Decided> decide(ExperimentState state);

    /**
     * Whether the rule never pauses, resumes or exploits, only stops: then recorded results are all it needs,
     * and a what-if can replay it on them.
     */
    boolean onlyStops();

    /**
     * The time (see {@link #timeAttr}) of the running trial's next report this rule will judge: where its worker
     * holds it until the decision arrives. Empty for a rule that judges no report of it ahead of time.
     */
    default OptionalDouble nextMilestone(ExperimentState state, TrialState trial) {
        return OptionalDouble.empty();
    }

    /** The metric this rule reads as a report's time, or null for the report's step. */
    default String timeAttr(ExperimentSpec spec) {
        return null;
    }
}
