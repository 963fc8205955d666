package io.tunelog.domain.spec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

class SearcherChoiceTest {
    private static final SchedulerSpec FIFO = new SchedulerSpec("fifo", Map.of());

    @Nested
    class TheRule {
        @Test
        void shouldPickTheGpForAContinuousSpaceAndABudgetUpToItsLimit() {
            SearcherChoice.Choice choice = SearcherChoice.choose(continuous(4), new Budget(SearcherChoice.GP_MAX_TRIALS, 4), FIFO);

            assertThat(choice.searcher()).isEqualTo(new SearcherSpec("gp", Map.of(), "auto/1"));
            assertThat(choice.reason()).contains("300 trials", "4 model inputs");
        }

        @Test
        void shouldPickCmaesOneTrialPastTheGpsLimitInASpaceOfNumbersAlone() {
            Map<String, ParamDomain> params = new LinkedHashMap<>(continuous(2).params());
            params.put("n", new ParamDomain.IntRange(1, 10, false, 0));
            SearcherChoice.Choice choice = SearcherChoice.choose(new SearchSpace(params), new Budget(SearcherChoice.GP_MAX_TRIALS + 1, 4), FIFO);

            assertThat(choice.searcher().type()).isEqualTo("cmaes");
            assertThat(choice.reason()).contains("301 trials", "numbers alone");
        }

        @Test
        void shouldPickTpePastTheGpsLimitWhenTheSpaceHasACategoryOrACondition() {
            Map<String, ParamDomain> params = new LinkedHashMap<>(continuous(2).params());
            params.put("c", new ParamDomain.Choice(List.of("a", "b")));
            SearcherChoice.Choice categories = SearcherChoice.choose(new SearchSpace(params), new Budget(1000, 4), FIFO);
            Map<String, ParamDomain> numbers = new LinkedHashMap<>(continuous(2).params());
            SearchSpace conditional = new SearchSpace(numbers, Map.of("x1", new SearchSpace.Condition("x0", List.of(0.5))));

            assertThat(categories.searcher().type()).isEqualTo("tpe");
            assertThat(categories.reason()).contains("1000 trials", "categories or conditions");
            assertThat(SearcherChoice.choose(conditional, new Budget(1000, 4), FIFO).searcher().type()).isEqualTo("tpe");
        }

        @Test
        void shouldCountEachValueOfAChoiceAsOneInputOfTheGp() {
            Map<String, ParamDomain> params = new LinkedHashMap<>(continuous(2).params());
            params.put("c", new ParamDomain.Choice(List.of("a", "b", "c")));
            SearchSpace atLimit = space(params, "d", SearcherChoice.GP_MAX_INPUTS - 5);
            SearchSpace pastLimit = space(params, "d", SearcherChoice.GP_MAX_INPUTS - 4);

            assertThat(SearcherChoice.modelInputs(atLimit)).isEqualTo(SearcherChoice.GP_MAX_INPUTS);
            assertThat(SearcherChoice.choose(atLimit, new Budget(50, 1), FIFO).searcher().type()).isEqualTo("gp");
            SearcherChoice.Choice many = SearcherChoice.choose(pastLimit, new Budget(50, 1), FIFO);
            assertThat(many.searcher().type()).isEqualTo("tpe");
            assertThat(many.reason()).contains("21 model inputs");
            assertThat(SearcherChoice.choose(continuous(SearcherChoice.GP_MAX_INPUTS + 1), new Budget(50, 1), FIFO).searcher().type())
                    .as("many numbers").isEqualTo("cmaes");
        }

        @Test
        void shouldPickSobolWhenEveryTrialRunsBeforeAnyResult() {
            assertThat(SearcherChoice.choose(continuous(3), new Budget(16, 16), FIFO).searcher().type()).isEqualTo("sobol");
            assertThat(SearcherChoice.choose(continuous(3), new Budget(16, 15), FIFO).searcher().type()).isEqualTo("gp");
        }

        @Test
        void shouldPickBohbUnderAMultiFidelityScheduler() {
            for (String scheduler : List.of("hyperband", "asha")) {
                assertThat(SearcherChoice.choose(continuous(3), new Budget(50, 4), new SchedulerSpec(scheduler, Map.of()))
                        .searcher().type()).as(scheduler).isEqualTo("bohb");
            }
        }

        @Test
        void shouldPickRandomForAPopulationThatPbtExplores() {
            for (String scheduler : List.of("pbt", "pb2")) {
                assertThat(SearcherChoice.choose(continuous(3), new Budget(50, 8), new SchedulerSpec(scheduler, Map.of()))
                        .searcher().type()).as(scheduler).isEqualTo("random");
            }
        }

        @Test
        void shouldPickGridWhenTheSpaceHasGridParametersWhateverTheScheduler() {
            SearchSpace grid = space(continuous(1).params(), "g", 0);
            Map<String, ParamDomain> params = new LinkedHashMap<>(grid.params());
            params.put("g", new ParamDomain.Grid(List.of(1L, 2L)));

            assertThat(SearcherChoice.choose(new SearchSpace(params), new Budget(4, 4), new SchedulerSpec("asha", Map.of()))
                    .searcher().type()).isEqualTo("grid");
        }

        @Test
        void shouldGiveTheChosenSearcherNoOptions() {
            assertThat(SearcherChoice.choose(continuous(2), new Budget(1000, 1), FIFO).searcher().options()).isEmpty();
        }
    }

