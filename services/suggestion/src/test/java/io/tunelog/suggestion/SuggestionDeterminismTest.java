package io.tunelog.suggestion;

import static org.assertj.core.api.Assertions.assertThat;

import io.tunelog.domain.event.Event;
import io.tunelog.domain.event.LoggedEvent;
import io.tunelog.domain.state.ExperimentState;
import io.tunelog.domain.testing.LogBuilder;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Property: for generated experiments (every searcher, mixed and conditional spaces, a random prefix of
 * finished, failed and running trials), the suggestion computed on a state folded again from the same
 * log prefix is identical to the one computed live; another experiment seed changes it.
 */
class SuggestionDeterminismTest {
    private static final List<String> SEARCHERS = List.of("{type: random}", "{type: sobol}", "{type: tpe}",
            "{type: tpe, multivariate: true}", "{type: gp, startupTrials: 5}", "{type: cmaes, populationSize: 4}",
            "{type: evolution, population: 5}");

    private static String spec(Random r, String searcher, long seed) {
        return """
                name: p
                metric: {name: m, mode: %s}
                seed: %d
                budget: {trials: 60, concurrent: %d}
                searchSpace:
                  a: {uniform: [-2, 3]}
                  b: {qloguniform: [1, 100, 1]}
                  c: {choice: [x, y, z]}
                  d: {randint: [0, 7], when: {c: [x, z]}}
                  e: {normal: [0, 1]}
                  g:
                    h: {qrandint: [0, 20, 5]}
                searcher: %s
                trial: {command: [x]}
                """.formatted(r.nextBoolean() ? "min" : "max", seed, 1 + r.nextInt(4), searcher);
    }

    @Test
    void shouldSuggestTheSameFromTheSameLogPrefixAndSeed() {
        Random r = new Random(20261128);
        SuggestionDecider decider = new SuggestionDecider();
        for (int example = 0; example < 60; example++) {
            String searcher = SEARCHERS.get(example % SEARCHERS.size());
            long seed = r.nextLong();
            String text = spec(r, searcher, seed);
            LogBuilder log = LogBuilder.submitted("e" + example, text);
            int prefix = r.nextInt(30);
            while (log.state().trials().size() < prefix) {
                List<Event> batch = log.decide(decider);
                if (batch.isEmpty()) {
                    break; // every slot holds a trial left running
                }
                for (Event created : batch) {
                    String id = created.trialId();
                    log.queued(id, 1);
                    log.started(id, 1);
                    int fate = r.nextInt(10);
                    if (fate == 0) {
                        log.failed(id, 1, false);
                    } else if (fate == 1) {
                        continue; // left running: pending for the searchers
                    } else {
                        log.reported(id, 1, 1, Map.of("m", r.nextGaussian()));
                        log.completed(id, 1);
                    }
                }
            }
            // Fold the same events again, from the start, into a fresh state.
            ExperimentState refolded = new ExperimentState(log.experimentId());
            for (LoggedEvent e : log.events()) {
                refolded.apply(e);
            }
            var live = decider.decide(log.state());
            var again = decider.decide(refolded);
            assertThat(again).as("example %d (%s)", example, searcher).isEqualTo(live);

            LogBuilder otherSeed = LogBuilder.submitted("e" + example, text.replace("seed: " + seed, "seed: " + (seed + 1)));
            if (prefix == 0 && !live.isEmpty()) {
                assertThat(decider.decide(otherSeed.state())).as("another seed, example %d (%s)", example, searcher).isNotEqualTo(live);
            }
        }
    }
}
