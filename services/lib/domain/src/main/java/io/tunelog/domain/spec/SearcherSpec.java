package io.tunelog.domain.spec;

import java.util.Map;

/**
 * Which searcher suggests configurations, with its options. {@code chosenBy} names the rule that chose it (e.g.
 * {@code auto/1}, see {@link SearcherChoice}) when the spec left the choice to Tunelog; null when the spec named it.
 */
public record SearcherSpec(String type, Map<String, Object> options, String chosenBy) {

    public SearcherSpec {
        options = Map.copyOf(options);
    }

    /** A searcher the spec names itself. */
    public SearcherSpec(String type, Map<String, Object> options) {
        this(type, options, null);
    }

    public boolean is(SearcherType searcher) {
        return searcher.specName().equals(type);
    }
}
