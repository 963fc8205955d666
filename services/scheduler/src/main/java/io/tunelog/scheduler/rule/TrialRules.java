package io.tunelog.scheduler.rule;

import io.tunelog.domain.spec.ExperimentSpec;
import io.tunelog.domain.spec.SchedulerType;
import io.tunelog.domain.spec.SpecException;

/** The rule of each trial scheduler a spec may name ({@link SchedulerType}, the one list of names). */
public final class TrialRules {
    private TrialRules() {}

    /** Exhaustive on purpose: a name added to {@link SchedulerType} without a rule does not compile. */
    public static TrialRule of(SchedulerType type) {
        return switch (type) {
            case FIFO -> new Fifo();
            case ASHA -> new Asha();
            case HYPERBAND -> new Hyperband();
            case MEDIAN -> new MedianStopping();
            case PBT -> new Pbt(false);
            case PB2 -> new Pbt(true);
            case RACING -> new Racing();
        };
    }

    /**
     * The rule a spec names.
     *
     * @throws SpecException naming {@code scheduler.type} for a name this build does not have (a spec that
     *     did not come through the parser)
     */
    public static TrialRule of(ExperimentSpec spec) {
        String name = spec.scheduler().type();
        return of(SchedulerType.named(name).orElseThrow(() -> new SpecException("scheduler.type",
                "expected a scheduler this build has, one of " + SchedulerType.names() + ", found \"" + name + "\"")));
    }
}
