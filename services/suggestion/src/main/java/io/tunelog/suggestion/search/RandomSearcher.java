package io.tunelog.suggestion.search;

import io.tunelog.domain.spec.ExperimentSpec;
import io.tunelog.domain.state.ExperimentState;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.commons.math3.random.RandomGenerator;

/** Independent uniform draws from every domain; a grid parameter counts as a choice. */
public final class RandomSearcher implements Searcher {

    @Override
    public Map<String, Object> suggest(ExperimentSpec spec, ExperimentState state, int index, RandomGenerator random) {
        Map<String, Object> config = new LinkedHashMap<>();
        spec.searchSpace().params().forEach((name, domain) -> config.put(name, Sampling.sample(domain, random)));
        return config;
    }
}
