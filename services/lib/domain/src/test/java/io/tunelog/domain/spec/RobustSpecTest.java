package io.tunelog.domain.spec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class RobustSpecTest {
    private static final String SPEC = """
            name: s
            metric: {name: loss, mode: min}
            budget: {trials: 4}
            searchSpace:
              x: {uniform: [0, 1]}
            trial: {command: [x]}
            """;

    private static void assertRejectedAt(String robust, String field) {
        assertThatThrownBy(() -> SpecParser.parse(SPEC + "robust: " + robust))
                .isInstanceOfSatisfying(SpecException.class, e -> assertThat(e.field()).isEqualTo(field));
    }

    @Test
    void shouldReadTheStageWithDefaultsAndWriteItBack() {
        ExperimentSpec spec = SpecParser.parse(SPEC + "robust: {top: 5}");

        assertThat(spec.robust()).isEqualTo(new RobustSpec(5, 3, 2, 0.05, "seed"));
        assertThat(SpecParser.parse(SpecJson.toJson(spec))).isEqualTo(spec);
        assertThat(SpecParser.parse(SPEC).robust()).as("no stage unless asked").isNull();
    }

    @Test
    void shouldNameTheBadField() {
        assertRejectedAt("{top: 0}", "robust.top");
        assertRejectedAt("{radius: 0.7}", "robust.radius");
        assertRejectedAt("{seeds: 0, probes: 0}", "robust");
        assertRejectedAt("{seedParam: x}", "robust.seedParam");
        assertRejectedAt("{tops: 3}", "robust.tops");
    }
}
