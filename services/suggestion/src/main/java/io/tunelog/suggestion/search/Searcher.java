package io.tunelog.suggestion.search;

import io.tunelog.domain.spec.ExperimentSpec;
import java.util.Map;

/**
 * Suggests the configuration of one new trial. Pure: the result depends on the request alone, whose
 * generator is seeded for this very suggestion, so an audit recomputes it to the bit.
 */
public interface Searcher {

    Map<String, Object> suggest(SuggestionRequest request);

    /** Refuses options this searcher does not take or values it cannot use, naming the option. */
    void check(ExperimentSpec spec);
}
