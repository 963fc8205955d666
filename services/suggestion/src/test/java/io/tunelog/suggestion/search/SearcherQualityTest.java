package io.tunelog.suggestion.search;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tunelog.domain.event.Event;
import io.tunelog.domain.event.EventPayload.TrialCreated;
import io.tunelog.domain.spec.SpecException;
import io.tunelog.domain.testing.LogBuilder;
import io.tunelog.suggestion.SuggestionDecider;
import io.tunelog.suggestion.testing.SearchRun;
import io.tunelog.suggestion.testing.TestFunction;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.IntStream;
import org.apache.commons.math3.stat.descriptive.rank.Median;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** What every model-based searcher must do: learn, stay deterministic, spread a batch, respect conditions. */
class SearcherQualityTest {
    private static final int SEEDS = 5;

    private static double medianRegret(String searcher, TestFunction fn, int trials) {
        double[] regrets = IntStream.range(0, SEEDS)
                .mapToDouble(seed -> SearchRun.minimize(searcher, fn, trials, 1, seed).best() - fn.minimum()).toArray();
        return new Median().evaluate(regrets);
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"{type: tpe}", "{type: tpe, multivariate: true}", "{type: gp}"})
    void shouldBeatRandomSearchOnBraninAndHartmann6(String searcher) {
        assertThat(medianRegret(searcher, TestFunction.BRANIN, 60)).isLessThan(medianRegret("{type: random}", TestFunction.BRANIN, 60));
        assertThat(medianRegret(searcher, TestFunction.HARTMANN6, 60)).isLessThan(medianRegret("{type: random}", TestFunction.HARTMANN6, 60));
    }

    /** CMA-ES spends its first generations learning a shape: it needs a bigger budget to pull ahead. */
    @org.junit.jupiter.api.Test
    void cmaesShouldBeatRandomSearchWithABiggerBudget() {
        assertThat(medianRegret("{type: cmaes}", TestFunction.HARTMANN6, 100))
                .isLessThan(medianRegret("{type: random}", TestFunction.HARTMANN6, 100));
        assertThat(medianRegret("{type: cmaes}", TestFunction.ROSENBROCK4, 150))
                .isLessThan(medianRegret("{type: random}", TestFunction.ROSENBROCK4, 150));
    }

    @org.junit.jupiter.api.Test
    void evolutionShouldBeatRandomSearchOnHartmann6WithABiggerBudget() {
        assertThat(medianRegret("{type: evolution}", TestFunction.HARTMANN6, 150))
                .isLessThan(medianRegret("{type: random}", TestFunction.HARTMANN6, 150));
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"{type: tpe}", "{type: tpe, multivariate: true}", "{type: gp}", "{type: cmaes}", "{type: evolution}",
            "{type: sobol}"})
    void shouldSuggestTheSameAgainFromTheSameLog(String searcher) {
        SearchRun.Result a = SearchRun.minimize(searcher, TestFunction.HARTMANN6, 30, 3, 9);
        SearchRun.Result b = SearchRun.minimize(searcher, TestFunction.HARTMANN6, 30, 3, 9);
        assertThat(a.bestSoFar()).isEqualTo(b.bestSoFar());
    }

    static final String CONDITIONAL = """
            name: c
            metric: {name: loss, mode: min}
            seed: 3
            budget: {trials: 40, concurrent: 4}
            searchSpace:
              booster: {choice: [tree, linear]}
              depth: {randint: [1, 10], when: {booster: [tree]}}
              lr: {loguniform: [0.001, 1]}
            searcher: %s
            trial: {command: [x]}
            """;

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"{type: tpe, startupTrials: 4}", "{type: tpe, multivariate: true, startupTrials: 4}",
            "{type: gp, startupTrials: 4}", "{type: cmaes, populationSize: 4}", "{type: evolution, population: 8}"})
    void shouldSpreadABatchAndLeaveInactiveParametersOut(String searcher) {
        LogBuilder log = LogBuilder.submitted("e", CONDITIONAL.formatted(searcher));
        SuggestionDecider decider = new SuggestionDecider();
        List<Map<String, Object>> all = new ArrayList<>();
        while (log.state().trials().size() < 40) {
            List<Event> batch = log.decide(decider);
            Set<Map<String, Object>> distinct = new HashSet<>();
            for (Event e : batch) {
                Map<String, Object> config = ((TrialCreated) e.payload()).config();
                distinct.add(config);
                all.add(config);
            }
            assertThat(distinct).as("the configurations of one decision differ").hasSameSizeAs(batch);
            for (Event e : batch) {
                Map<String, Object> config = ((TrialCreated) e.payload()).config();
                double lr = (Double) config.get("lr");
                double loss = Math.abs(Math.log10(lr) + 2) + ("tree".equals(config.get("booster")) ? Math.abs((Long) config.get("depth") - 6) : 3);
                log.queued(e.trialId(), 1);
                log.started(e.trialId(), 1);
                log.reported(e.trialId(), 1, 1, Map.of("loss", loss));
                log.completed(e.trialId(), 1);
            }
        }
        assertThat(all).allSatisfy(c -> assertThat(c.containsKey("depth")).as(c.toString()).isEqualTo("tree".equals(c.get("booster"))));
        assertThat(log.state().anomalies()).isEmpty();
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"{type: tpe, candidates: 0}", "{type: tpe, multivariate: yes}", "{type: tpe, priorWeight: -1}",
            "{type: gp, warp: log}", "{type: gp, maxObservations: 0}", "{type: cmaes, sigma0: 2}",
            "{type: cmaes, populationSize: 1}", "{type: evolution, mutationRate: 1.5}", "{type: tpe, candidate: 3}",
            "{type: random, maxRetries: 3}"})
    void shouldNameABadOption(String searcher) {
        String option = searcher.replaceAll(".*, (\\w+):.*", "$1");
        var spec = io.tunelog.domain.spec.SpecParser.parse(CONDITIONAL.formatted(searcher));
        assertThatThrownBy(() -> SuggestionDecider.check(spec))
                .isInstanceOfSatisfying(SpecException.class, e -> assertThat(e.field()).isEqualTo("searcher." + option));
    }
}
