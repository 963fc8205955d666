package io.tunelog.scheduler.rule;

import static io.tunelog.scheduler.rule.AshaTest.decision;
import static io.tunelog.scheduler.rule.AshaTest.running;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.tunelog.domain.event.Event;
import io.tunelog.domain.testing.LogBuilder;
import io.tunelog.scheduler.SchedulingDecider;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RacingTest {
    static final String SPEC = """
            name: race
            metric: {name: acc, mode: max}
            budget: {trials: %d, concurrent: %d}
            searchSpace:
              x: {uniform: [0, 1]}
            scheduler: {type: racing, firstTest: 5, alpha: 0.05}
            trial: {command: [x]}
            """;

    private final SchedulingDecider scheduler = new SchedulingDecider();

    private static void instances(LogBuilder log, String trial, double... scores) {
        for (int i = 0; i < scores.length; i++) {
            log.reported(trial, 1, i + 1, Map.of("acc", scores[i]));
        }
    }

    @Test
    void shouldEliminateByFriedmanAndConoverWhenEveryInstanceRanksAlike() {
        LogBuilder log = running(SPEC.formatted(3, 3), 3);
        instances(log, "trial-00000", 0.9, 0.8, 0.95, 0.7, 0.85);
        instances(log, "trial-00001", 0.8, 0.7, 0.90, 0.6, 0.80);
        instances(log, "trial-00002", 0.7, 0.6, 0.85, 0.5, 0.75);

        List<Event> stopped = log.decide(scheduler);

        // Ranks 1, 2, 3 on each of 5 instances: R = (5, 10, 15); χ² = 12·(25 + 0 + 25)/(5·3·4) = 10, p = e^-5.
        // Every instance agrees, so Conover's spread is 0 and any rank sum above the best's is worse.
        assertThat(stopped).extracting(Event::trialId).containsExactly("trial-00001", "trial-00002");
        assertThat(decision(stopped.get(0)).rule()).isEqualTo("racing.eliminated");
        assertThat(decision(stopped.get(0)).inputs().get("statistic")).isCloseTo(10.0, within(1e-12));
        assertThat(decision(stopped.get(0)).inputs().get("pValue")).isCloseTo(Math.exp(-5), within(1e-9));
        assertThat(decision(stopped.get(1)).inputs()).containsEntry("rankSum", 15.0).containsEntry("bestRankSum", 5.0)
                .containsEntry("instances", 5.0).containsEntry("candidates", 3.0);
    }

    @Test
    void shouldWaitForTheFirstTestAndKeepCandidatesTheTestCannotTellApart() {
        LogBuilder log = running(SPEC.formatted(3, 3), 3);
        instances(log, "trial-00000", 0.9, 0.8, 0.95, 0.7);
        instances(log, "trial-00001", 0.8, 0.7, 0.90, 0.6);
        instances(log, "trial-00002", 0.7, 0.6, 0.85, 0.5);
        assertThat(log.decide(scheduler)).as("4 instances, the first test is at 5").isEmpty();

        // Instance 5 turns the order around for the two leaders: R = (6, 9, 15), χ² = 12·(16 + 1 + 25)/60 = 8.4,
        // p = e^-4.2 = 0.015; A = 5·14 = 70, ΣR² = 342, spread = 2(350 - 342)/8 = 2, t(0.975, 8) = 2.306:
        // critical difference 3.26, so trial 2 (9 behind) goes and trial 1 (3 behind) stays.
        log.reported("trial-00000", 1, 5, Map.of("acc", 0.5));
        log.reported("trial-00001", 1, 5, Map.of("acc", 0.9));
        log.reported("trial-00002", 1, 5, Map.of("acc", 0.4));

        List<Event> stopped = log.decide(scheduler);

        assertThat(stopped).extracting(Event::trialId).containsExactly("trial-00002");
        assertThat(decision(stopped.get(0)).inputs().get("pValue")).isCloseTo(Math.exp(-4.2), within(1e-9));
        assertThat(decision(stopped.get(0)).inputs().get("statistic")).isCloseTo(8.4, within(1e-12));
        assertThat(decision(stopped.get(0)).inputs().get("criticalDifference")).isCloseTo(2.306004 * Math.sqrt(2), within(1e-5));
    }

    @Test
    void shouldCompareTwoCandidatesWithTheWilcoxonSignedRankTest() {
        LogBuilder log = running(SPEC.formatted(2, 2), 2);
        instances(log, "trial-00000", 0.9, 0.8, 0.95, 0.7, 0.85);
        instances(log, "trial-00001", 0.8, 0.7, 0.90, 0.6, 0.80);
        // Five wins of five: the exact two-sided p is 2/2^5 = 0.0625, not below 0.05
        assertThat(log.decide(scheduler)).isEmpty();
        log.reported("trial-00000", 1, 6, Map.of("acc", 0.9));
        log.reported("trial-00001", 1, 6, Map.of("acc", 0.8));

        // Six of six: p = 2/2^6 = 0.03125
        assertThat(log.decide(scheduler)).singleElement().satisfies(e -> {
            assertThat(e.trialId()).isEqualTo("trial-00001");
            assertThat(decision(e).inputs().get("pValue")).isCloseTo(0.03125, within(1e-12));
        });
    }
}
