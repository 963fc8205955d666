package io.tunelog.domain.spec;

import java.util.List;
import java.util.Map;

/**
 * Which searcher suggests configurations, with its options, and the configurations to evaluate first
 * ({@code initial}, each a whole point of the search space, checked by {@link ConfigCheck}): the first trials are these,
 * in order, and the searcher suggests the rest of {@code budget.trials}.
 */
public record SearcherSpec(String type, Map<String, Object> options, List<Map<String, Object>> initial) {

    public SearcherSpec {
        options = Map.copyOf(options);
        initial = initial.stream().map(java.util.Collections::unmodifiableMap).toList();
    }

    public SearcherSpec(String type, Map<String, Object> options) {
        this(type, options, List.of());
    }

    public boolean is(SearcherType searcher) {
        return searcher.specName().equals(type);
    }
}
