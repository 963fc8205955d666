package io.tunelog.scheduler.rule;

import static io.tunelog.scheduler.rule.AshaTest.decision;
import static io.tunelog.scheduler.rule.AshaTest.running;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tunelog.domain.event.Event;
import io.tunelog.domain.event.EventPayload.TrialExploited;
import io.tunelog.domain.spec.SpecException;
import io.tunelog.domain.spec.SpecParser;
import io.tunelog.domain.testing.LogBuilder;
import io.tunelog.scheduler.SchedulingDecider;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class Pb2Test {
    static final String SPEC = """
            name: pb2
            metric: {name: acc, mode: max}
            seed: 8
            budget: {trials: 4, concurrent: 4}
            searchSpace:
              lr: {uniform: [0, 1]}
            scheduler: {type: pb2, perturbationInterval: 2, quantileFraction: 0.25}
            trial: {command: [x]}
            """;

    private final SchedulingDecider scheduler = new SchedulingDecider();

    /** Each trial gains lr per step, so the intervals it logs teach the model that a higher lr rises faster. */
    @Test
    void shouldExploreWhereTheModelOfPastRisesIsMostPromising() {
        LogBuilder log = running(SPEC, 4);
        for (int step = 2; step <= 6; step += 2) {
            for (int i = 0; i < 4; i++) {
                String t = "trial-0000" + i;
                log.reported(t, 1, step, Map.of("acc", lr(log, t) * step));
            }
            assertThat(log.decide(scheduler)).as("no checkpoints yet: nobody exploits").extracting(e -> decision(e).action().name())
                    .containsOnly("CONTINUE");
        }
        for (int i = 0; i < 4; i++) {
            String t = "trial-0000" + i;
            log.reported(t, 1, 8, Map.of("acc", lr(log, t) * 8));
            log.checkpoint(t, 1, 8, Map.of("acc", lr(log, t) * 8));
        }

        List<Event> decided = log.decide(scheduler);

        List<TrialExploited> exploits = decided.stream().filter(e -> e.payload() instanceof TrialExploited)
                .map(e -> (TrialExploited) e.payload()).toList();
        assertThat(exploits).as("the trial with the lowest lr exploits").hasSize(1);
        assertThat(decided).filteredOn(e -> e.payload() instanceof io.tunelog.domain.event.EventPayload.TrialDecision)
                .extracting(e -> decision(e).rule()).contains("pb2.exploit");
        double explored = (Double) exploits.get(0).config().get("lr");
        double highest = log.state().trials().stream().mapToDouble(t -> (Double) t.config().get("lr")).max().orElseThrow();
        assertThat(explored).as("the model of rises points to a high lr, not a random one").isGreaterThan(0.6)
                .isGreaterThan(highest - 0.25);
    }

    private static double lr(LogBuilder log, String trial) {
        return (Double) log.state().trial(trial).config().get("lr");
    }

    @Test
    void shouldRefuseParametersWithoutBounds() {
        String spec = SPEC.replace("  lr: {uniform: [0, 1]}", "  lr: {uniform: [0, 1]}\n  kind: {choice: [a, b]}");
        assertThatThrownBy(() -> SchedulingDecider.check(SpecParser.parse(spec)))
                .isInstanceOf(SpecException.class).hasMessageContaining("scheduler.hyperparamMutations").hasMessageContaining("kind");
    }
}
