package io.tunelog.suggestion.search;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tunelog.domain.spec.ExperimentSpec;
import io.tunelog.domain.spec.SpecException;
import io.tunelog.domain.spec.SpecParser;
import io.tunelog.suggestion.testing.MultiObjectiveProblem;
import io.tunelog.suggestion.testing.SearchRun;
import java.util.stream.IntStream;
import org.apache.commons.math3.stat.descriptive.rank.Median;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** What every searcher of several objectives must do: stay in range, be deterministic, and beat random search. */
class MultiObjectiveSearchersTest {
    private static final int SEEDS = 3;

    private static double medianHypervolume(String searcher, MultiObjectiveProblem problem, int trials) {
        double[] volumes = IntStream.range(0, SEEDS)
                .mapToDouble(seed -> SearchRun.minimizeAll(searcher, problem, trials, seed).hypervolume(problem.reference())).toArray();
        return new Median().evaluate(volumes);
    }

    /** In ten dimensions random search is far from ZDT1's front after 100 trials; every searcher of several objectives gets nearer. */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"{type: nsga2, populationSize: 10}", "{type: tpe}", "{type: gp, candidates: 300}"})
    void shouldBeatRandomSearchsHypervolumeOnZdt1(String searcher) {
        MultiObjectiveProblem zdt1 = MultiObjectiveProblem.ZDT1;

        assertThat(medianHypervolume(searcher, zdt1, 100)).isGreaterThan(medianHypervolume("{type: random}", zdt1, 100));
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"{type: nsga2, populationSize: 6}", "{type: tpe, startupTrials: 5}", "{type: tpe, multivariate: true, startupTrials: 5}",
            "{type: gp, startupTrials: 5, candidates: 100}"})
    void shouldSuggestInRangeAndTheSameAgainForTheSameSeed(String searcher) {
        SearchRun.MultiResult a = SearchRun.minimizeAll(searcher, MultiObjectiveProblem.BNH, 20, 4);
        SearchRun.MultiResult b = SearchRun.minimizeAll(searcher, MultiObjectiveProblem.BNH, 20, 4);

        assertThat(a.objectives()).hasSize(20);
        assertThat(a.objectives()).usingRecursiveComparison().isEqualTo(b.objectives());
        // Inside x1 in [0, 5], x2 in [0, 3], f1 = 4 x1^2 + 4 x2^2 <= 136 and f2 <= 50.
        assertThat(a.objectives()).allSatisfy(f -> {
            assertThat(f[0]).isBetween(0.0, 136.0);
            assertThat(f[1]).isBetween(0.0, 50.0);
        });
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"cmaes", "evolution", "bohb"})
    void shouldRefuseSeveralObjectivesNamingTheSearcherType(String type) {
        ExperimentSpec spec = SpecParser.parse("""
                name: s
                metric: [{name: loss, mode: min}, {name: size, mode: min}]
                budget: {trials: 4}
                searchSpace:
                  lr: {loguniform: [0.001, 0.1]}
                searcher: {type: %s}
                scheduler: {type: asha}
                trial: {command: [x]}
                """.formatted(type));

        assertThatThrownBy(() -> Searchers.of(spec).check(spec)).isInstanceOf(SpecException.class)
                .hasMessageContaining("searcher.type").hasMessageContaining("several objectives");
    }

    @Test
    void shouldRefuseConstraintsForASearcherThatRanksByOneMetric() {
        ExperimentSpec spec = SpecParser.parse("""
                name: s
                metric: {name: loss, mode: min}
                constraints: [{name: mem, below: 16}]
                budget: {trials: 4}
                searchSpace:
                  lr: {loguniform: [0.001, 0.1]}
                searcher: {type: cmaes}
                trial: {command: [x]}
                """);

        assertThatThrownBy(() -> Searchers.of(spec).check(spec)).isInstanceOf(SpecException.class)
                .hasMessageContaining("searcher.type").hasMessageContaining("constraints");
    }

    @Test
    void shouldRefuseAPopulationOfOneNamingTheOption() {
        ExperimentSpec spec = SpecParser.parse("""
                name: s
                metric: [{name: loss, mode: min}, {name: size, mode: min}]
                budget: {trials: 4}
                searchSpace:
                  lr: {loguniform: [0.001, 0.1]}
                searcher: {type: nsga2, populationSize: 1}
                trial: {command: [x]}
                """);

        assertThatThrownBy(() -> Searchers.of(spec).check(spec)).isInstanceOf(SpecException.class)
                .hasMessageContaining("searcher.populationSize");
    }
}
