package io.tunelog.suggestion.search;

import io.tunelog.domain.spec.ExperimentSpec;
import io.tunelog.domain.state.ExperimentState;
import java.util.Map;
import org.apache.commons.math3.random.RandomGenerator;

/**
 * Suggests the configuration of the trial with a given index. Pure: the result depends on the spec,
 * the folded state, the index and the generator, which is seeded for this very suggestion.
 */
public interface Searcher {

    Map<String, Object> suggest(ExperimentSpec spec, ExperimentState state, int index, RandomGenerator random);
}
