package io.tunelog.domain.spec;

import java.util.Map;

/** Which searcher suggests configurations, with its options. */
public record SearcherSpec(String type, Map<String, Object> options) {

    public SearcherSpec {
        options = Map.copyOf(options);
    }

    public boolean is(SearcherType searcher) {
        return searcher.specName().equals(type);
    }
}
