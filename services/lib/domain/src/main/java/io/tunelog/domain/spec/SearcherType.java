package io.tunelog.domain.spec;

import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * The searchers a spec may name in {@code searcher.type}: the one list of them. The parser accepts these
 * names and no others; the suggestion service maps each to its implementation with an exhaustive switch,
 * so a name without one does not compile.
 */
public enum SearcherType {
    RANDOM, GRID, SOBOL, TPE, GP, CMAES, EVOLUTION, BOHB, NSGA2;

    /** The name a spec uses: {@code searcher: {type: tpe}}. */
    public String specName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The searcher a spec names, or empty when this build has none by that name. */
    public static Optional<SearcherType> named(String name) {
        return Arrays.stream(values()).filter(t -> t.specName().equals(name)).findFirst();
    }

    /** Every name, sorted, as errors list them. */
    public static SortedSet<String> names() {
        TreeSet<String> names = new TreeSet<>();
        Arrays.stream(values()).forEach(t -> names.add(t.specName()));
        return names;
    }
}
