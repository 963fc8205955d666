package io.tunelog.suggestion;

import io.tunelog.domain.event.EventPayload.TrialCreated;
import io.tunelog.domain.spec.ExperimentSpec;
import io.tunelog.domain.spec.RobustSpec;
import io.tunelog.domain.state.ExperimentState;
import io.tunelog.domain.state.RobustStage;
import io.tunelog.suggestion.search.UnitSpace;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.commons.math3.random.RandomGenerator;

/**
 * The trials of the robust stage. Stage trial j checks candidate j / (seeds + probes): the first
 * {@code seeds} of its trials rerun the configuration with the seed parameter set to 1, 2, ...; the
 * rest probe a point drawn uniformly within {@code radius} of it on every numeric coordinate of the
 * unit cube (categorical values are kept: a neighbour differs by a little, not by a kind).
 */
final class RobustTrials {
    private RobustTrials() {}

    static TrialCreated create(ExperimentState state, int index, RandomGenerator random) {
        ExperimentSpec spec = state.spec();
        RobustSpec robust = spec.robust();
        List<RobustStage.Candidate> candidates = RobustStage.candidates(state);
        int j = index - spec.plannedTrials();
        RobustStage.Candidate checked = candidates.get(j / robust.trialsPerConfiguration());
        int k = j % robust.trialsPerConfiguration();
        String checkedId = checked.trial().trialId();
        if (k < robust.seeds()) {
            Map<String, Object> config = new LinkedHashMap<>(checked.trial().config());
            config.put(robust.seedParam(), (long) (k + 1));
            return new TrialCreated(config, RobustStage.RERUN + checkedId, index);
        }
        UnitSpace space = new UnitSpace(spec.searchSpace());
        double[] u = space.unit(checked.trial().config());
        for (int d = 0; d < u.length; d++) {
            if (space.categories(d) == 0 && !Double.isNaN(u[d])) {
                u[d] = Math.min(Math.max(u[d] + robust.radius() * (2 * random.nextDouble() - 1), 0), 1);
            }
        }
        // Categorical coordinates sit in the middle of their value's cell, so they map back to the same value.
        return new TrialCreated(space.config(u), RobustStage.PROBE + checkedId, index);
    }
}
