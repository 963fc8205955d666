package io.tunelog.scheduler.rule;

import io.tunelog.domain.decide.Decided;
import io.tunelog.domain.spec.ExperimentSpec;
import io.tunelog.domain.spec.Options;
import io.tunelog.domain.state.ExperimentState;
import java.util.List;

/** Every trial runs until its trainable ends. */
public final class Fifo implements TrialRule {

    @Override
    public void check(ExperimentSpec spec) {
        Options.of(spec.scheduler()).refuseUnknown();
    }

    /** It compares no trials, so it runs a multi-objective experiment as it runs any other. */
    @Override
    public boolean ranksOnOneMetric() {
        return false;
    }

    @Override
    public boolean onlyStops() {
        return true;
    }

    @Override
    public List<Decided> decide(ExperimentState state) {
        return List.of();
    }
}
