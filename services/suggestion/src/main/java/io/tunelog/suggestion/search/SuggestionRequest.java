package io.tunelog.suggestion.search;

import io.tunelog.domain.spec.ExperimentSpec;
import io.tunelog.domain.state.ExperimentState;
import java.util.List;
import java.util.Map;
import org.apache.commons.math3.random.RandomGenerator;

/**
 * What a searcher may look at to suggest one trial's configuration, and nothing else: the spec, the
 * folded state, the configurations already suggested earlier in the same decision (so that concurrent
 * workers get different points), the new trial's index, and a generator seeded for this suggestion.
 */
public record SuggestionRequest(ExperimentSpec spec, ExperimentState state, List<Map<String, Object>> batch,
                                int index, RandomGenerator random) {
    public SuggestionRequest {
        batch = List.copyOf(batch);
    }

    /** The trials finished with a value and those still pending, as the searchers' models see them. */
    public History history() {
        return History.of(spec, state, batch);
    }
}
