package io.tunelog.suggestion.search;

import io.tunelog.domain.spec.ExperimentSpec;
import io.tunelog.domain.spec.SearcherType;
import io.tunelog.domain.spec.SpecException;

/** The implementation of each searcher a spec may name ({@link SearcherType}, the one list of names). */
public final class Searchers {
    private Searchers() {}

    /** Exhaustive on purpose: a name added to {@link SearcherType} without an implementation does not compile. */
    public static Searcher of(SearcherType type) {
        return switch (type) {
            case RANDOM -> new RandomSearcher();
            case GRID -> new GridSearcher();
            case SOBOL -> new SobolSearcher();
            case TPE -> new TpeSearcher();
            case GP -> new GpSearcher();
            case NSGA2 -> new Nsga2Searcher();
            case CMAES -> new CmaEsSearcher();
            case EVOLUTION -> new EvolutionSearcher();
            case BOHB -> new BohbSearcher();
        };
    }

    /**
     * The searcher a spec names.
     *
     * @throws SpecException naming {@code searcher.type} for a name this build does not have (a spec that
     *     did not come through the parser)
     */
    public static Searcher of(ExperimentSpec spec) {
        String name = spec.searcher().type();
        return of(SearcherType.named(name).orElseThrow(() -> new SpecException("searcher.type",
                "expected a searcher this build has, one of " + SearcherType.names() + ", found \"" + name + "\"")));
    }

    /**
     * Refuses several objectives or constraints for a searcher that ranks trials by one loss.
     *
     * @throws SpecException naming {@code searcher.type}
     */
    static void requireOneObjective(ExperimentSpec spec) {
        if (spec.beyondOneMetric()) {
            throw new SpecException("searcher.type", "expected random, grid, sobol, tpe, gp or nsga2 for an experiment with "
                    + (spec.isMultiObjective() ? "several objectives" : "constraints") + ", found " + spec.searcher().type()
                    + ", which ranks trials by one metric");
        }
    }
}
