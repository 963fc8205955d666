package io.tunelog.domain.spec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class ObjectivesSpecTest {
    private static final String REST = """
            name: s
            budget: {trials: 4}
            searchSpace:
              x: {uniform: [0, 1]}
            trial: {command: [x]}
            """;
    private static final String TWO = "metric: [{name: val_loss, mode: min}, {name: params_m, mode: max}]\n";

    private static void assertRejectedAt(String fields, String field) {
        assertThatThrownBy(() -> SpecParser.parse(REST + fields))
                .isInstanceOfSatisfying(SpecException.class, e -> assertThat(e.field()).isEqualTo(field));
    }

    @Test
    void shouldReadSeveralObjectivesInOrderWithTheFirstAsTheMetric() {
        ExperimentSpec spec = SpecParser.parse(REST + TWO);

        assertThat(spec.objectives()).containsExactly(new Metric("val_loss", Mode.MIN), new Metric("params_m", Mode.MAX));
        assertThat(spec.metric()).isEqualTo(new Metric("val_loss", Mode.MIN));
        assertThat(spec.isMultiObjective()).isTrue();
        assertThat(spec.constraints()).isEmpty();
    }

    @Test
    void shouldReadOneObjectiveAsAMappingOrAListOfOne() {
        ExperimentSpec mapping = SpecParser.parse(REST + "metric: {name: acc, mode: max}");
        ExperimentSpec list = SpecParser.parse(REST + "metric: [{name: acc, mode: max}]");

        assertThat(list).isEqualTo(mapping);
        assertThat(mapping.isMultiObjective()).isFalse();
        assertThat(SpecJson.toJson(list)).as("one objective keeps its canonical mapping").contains("\"metric\":{\"name\":\"acc\",\"mode\":\"max\"}");
    }

    @Test
    void shouldReadConstraintsAndWriteEverythingBackCanonically() {
        ExperimentSpec spec = SpecParser.parse(REST + TWO + "constraints: [{name: mem_gb, below: 16}, {name: acc, above: 0.5}]");

        assertThat(spec.constraints()).containsExactly(new Constraint("mem_gb", new Threshold(null, 16.0)),
                new Constraint("acc", new Threshold(0.5, null)));
        String json = SpecJson.toJson(spec);
        assertThat(json).contains("\"metric\":[{\"name\":\"val_loss\",\"mode\":\"min\"},{\"name\":\"params_m\",\"mode\":\"max\"}]")
                .contains("\"constraints\":[{\"name\":\"mem_gb\",\"below\":16.0},{\"name\":\"acc\",\"above\":0.5}]");
        assertThat(SpecParser.parse(json)).isEqualTo(spec);
        assertThat(SpecJson.toJson(SpecParser.parse(REST + "metric: {name: a, mode: min}"))).doesNotContain("constraints");
    }

    @Test
    void shouldMeasureHowFarAValueIsBeyondItsBound() {
        Constraint below = new Constraint("mem_gb", new Threshold(null, 16.0));
        Constraint above = new Constraint("acc", new Threshold(0.5, null));

        assertThat(below.violation(16.0)).isZero();
        assertThat(below.violation(3.0)).isZero();
        assertThat(below.violation(18.5)).isEqualTo(2.5);
        assertThat(above.violation(0.5)).isZero();
        assertThat(above.violation(0.25)).isEqualTo(0.25);
        assertThatThrownBy(() -> new Constraint("x", new Threshold(1.0, 2.0))).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void shouldNameTheBadField() {
        assertRejectedAt("metric: []", "metric");
        assertRejectedAt("metric: acc", "metric");
        assertRejectedAt("metric: [{name: a, mode: min}, {name: a, mode: max}]", "metric[1].name");
        assertRejectedAt("metric: [{name: a, mode: min}, {name: b, mode: up}]", "metric[1].mode");
        assertRejectedAt("metric: [{name: a, mode: min}, b]", "metric[1]");
        assertRejectedAt("metric: [{name: a, mode: min}, {mode: min}]", "metric[1].name");
        String one = "metric: {name: a, mode: min}\n";
        assertRejectedAt(one + "constraints: {name: m, below: 1}", "constraints");
        assertRejectedAt(one + "constraints: [{name: m, below: 1, above: 0}]", "constraints[0]");
        assertRejectedAt(one + "constraints: [{name: m, below: 1}, {name: n}]", "constraints[1]");
        assertRejectedAt(one + "constraints: [{below: 1}]", "constraints[0].name");
        assertRejectedAt(one + "constraints: [{name: m, below: x}]", "constraints[0].below");
        assertRejectedAt(one + "constraints: [{name: m, under: 1}]", "constraints[0].under");
    }

    @Test
    void shouldRefuseConditionsOnTheOneBestValueWithSeveralObjectives() {
        assertRejectedAt(TWO + "goal: {below: 0.1}", "goal");
        assertRejectedAt(TWO + "plateau: {top: 3}", "plateau");
        assertRejectedAt(TWO + "robust: {top: 3}", "robust");
        ExperimentSpec stopped = SpecParser.parse(REST.replace("trial: {command: [x]}", "trial: {command: [x], stop: {params_m: {above: 5}}}") + TWO);
        assertThat(stopped.trial().stop().metrics()).containsOnlyKeys("params_m");
    }

    @Test
    void shouldKeepTheSpecComparableAcrossTheSingleObjectiveConstructor() {
        ExperimentSpec spec = SpecParser.parse(REST + "metric: {name: a, mode: min}");
        ExperimentSpec rebuilt = new ExperimentSpec(spec.name(), spec.metric(), spec.seed(), spec.budget(), spec.searchSpace(),
                spec.searcher(), spec.scheduler(), spec.trial(), spec.robust(), spec.goal(), spec.plateau());

        assertThat(rebuilt).isEqualTo(spec);
        assertThat(rebuilt.objectives()).isEqualTo(List.of(new Metric("a", Mode.MIN)));
    }
}
