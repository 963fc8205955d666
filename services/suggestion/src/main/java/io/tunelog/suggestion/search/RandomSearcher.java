package io.tunelog.suggestion.search;

import io.tunelog.domain.spec.Options;

import io.tunelog.domain.spec.ExperimentSpec;
import java.util.Map;

/** Independent draws from every active parameter's domain; a grid parameter counts as a choice. */
public final class RandomSearcher implements Searcher {

    @Override
    public void check(ExperimentSpec spec) {
        Options.of(spec.searcher()).refuseUnknown();
    }

    @Override
    public Map<String, Object> suggest(SuggestionRequest request) {
        return Sampling.sample(request.spec().searchSpace(), request.random());
    }
}
