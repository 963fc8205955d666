package io.tunelog.scheduler.rule;

import static io.tunelog.scheduler.rule.AshaTest.decision;
import static io.tunelog.scheduler.rule.AshaTest.running;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.tunelog.domain.event.EventPayload.Action;
import io.tunelog.domain.testing.LogBuilder;
import io.tunelog.scheduler.SchedulingDecider;
import java.util.Map;
import org.junit.jupiter.api.Test;

class MedianStoppingTest {
    static final String SPEC = """
            name: median
            metric: {name: loss, mode: min}
            budget: {trials: 4, concurrent: 4}
            searchSpace:
              x: {uniform: [0, 1]}
            scheduler: {type: median, gracePeriod: 2, minSamplesRequired: 2}
            trial: {command: [x]}
            """;

    private final SchedulingDecider scheduler = new SchedulingDecider();

    @Test
    void shouldStopATrialWhoseBestIsBelowTheMedianOfRunningMeans() {
        LogBuilder log = running(SPEC, 4);
        // Running means from the grace period (step 2) up to step 3, scores negated (min):
        // trial 0: -(0.5 + 0.4)/2 = -0.45; trial 1: -(0.3 + 0.2)/2 = -0.25; trial 2: -(0.9 + 0.8)/2 = -0.85
        log.reported("trial-00000", 1, 1, Map.of("loss", 9.0));
        log.reported("trial-00000", 1, 2, Map.of("loss", 0.5));
        log.reported("trial-00000", 1, 3, Map.of("loss", 0.4));
        log.reported("trial-00001", 1, 2, Map.of("loss", 0.3));
        log.reported("trial-00001", 1, 3, Map.of("loss", 0.2));
        log.reported("trial-00001", 1, 4, Map.of("loss", 0.1));
        log.completed("trial-00000", 1);
        log.completed("trial-00001", 1);
        log.reported("trial-00002", 1, 2, Map.of("loss", 0.9));
        log.reported("trial-00002", 1, 3, Map.of("loss", 0.8));
        assertThat(log.decide(scheduler)).as("trial 2 at step 3: median of [-0.45, -0.25] is -0.35 > best -0.8")
                .singleElement().satisfies(e -> {
                    assertThat(e.trialId()).isEqualTo("trial-00002");
                    assertThat(decision(e).action()).isEqualTo(Action.STOP);
                    assertThat(decision(e).rule()).isEqualTo("median.stop");
                    assertThat(decision(e).inputs().get("median")).isCloseTo(-0.35, within(1e-12));
                    assertThat(decision(e).inputs()).containsEntry("best", -0.8).containsEntry("samples", 2.0);
                });
        // trial 3 is better than the median: it goes on, and nothing is logged for it
        log.reported("trial-00003", 1, 2, Map.of("loss", 0.25));
        log.reported("trial-00003", 1, 3, Map.of("loss", 0.3));
        assertThat(log.decide(scheduler)).isEmpty();
    }

    @Test
    void shouldWaitForEnoughTrialsThatGotAsFar() {
        LogBuilder log = running(SPEC, 2);
        log.reported("trial-00000", 1, 3, Map.of("loss", 0.1));
        log.reported("trial-00001", 1, 3, Map.of("loss", 0.9));
        assertThat(log.decide(scheduler)).as("only one other trial, two required").isEmpty();
    }
}
