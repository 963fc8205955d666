package io.tunelog.domain.spec;

import java.util.List;
import java.util.Map;

/**
 * Which searcher suggests configurations, with its options, and the configurations to evaluate first
 * ({@code initial}, each a whole point of the search space, checked by {@link ConfigCheck}): the first trials are these,
 * in order, and the searcher suggests the rest of {@code budget.trials}. {@code chosenBy} names the rule that chose the
 * searcher (e.g. {@code auto/1}, see {@link SearcherChoice}) when the spec left the choice to Tunelog; null when the spec
 * named it.
 */
public record SearcherSpec(String type, Map<String, Object> options, List<Map<String, Object>> initial, String chosenBy) {

    public SearcherSpec {
        options = Map.copyOf(options);
        initial = initial.stream().map(java.util.Collections::unmodifiableMap).toList();
    }

    /** A searcher the spec names itself, with no configurations to evaluate first. */
    public SearcherSpec(String type, Map<String, Object> options) {
        this(type, options, List.of(), null);
    }

    /** A searcher with no configurations to evaluate first, picked by the rule {@code chosenBy} (null: named by the spec). */
    public SearcherSpec(String type, Map<String, Object> options, String chosenBy) {
        this(type, options, List.of(), chosenBy);
    }

    /** The same searcher, evaluating {@code configs} first. */
    public SearcherSpec withInitial(List<Map<String, Object>> configs) {
        return new SearcherSpec(type, options, configs, chosenBy);
    }

    public boolean is(SearcherType searcher) {
        return searcher.specName().equals(type);
    }
}
