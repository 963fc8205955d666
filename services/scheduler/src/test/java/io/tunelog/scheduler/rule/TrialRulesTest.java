package io.tunelog.scheduler.rule;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tunelog.domain.spec.ExperimentSpec;
import io.tunelog.domain.spec.SchedulerSpec;
import io.tunelog.domain.spec.SchedulerType;
import io.tunelog.domain.spec.SpecException;
import io.tunelog.domain.spec.SpecParser;
import io.tunelog.domain.testing.Implementations;
import io.tunelog.scheduler.SchedulingDecider;
import java.util.Arrays;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The catalogue's names and the rules this module implements are one-to-one. */
class TrialRulesTest {
    private static final String SPEC = """
            name: s
            metric: {name: loss, mode: min}
            budget: {trials: 4, concurrent: 2}
            searchSpace:
              lr: {loguniform: [0.001, 0.1]}
            scheduler: {type: %s}
            trial: {command: [x]}
            """;

    @ParameterizedTest
    @EnumSource(SchedulerType.class)
    void shouldImplementEveryNamedSchedulerWithItsDefaultOptions(SchedulerType type) {
        ExperimentSpec spec = SpecParser.parse(SPEC.formatted(type.specName()));

        TrialRules.of(spec).check(spec);
    }

    @ParameterizedTest
    @EnumSource(SchedulerType.class)
    void shouldRefuseSeveralObjectivesUnlessTheRuleComparesNoTrials(SchedulerType type) {
        ExperimentSpec spec = SpecParser.parse(SPEC.formatted(type.specName())
                .replace("metric: {name: loss, mode: min}", "metric: [{name: loss, mode: min}, {name: size, mode: min}]"));

        if (type == SchedulerType.FIFO) {
            SchedulingDecider.check(spec);
        } else {
            assertThatThrownBy(() -> SchedulingDecider.check(spec))
                    .isInstanceOfSatisfying(SpecException.class, e -> assertThat(e.field()).isEqualTo("scheduler.type"))
                    .hasMessageContaining("found \"" + type.specName() + "\"");
        }
    }

    @Test
    void shouldNameEveryRuleItImplements() {
        assertThat(Arrays.stream(SchedulerType.values()).<Class<?>>map(t -> TrialRules.of(t).getClass()).collect(Collectors.toSet()))
                .as("rules reachable from a name")
                .containsExactlyInAnyOrderElementsOf(Implementations.of(TrialRule.class));
    }

    @Test
    void shouldRefuseAnUnknownNameListingTheNames() {
        ExperimentSpec spec = SpecParser.parse(SPEC.formatted("fifo"));
        ExperimentSpec unknown = new ExperimentSpec(spec.name(), spec.metric(), spec.seed(), spec.budget(), spec.searchSpace(),
                spec.searcher(), new SchedulerSpec("magic", Map.of()), spec.trial(), spec.robust());

        assertThatThrownBy(() -> TrialRules.of(unknown)).isInstanceOf(SpecException.class)
                .hasMessageContaining("scheduler.type").hasMessageContaining("\"magic\"")
                .hasMessageContaining(SchedulerType.names().toString());
    }
}
