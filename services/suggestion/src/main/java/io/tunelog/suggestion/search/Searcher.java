package io.tunelog.suggestion.search;

import java.util.Map;

/**
 * Suggests the configuration of one new trial. Pure: the result depends on the request alone, whose
 * generator is seeded for this very suggestion, so an audit recomputes it to the bit.
 */
public interface Searcher {

    Map<String, Object> suggest(SuggestionRequest request);
}
