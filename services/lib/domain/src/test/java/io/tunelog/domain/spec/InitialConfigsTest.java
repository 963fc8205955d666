package io.tunelog.domain.spec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@code searcher.initial}: whole configurations checked against the space, normalised, and kept in the canonical JSON. */
class InitialConfigsTest {
    static final String SPEC = """
            name: warm
            metric: {name: loss, mode: min}
            budget: {trials: 4}
            searchSpace:
              lr: {loguniform: [0.001, 0.1]}
              depth: {qrandint: [2, 12, 2]}
              booster: {choice: [gbtree, dart]}
              rate_drop: {uniform: [0, 0.5], when: {booster: dart}}
            searcher:
              type: tpe
              initial: %s
            trial: {command: [x]}
            """;

    private static ExperimentSpec parse(String initial) {
        return SpecParser.parse(SPEC.formatted(initial));
    }

    private static SpecException refused(String initial, String field, String message) {
        SpecException e = catchThrowableOfType(() -> parse(initial), SpecException.class);
        assertThat(e).as("refused").isNotNull();
        assertThat(e.field()).isEqualTo(field);
        assertThat(e.getMessage()).contains(message).doesNotContain("\n");
        return e;
    }

    @Test
    void shouldKeepEachConfigurationInSpaceOrderWithRealValuesAsDoubles() {
        ExperimentSpec spec = parse("[{booster: gbtree, depth: 4, lr: 0.01}, {lr: 1e-2, depth: 12, booster: dart, rate_drop: 0}]");

        assertThat(spec.searcher().initial()).containsExactly(
                Map.of("lr", 0.01, "depth", 4L, "booster", "gbtree"),
                Map.of("lr", 0.01, "depth", 12L, "booster", "dart", "rate_drop", 0.0));
        assertThat(spec.searcher().initial().get(1).keySet()).containsExactly("lr", "depth", "booster", "rate_drop");
        assertThat(spec.searcher().options()).as("initial is not a searcher option").isEmpty();
    }

    @Test
    void shouldReadBackFromTheCanonicalJsonAsTheSameSpec() {
        ExperimentSpec spec = parse("[{lr: 0.001, depth: 2, booster: dart, rate_drop: 0.5}]");

        String json = SpecJson.toJson(spec);

        assertThat(json).contains("\"initial\":[{\"lr\":0.001,\"depth\":2,\"booster\":\"dart\",\"rate_drop\":0.5}]");
        assertThat(SpecParser.parse(json)).isEqualTo(spec);
        assertThat(SpecJson.toJson(SpecParser.parse(json))).isEqualTo(json);
    }

    @Test
    void shouldLeaveTheCanonicalFormOfASpecWithoutThemAsItWas() {
        String json = SpecJson.toJson(SpecParser.parse(SpecParserTest.MINIMAL));

        assertThat(json).contains("\"searcher\":{\"type\":\"gp\",\"chosenBy\":\"auto/1\"}").doesNotContain("initial");
    }

    @Test
    void shouldNameTheParameterOfTheEntryThatIsWrong() {
        refused("[{lr: 0.01, depth: 4, booster: gbtree}, {lr: 0.01, booster: gbtree}]", "searcher.initial[1].depth",
                "is required");
        refused("[{lr: 0.5, depth: 4, booster: gbtree}]", "searcher.initial[0].lr", "expected a number in [0.001, 0.1], found 0.5");
        refused("[{lr: 0.01, depth: 5, booster: gbtree}]", "searcher.initial[0].depth", "a multiple of 2 from 2 to 12");
        refused("[{lr: 0.01, depth: 4.0, booster: gbtree}]", "searcher.initial[0].depth", "expected an integer, found 4.0");
        refused("[{lr: 0.01, depth: 4, booster: lightgbm}]", "searcher.initial[0].booster",
                "expected one of [gbtree, dart], found \"lightgbm\"");
        refused("[{lr: 0.01, depth: 4, booster: gbtree, rate_drop: 0.1}]", "searcher.initial[0].rate_drop",
                "active only when booster is one of [dart]");
        refused("[{lr: 0.01, depth: 4, booster: gbtree, eta: 1}]", "searcher.initial[0].eta", "unknown parameter \"eta\"");
        refused("[{lr: fast, depth: 4, booster: gbtree}]", "searcher.initial[0].lr", "expected a finite number");
        refused("[{lr: [0.01], depth: 4, booster: gbtree}]", "searcher.initial[0].lr", "expected a string, number or boolean");
    }

    @Test
    void shouldRefuseWhatIsNotAListOfMappingsOrMoreThanTheBudget() {
        refused("{lr: 0.01}", "searcher.initial", "expected a list of configurations");
        refused("[0.01]", "searcher.initial[0]", "expected a mapping");
        String one = "{lr: 0.01, depth: 4, booster: gbtree}";
        refused("[" + String.join(", ", List.of(one, one, one, one, one)) + "]", "searcher.initial",
                "expected at most budget.trials (4) configurations, found 5");
    }

    @Test
    void shouldRefuseThemForTheGridSearcher() {
        String grid = SPEC.formatted("[{lr: 0.01, depth: 4, booster: gbtree}]").replace("type: tpe", "type: grid")
                .replace("{choice: [gbtree, dart]}", "{grid: [gbtree, dart]}");

        SpecException e = catchThrowableOfType(() -> SpecParser.parse(grid), SpecException.class);

        assertThat(e.field()).isEqualTo("searcher.initial");
        assertThat(e.getMessage()).contains("evaluates every grid point");
    }
}
