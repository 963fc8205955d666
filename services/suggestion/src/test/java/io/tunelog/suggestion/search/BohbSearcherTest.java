package io.tunelog.suggestion.search;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tunelog.domain.decide.Decided;
import io.tunelog.domain.decide.Decider;
import io.tunelog.domain.event.EventPayload.Action;
import io.tunelog.domain.event.EventPayload.TrialDecision;
import io.tunelog.domain.event.EventPayload.TrialCreated;
import io.tunelog.domain.spec.SpecException;
import io.tunelog.domain.spec.SpecParser;
import io.tunelog.domain.testing.LogBuilder;
import io.tunelog.suggestion.SuggestionDecider;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Rung scores are given as the scheduler would log them; at rung 1 the best x is near 0.8, at rung 9 near
 * 0.2 (as when a low budget misleads). BOHB must model the highest rung that has enough scores.
 */
class BohbSearcherTest {
    static final String SPEC = """
            name: bohb
            metric: {name: acc, mode: max}
            seed: 4
            budget: {trials: 60, concurrent: 60}
            searchSpace:
              x: {uniform: [0, 1]}
            searcher: {type: bohb, randomFraction: 0, minPointsInModel: %d}
            scheduler: {type: hyperband, maxT: 9, reductionFactor: 3}
            trial: {command: [x]}
            """;

    private static double x(Map<String, Object> config) {
        return (Double) config.get("x");
    }

    /** A stand-in for the scheduler: logs rung decisions with the scores of a made-up landscape. */
    private static Decider rungs(int atTop) {
        return new Decider() {
            @Override
            public String service() {
                return "scheduler";
            }

            @Override
            public List<Decided> decide(io.tunelog.domain.state.ExperimentState state) {
                List<Decided> decided = new ArrayList<>();
                int n = 0;
                for (var t : state.trials()) {
                    double x = x(t.config());
                    decided.add(new Decided(t.trialId(), t.trialId() + "/r1", new TrialDecision(1, Action.CONTINUE, "test", "rung 1",
                            "test/r1", Map.of(TrialDecision.SCORE, -Math.abs(x - 0.8), "milestone", 1.0))));
                    if (n++ < atTop) {
                        decided.add(new Decided(t.trialId(), t.trialId() + "/r9", new TrialDecision(1, Action.CONTINUE, "test", "rung 9",
                                "test/r9", Map.of(TrialDecision.SCORE, -Math.abs(x - 0.2), "milestone", 9.0))));
                    }
                }
                return decided;
            }
        };
    }

    private static double medianSuggestion(int minPoints, int atTop) {
        LogBuilder log = LogBuilder.submitted("e", SPEC.formatted(minPoints).replace("trials: 60, concurrent: 60", "trials: 60, concurrent: 20"));
        log.decide(new SuggestionDecider());
        for (int i = 0; i < 20; i++) {
            String t = SuggestionDecider.trialId(i);
            log.queued(t, 1);
            log.started(t, 1);
        }
        log.decide(rungs(atTop));
        for (int i = 0; i < 20; i++) {
            log.completed(SuggestionDecider.trialId(i), 1);
        }
        List<Double> next = log.decide(new SuggestionDecider()).stream().map(e -> x(((TrialCreated) e.payload()).config())).sorted().toList();
        assertThat(next).hasSize(20);
        return next.get(next.size() / 2);
    }

    @Test
    void shouldModelTheHighestRungWithEnoughScores() {
        assertThat(medianSuggestion(5, 6)).as("rung 9 has 6 >= 5 scores: its optimum, 0.2").isBetween(0.05, 0.4);
        assertThat(medianSuggestion(8, 6)).as("rung 9 has too few scores: rung 1's optimum, 0.8").isBetween(0.6, 0.95);
    }

    @Test
    void shouldRefuseToRunWithoutARungScheduler() {
        String fifo = SPEC.formatted(2).replace("scheduler: {type: hyperband, maxT: 9, reductionFactor: 3}", "scheduler: {type: fifo}");
        assertThatThrownBy(() -> SuggestionDecider.check(SpecParser.parse(fifo)))
                .isInstanceOf(SpecException.class).hasMessageContaining("searcher.type");
    }
}
