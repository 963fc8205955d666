package io.tunelog.domain.spec;

import java.util.Map;
import java.util.Set;

/** Which searcher suggests configurations, with its options. */
public record SearcherSpec(String type, Map<String, Object> options) {

    /** Searchers this build implements. */
    public static final Set<String> TYPES = Set.of("random", "grid", "sobol", "tpe", "gp", "cmaes", "evolution", "bohb");

    public SearcherSpec {
        options = Map.copyOf(options);
    }
}