    @Nested
    class TheParser {
        private static final String SPEC = """
                name: d
                metric: {name: loss, mode: min}
                budget: {trials: 40, concurrent: 2}
                searchSpace: {x: {uniform: [0, 1]}, k: {choice: [a, b]}}
                trial: {trainable: com.example.Train}
                """;

        @Test
        void shouldPickTheSameSearcherForNoSearcherAndTypeAuto() {
            ExperimentSpec absent = SpecParser.parse(SPEC);
            ExperimentSpec auto = SpecParser.parse(SPEC + "searcher: {type: auto}\n");

            assertThat(absent.searcher()).isEqualTo(new SearcherSpec("gp", Map.of(), "auto/1")).isEqualTo(auto.searcher());
        }

        @Test
        void shouldPickASearcherThatTakesSeveralObjectivesOrConstraints() {
            String two = SPEC.replace("metric: {name: loss, mode: min}", "metric: [{name: loss, mode: min}, {name: size, mode: min}]");
            String constrained = SPEC + "constraints: [{name: mem, below: 4}]\n";
            String asha = "scheduler: {type: asha}\n";

            assertThat(SpecParser.parse(two).searcher().type()).as("ParEGO within the gp's limits").isEqualTo("gp");
            assertThat(SpecParser.parse(two.replace("trials: 40", "trials: 400")).searcher().type()).as("past them").isEqualTo("tpe");
            assertThat(SpecParser.parse(constrained + asha).searcher().type()).as("not bohb, which ranks one metric").isEqualTo("gp");
            assertThat(SpecParser.parse(constrained.replace("trials: 40", "trials: 400")).searcher().type())
                    .as("not cmaes, which refuses constraints").isEqualTo("tpe");
            assertThat(SpecParser.parse(SPEC + asha).searcher().type()).as("one metric, unconstrained, as before").isEqualTo("bohb");
        }

        @Test
        void shouldNameTheChosenSearcherAndTheRuleInTheCanonicalSpec() {
            String json = SpecJson.toJson(SpecParser.parse(SPEC + "searcher: {type: auto}\n"));

            assertThat(json).contains("\"searcher\":{\"type\":\"gp\",\"chosenBy\":\"auto/1\"}").doesNotContain("\"auto\"");
            assertThat(SpecParser.parse(json)).isEqualTo(SpecParser.parse(SPEC));
        }

        @Test
        void shouldNeverPickAgainForAStoredSpecEvenWhereTheRuleWouldNowPickAnother() {
            // The canonical spec of a log written when no searcher meant random: the rule would now pick the gp.
            String storedBeforeTheRule = SpecJson.toJson(SpecParser.parse(SPEC + "searcher: {type: random}\n"));
            // And one picked by an older version of the rule, which chose tpe for this space.
            String pickedByAnOlderRule = storedBeforeTheRule.replace("{\"type\":\"random\"}", "{\"type\":\"tpe\",\"chosenBy\":\"auto/7\"}");

            assertThat(SpecParser.parse(storedBeforeTheRule).searcher()).isEqualTo(new SearcherSpec("random", Map.of()));
            assertThat(SpecParser.parse(pickedByAnOlderRule).searcher()).isEqualTo(new SearcherSpec("tpe", Map.of(), "auto/7"));
            assertThat(SearcherChoice.choose(SpecParser.parse(SPEC).searchSpace(), new Budget(40, 2), FIFO).searcher().type())
                    .isEqualTo("gp");
        }

        @Test
        void shouldRefuseOptionsWithTypeAutoNamingTheOption() {
            SpecException e = catchThrowableOfType(() -> SpecParser.parse(SPEC + "searcher: {type: auto, startupTrials: 5}\n"),
                    SpecException.class);

            assertThat(e.field()).isEqualTo("searcher.startupTrials");
            assertThat(e.getMessage()).contains("name the searcher");
        }

        @Test
        void shouldRefuseAChosenByThatIsNotARule() {
            for (String bad : List.of("tpe", "auto/0", "3", "\"auto/1 \"")) {
                SpecException e = catchThrowableOfType(() -> SpecParser.parse(SPEC + "searcher: {type: gp, chosenBy: " + bad + "}\n"),
                        SpecException.class);
                assertThat(e.field()).as(bad).isEqualTo("searcher.chosenBy");
            }
            SpecException e = catchThrowableOfType(() -> SpecParser.parse(SPEC + "searcher: {type: auto, chosenBy: auto/1}\n"),
                    SpecException.class);
            assertThat(e.field()).isEqualTo("searcher.chosenBy");
        }

        @Test
        void shouldListAutoAmongTheSearcherTypes() {
            SpecException e = catchThrowableOfType(() -> SpecParser.parse(SPEC + "searcher: {type: best}\n"), SpecException.class);

            assertThat(e.field()).isEqualTo("searcher.type");
            assertThat(e.getMessage()).contains("auto", "gp", "tpe");
        }
    }

    private static SearchSpace continuous(int dimensions) {
        return space(Map.of(), "x", dimensions);
    }

    /** {@code params} and {@code count} more uniform parameters named {@code prefix0}, {@code prefix1}, ... */
    private static SearchSpace space(Map<String, ParamDomain> params, String prefix, int count) {
        Map<String, ParamDomain> all = new LinkedHashMap<>(params);
        for (int i = 0; i < count; i++) {
            all.put(prefix + i, new ParamDomain.Uniform(0, 1, false, 0));
        }
        return new SearchSpace(all);
    }
}
