package io.tunelog.domain.spec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class SpecParserTest {
    static final String VALID = """
            name: xgb-digits
            metric: {name: val_accuracy, mode: max}
            seed: 42
            budget: {trials: 64, concurrent: 8}
            searchSpace:
              eta:       {loguniform: [0.001, 0.3]}
              max_depth: {randint: [2, 10]}
              subsample: {uniform: [0.5, 1.0]}
              booster:   {choice: [gbtree, dart]}
              lr:        {grid: [0.1, 1, true]}
            searcher:  {type: random}
            scheduler: {type: fifo}
            trial:
              command: [python3, train.py]
              maxFailures: 2
              checkpoint: {keep: 2, scoreAttribute: val_accuracy}
            """;

    @Test
    void shouldParseEveryFieldOfAValidSpec() {
        ExperimentSpec spec = SpecParser.parse(VALID);

        assertThat(spec.name()).isEqualTo("xgb-digits");
        assertThat(spec.metric()).isEqualTo(new Metric("val_accuracy", Mode.MAX));
        assertThat(spec.seed()).isEqualTo(42);
        assertThat(spec.budget()).isEqualTo(new Budget(64, 8));
        assertThat(spec.searchSpace().params()).containsExactly(
                org.assertj.core.api.Assertions.entry("eta", new ParamDomain.LogUniform(0.001, 0.3)),
                org.assertj.core.api.Assertions.entry("max_depth", new ParamDomain.RandInt(2, 10)),
                org.assertj.core.api.Assertions.entry("subsample", new ParamDomain.Uniform(0.5, 1.0)),
                org.assertj.core.api.Assertions.entry("booster", new ParamDomain.Choice(List.of("gbtree", "dart"))),
                org.assertj.core.api.Assertions.entry("lr", new ParamDomain.Grid(List.of(0.1, 1L, true))));
        assertThat(spec.searcher().type()).isEqualTo("random");
        assertThat(spec.scheduler().type()).isEqualTo("fifo");
        assertThat(spec.trial().command()).containsExactly("python3", "train.py");
        assertThat(spec.trial().trainable()).isNull();
        assertThat(spec.trial().maxFailures()).isEqualTo(2);
        assertThat(spec.trial().checkpoint()).isEqualTo(new CheckpointSpec(2, "val_accuracy", Mode.MAX));
    }

    @Test
    void shouldFillDefaults() {
        ExperimentSpec spec = SpecParser.parse("""
                name: d
                metric: {name: loss, mode: MIN}
                budget: {trials: 3}
                searchSpace: {x: {uniform: [0, 1]}}
                trial: {trainable: com.example.Train}
                """);

        assertThat(spec.seed()).isZero();
        assertThat(spec.budget().concurrent()).isEqualTo(1);
        assertThat(spec.searcher().type()).isEqualTo("random");
        assertThat(spec.scheduler().type()).isEqualTo("fifo");
        assertThat(spec.trial().maxFailures()).isZero();
        assertThat(spec.trial().checkpoint()).isEqualTo(new CheckpointSpec(1, null, Mode.MIN));
    }

    @Test
    void shouldReadJsonToo() {
        ExperimentSpec spec = SpecParser.parse("""
                {"name": "j", "metric": {"name": "m", "mode": "max"}, "budget": {"trials": 2},
                 "searchSpace": {"x": {"choice": ["a"]}}, "trial": {"command": ["run"]}}
                """);

        assertThat(spec.searchSpace().params().get("x")).isEqualTo(new ParamDomain.Choice(List.of("a")));
    }

    @Test
    void shouldRoundTripThroughCanonicalJson() {
        ExperimentSpec spec = SpecParser.parse(VALID);

        assertThat(SpecParser.parse(SpecJson.toJson(spec))).isEqualTo(spec);
    }

    static Stream<Arguments> malformed() {
        return Stream.of(
                bad("inverted uniform bounds", VALID.replace("uniform: [0.5, 1.0]", "uniform: [1.0, 0.5]"), "searchSpace.subsample.uniform"),
                bad("inverted loguniform bounds", VALID.replace("[0.001, 0.3]", "[0.3, 0.001]"), "searchSpace.eta.loguniform"),
                bad("inverted randint bounds", VALID.replace("[2, 10]", "[10, 2]"), "searchSpace.max_depth.randint"),
                bad("loguniform bound zero", VALID.replace("[0.001, 0.3]", "[0, 0.3]"), "searchSpace.eta.loguniform"),
                bad("loguniform bound negative", VALID.replace("[0.001, 0.3]", "[-1, 0.3]"), "searchSpace.eta.loguniform"),
                bad("missing metric", VALID.replace("metric: {name: val_accuracy, mode: max}\n", ""), "metric"),
                bad("mode neither min nor max", VALID.replace("mode: max", "mode: maximize"), "metric.mode"),
                bad("unknown searcher", VALID.replace("type: random", "type: hyperopt"), "searcher.type"),
                bad("unknown scheduler", VALID.replace("type: fifo", "type: magic"), "scheduler.type"),
                bad("unknown parameter type", VALID.replace("uniform: [0.5, 1.0]", "gaussian: [0.5, 1.0]"), "searchSpace.subsample"),
                bad("empty choice", VALID.replace("[gbtree, dart]", "[]"), "searchSpace.booster.choice"),
                bad("non-numeric bound", VALID.replace("[0.5, 1.0]", "[abc, 1.0]"), "searchSpace.subsample.uniform[0]"),
                bad("budget of zero trials", VALID.replace("trials: 64", "trials: 0"), "budget.trials"),
                bad("negative budget", VALID.replace("trials: 64", "trials: -1"), "budget.trials"),
                bad("fractional budget", VALID.replace("trials: 64", "trials: 2.5"), "budget.trials"),
                bad("zero concurrency", VALID.replace("concurrent: 8", "concurrent: 0"), "budget.concurrent"),
                bad("empty command", VALID.replace("[python3, train.py]", "[]"), "trial.command"),
                bad("command as a shell string", VALID.replace("[python3, train.py]", "\"python3 train.py\""), "trial.command"),
                bad("empty argument", VALID.replace("[python3, train.py]", "[python3, \"\"]"), "trial.command[1]"),
                bad("both command and trainable", VALID.replace("maxFailures: 2", "maxFailures: 2\n  trainable: a.B"), "trial"),
                bad("text that is not YAML", "name: [unclosed\nmetric: {", "(spec)"),
                bad("a list at top level", "- a\n- b\n", "(spec)"),
                bad("a bare string", "hello", "(spec)"),
                bad("unknown top-level field", VALID + "extra: 1\n", "extra"),
                bad("misspelt nested field", VALID.replace("concurrent: 8", "concurent: 8"), "budget.concurent"),
                bad("two types for one parameter", VALID.replace("{uniform: [0.5, 1.0]}", "{uniform: [0.5, 1.0], choice: [1]}"), "searchSpace.subsample"),
                bad("grid searcher without grid parameters",
                        VALID.replace("type: random", "type: grid").replace("lr:        {grid: [0.1, 1, true]}", "lr: {choice: [1]}"), "searcher.type"),
                bad("duplicate choice", VALID.replace("[gbtree, dart]", "[gbtree, gbtree]"), "searchSpace.booster.choice[1]"),
                bad("null choice", VALID.replace("[gbtree, dart]", "[gbtree, null]"), "searchSpace.booster.choice[1]"),
                bad("missing name", VALID.replace("name: xgb-digits\n", ""), "name"),
                bad("name with a slash", VALID.replace("name: xgb-digits", "name: a/b"), "name"),
                bad("negative maxFailures", VALID.replace("maxFailures: 2", "maxFailures: -1"), "trial.maxFailures"),
                bad("keep zero", VALID.replace("keep: 2", "keep: 0"), "trial.checkpoint.keep"),
                bad("infinite bound", VALID.replace("[0.5, 1.0]", "[0.5, 1e999]"), "searchSpace.subsample.uniform[1]"),
                bad("boolean as a bound", VALID.replace("[0.5, 1.0]", "[true, 1.0]"), "searchSpace.subsample.uniform[0]"));
    }

    private static Arguments bad(String name, String text, String field) {
        return Arguments.of(name, text, field);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("malformed")
    void shouldRejectMalformedSpecNamingTheField(String name, String text, String field) {
        assertThatThrownBy(() -> SpecParser.parse(text))
                .isInstanceOfSatisfying(SpecException.class, e -> {
                    assertThat(e.field()).isEqualTo(field);
                    assertThat(e.getMessage()).startsWith(field + ": ").doesNotContain("\n");
                });
    }
}
