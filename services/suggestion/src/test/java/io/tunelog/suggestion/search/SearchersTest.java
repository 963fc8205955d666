package io.tunelog.suggestion.search;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tunelog.domain.spec.ExperimentSpec;
import io.tunelog.domain.spec.SearcherSpec;
import io.tunelog.domain.spec.SearcherType;
import io.tunelog.domain.spec.SpecException;
import io.tunelog.domain.spec.SpecParser;
import io.tunelog.domain.testing.Implementations;
import java.util.Arrays;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The catalogue's names and the searchers this module implements are one-to-one. */
class SearchersTest {
    private static final String SPEC = """
            name: s
            metric: {name: loss, mode: min}
            budget: {trials: 4, concurrent: 2}
            searchSpace:
              lr: {loguniform: [0.001, 0.1]}
              kind: {grid: [a, b]}
            searcher: {type: %s}
            scheduler: {type: asha}
            trial: {command: [x]}
            """;

    @ParameterizedTest
    @EnumSource(SearcherType.class)
    void shouldImplementEveryNamedSearcherWithItsDefaultOptions(SearcherType type) {
        ExperimentSpec spec = SpecParser.parse(SPEC.formatted(type.specName()));

        Searchers.of(spec).check(spec);
    }

    @Test
    void shouldNameEverySearcherItImplements() {
        assertThat(Arrays.stream(SearcherType.values()).<Class<?>>map(t -> Searchers.of(t).getClass()).collect(Collectors.toSet()))
                .as("searchers reachable from a name")
                .containsExactlyInAnyOrderElementsOf(Implementations.of(Searcher.class));
    }

    @Test
    void shouldRefuseAnUnknownNameListingTheNames() {
        ExperimentSpec spec = SpecParser.parse(SPEC.formatted("random"));
        ExperimentSpec unknown = new ExperimentSpec(spec.name(), spec.metric(), spec.seed(), spec.budget(), spec.searchSpace(),
                new SearcherSpec("hyperopt", spec.searcher().options()), spec.scheduler(), spec.trial(), spec.robust());

        assertThatThrownBy(() -> Searchers.of(unknown)).isInstanceOf(SpecException.class)
                .hasMessageContaining("searcher.type").hasMessageContaining("\"hyperopt\"")
                .hasMessageContaining(SearcherType.names().toString());
    }
}
