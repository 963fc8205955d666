package io.tunelog.domain.spec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.entry;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The search-space language: every domain type, conditions and nested groups, and their errors. */
class SearchSpaceSpecTest {

    private static String spec(String space) {
        return """
                name: s
                metric: {name: loss, mode: min}
                budget: {trials: 4}
                searchSpace:
                %s
                trial: {command: [x]}
                """.formatted(space.stripTrailing().indent(2).stripTrailing());
    }

    private static SearchSpace space(String space) {
        return SpecParser.parse(spec(space)).searchSpace();
    }

    private static void assertRejectedAt(String space, String field, String... messageParts) {
        assertThatThrownBy(() -> SpecParser.parse(spec(space)))
                .isInstanceOfSatisfying(SpecException.class, e -> {
                    assertThat(e.field()).isEqualTo(field);
                    assertThat(e.getMessage()).contains(messageParts);
                });
    }

    @Test
    void shouldParseEveryDomainType() {
        SearchSpace s = space("""
                a: {uniform: [0, 1]}
                b: {quniform: [0, 10, 0.5]}
                c: {loguniform: [0.001, 1]}
                d: {qloguniform: [1, 1000, 5]}
                e: {normal: [0, 2]}
                f: {qnormal: [10, 3, 1]}
                g: {randint: [1, 10]}
                h: {qrandint: [0, 100, 10]}
                i: {lograndint: [1, 1024]}
                j: {choice: [x, 1, true]}
                k: {grid: [1, 2]}
                """);

        assertThat(s.params()).containsExactly(
                entry("a", new ParamDomain.Uniform(0, 1, false, 0)),
                entry("b", new ParamDomain.Uniform(0, 10, false, 0.5)),
                entry("c", new ParamDomain.Uniform(0.001, 1, true, 0)),
                entry("d", new ParamDomain.Uniform(1, 1000, true, 5)),
                entry("e", new ParamDomain.Normal(0, 2, 0)),
                entry("f", new ParamDomain.Normal(10, 3, 1)),
                entry("g", new ParamDomain.IntRange(1, 10, false, 0)),
                entry("h", new ParamDomain.IntRange(0, 100, false, 10)),
                entry("i", new ParamDomain.IntRange(1, 1024, true, 0)),
                entry("j", new ParamDomain.Choice(List.of("x", 1L, true))),
                entry("k", new ParamDomain.Grid(List.of(1L, 2L))));
        assertThat(s.params().values()).extracting(ParamDomain::type).containsExactly(
                "uniform", "quniform", "loguniform", "qloguniform", "normal", "qnormal",
                "randint", "qrandint", "lograndint", "choice", "grid");
    }

    @Test
    void shouldKnowHowManyValuesAnIntegerDomainHolds() {
        assertThat(new ParamDomain.IntRange(1, 10, false, 0).max()).isEqualTo(9);
        assertThat(new ParamDomain.IntRange(0, 100, false, 10).size()).isEqualTo(11);
        assertThat(new ParamDomain.IntRange(0, 95, false, 10).max()).as("qrandint stops at the last multiple").isEqualTo(90);
    }

    @Test
    void shouldFlattenNestedGroupsToDottedNames() {
        SearchSpace s = space("""
                model:
                  layers: {randint: [1, 4]}
                  act: {choice: [relu, tanh]}
                optimizer:
                  adam:
                    lr: {loguniform: [0.0001, 0.1]}
                """);

        assertThat(s.params().keySet()).containsExactly("model.layers", "model.act", "optimizer.adam.lr");
    }

    @Test
    void shouldReadConditionsAndJudgeActivityFromEarlierValues() {
        SearchSpace s = space("""
                booster: {choice: [gbtree, gblinear, dart]}
                max_depth: {randint: [1, 10], when: {booster: [gbtree, dart]}}
                rate_drop: {uniform: [0, 0.5], when: {booster: dart}}
                """);

        assertThat(s.conditions()).containsExactly(
                entry("max_depth", new SearchSpace.Condition("booster", List.of("gbtree", "dart"))),
                entry("rate_drop", new SearchSpace.Condition("booster", List.of("dart"))));
        assertThat(s.isActive("max_depth", Map.of("booster", "gblinear"))).isFalse();
        assertThat(s.isActive("max_depth", Map.of("booster", "dart"))).isTrue();
        assertThat(s.isActive("rate_drop", Map.of())).as("parent inactive").isFalse();
        assertThat(s.isActive("booster", Map.of())).isTrue();
    }

    @Test
    void shouldWriteAndReadBackConditionsAndQuantizedDomains() {
        ExperimentSpec parsed = SpecParser.parse(spec("""
                booster: {choice: [gbtree, dart]}
                g:
                  depth: {qrandint: [2, 12, 2], when: {booster: [gbtree]}}
                lr: {qloguniform: [0.001, 1, 0.001]}
                """));

        assertThat(SpecParser.parse(SpecJson.toJson(parsed))).isEqualTo(parsed);
    }

    @Test
    void shouldNameTheFieldOfEachBadDefinition() {
        assertRejectedAt("a: {quniform: [0, 1]}", "searchSpace.a.quniform", "[low, high, q]");
        assertRejectedAt("a: {quniform: [0, 1, 0]}", "searchSpace.a.quniform[2]", "> 0");
        assertRejectedAt("a: {qloguniform: [0, 1, 0.1]}", "searchSpace.a.qloguniform[0]", "low > 0");
        assertRejectedAt("a: {normal: [0, -1]}", "searchSpace.a.normal[1]", "> 0");
        assertRejectedAt("a: {normal: [0]}", "searchSpace.a.normal", "[mean, sd]");
        assertRejectedAt("a: {qrandint: [0, 10, 0]}", "searchSpace.a.qrandint[2]", "q >= 1");
        assertRejectedAt("a: {qrandint: [0, 10, 1.5]}", "searchSpace.a.qrandint[2]", "integer");
        assertRejectedAt("a: {lograndint: [0, 10]}", "searchSpace.a.lograndint[0]", "low >= 1");
        assertRejectedAt("a: {randint: [3, 3]}", "searchSpace.a.randint", "low < high");
        assertRejectedAt("a: {gaussian: [0, 1]}", "searchSpace.a", "qnormal", "lograndint");
        assertRejectedAt("g: {}", "searchSpace.g", "at least one parameter");
    }

    @Test
    void shouldRefuseConditionsOnUnknownLaterOrNumericParents() {
        assertRejectedAt("a: {uniform: [0, 1], when: {b: [x]}}\nb: {choice: [x]}", "searchSpace.a.when.b", "declared before");
        assertRejectedAt("b: {uniform: [0, 1]}\na: {uniform: [0, 1], when: {b: [0.5]}}", "searchSpace.a.when.b", "choice or grid");
        assertRejectedAt("b: {choice: [x, y]}\na: {uniform: [0, 1], when: {b: [z]}}", "searchSpace.a.when.b[0]", "[x, y]");
        assertRejectedAt("b: {choice: [x]}\na: {uniform: [0, 1], when: {b: [x], c: [y]}}", "searchSpace.a.when", "one parent");
        assertRejectedAt("b: {choice: [x]}\na: {when: {b: [x]}}", "searchSpace.a", "exactly one type");
    }

    @Test
    void shouldRefuseTheSameParameterTwiceThroughNesting() {
        assertRejectedAt("m.a: {uniform: [0, 1]}\nm:\n  a: {uniform: [0, 1]}", "searchSpace.m.a", "once");
    }
}
