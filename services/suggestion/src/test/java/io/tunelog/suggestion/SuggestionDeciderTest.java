package io.tunelog.suggestion;

import static org.assertj.core.api.Assertions.assertThat;

import io.tunelog.domain.event.Event;
import io.tunelog.domain.event.EventPayload.TrialCreated;
import io.tunelog.domain.testing.LogBuilder;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class SuggestionDeciderTest {
    static final String RANDOM = """
            name: s
            metric: {name: acc, mode: max}
            seed: %d
            budget: {trials: 5, concurrent: 2}
            searchSpace:
              lr: {loguniform: [0.001, 0.1]}
              depth: {randint: [2, 5]}
              kind: {choice: [a, b]}
            trial: {command: [x]}
            """;

    private final SuggestionDecider decider = new SuggestionDecider();

    private static Map<String, Object> config(Event e) {
        return ((TrialCreated) e.payload()).config();
    }

    @Test
    void shouldCreateNoMoreThanConcurrentTrialsAtOnce() {
        LogBuilder log = LogBuilder.submitted("e", RANDOM.formatted(1));

        List<Event> first = log.decide(decider);
        List<Event> again = log.decide(decider);

        assertThat(first).extracting(Event::trialId).containsExactly("trial-00000", "trial-00001");
        assertThat(again).as("nothing more while both are unfinished").isEmpty();
    }

    @Test
    void shouldCreateNextTrialWhenOneEndsAndStopAtBudget() {
        LogBuilder log = LogBuilder.submitted("e", RANDOM.formatted(1));
        int created = log.decide(decider).size();
        for (int i = 0; created < 5 && i < 10; i++) {
            String trial = SuggestionDecider.trialId(i);
            finish(log, trial);
            created += log.decide(decider).size();
        }

        assertThat(created).isEqualTo(5);
        assertThat(log.state().trials()).hasSize(5);
        finish(log, "trial-00003");
        finish(log, "trial-00004");
        assertThat(log.decide(decider)).as("budget spent").isEmpty();
    }

    /** Queues, starts and completes a trial, as scheduler and worker would. */
    static void finish(LogBuilder log, String trial) {
        log.queued(trial, 1);
        log.started(trial, 1);
        log.completed(trial, 1);
    }

    @Test
    void shouldSuggestTheSameConfigurationsForTheSameSeed() {
        List<Event> a = LogBuilder.submitted("e", RANDOM.formatted(42)).decide(decider);
        List<Event> b = LogBuilder.submitted("other-id", RANDOM.formatted(42)).decide(decider);
        List<Event> c = LogBuilder.submitted("e", RANDOM.formatted(43)).decide(decider);

        assertThat(a).extracting(SuggestionDeciderTest::config).isEqualTo(b.stream().map(SuggestionDeciderTest::config).toList());
        assertThat(a).extracting(SuggestionDeciderTest::config).isNotEqualTo(c.stream().map(SuggestionDeciderTest::config).toList());
    }

    @Test
    void shouldDrawValuesInsideTheirDomains() {
        for (long seed = 0; seed < 50; seed++) {
            for (Event e : LogBuilder.submitted("e", RANDOM.formatted(seed)).decide(decider)) {
                Map<String, Object> config = config(e);
                assertThat((Double) config.get("lr")).isBetween(0.001, 0.1);
                assertThat((Long) config.get("depth")).isBetween(2L, 4L);
                assertThat(config.get("kind")).isIn("a", "b");
            }
        }
    }

    @Test
    void shouldEnumerateEveryGridPointOnce() {
        String grid = """
                name: g
                metric: {name: acc, mode: max}
                budget: {trials: 100, concurrent: 100}
                searchSpace:
                  a: {grid: [1, 2, 3]}
                  b: {grid: [x, y]}
                  c: {uniform: [0, 1]}
                searcher: {type: grid}
                trial: {command: [x]}
                """;
        List<Event> created = LogBuilder.submitted("e", grid).decide(decider);

        assertThat(created).hasSize(6);
        Set<List<Object>> points = new HashSet<>();
        created.forEach(e -> points.add(List.of(config(e).get("a"), config(e).get("b"))));
        assertThat(points).hasSize(6);
    }

    @Test
    void shouldCreateTheInitialConfigurationsFirstInOrderWithinTheBudget() {
        String spec = RANDOM.formatted(3).replace("trial: {command: [x]}",
                "searcher:\n  type: tpe\n  initial: [{lr: 0.01, depth: 3, kind: b}, {lr: 0.001, depth: 2, kind: a}, {lr: 0.1, depth: 4, kind: a}]\n"
                        + "trial: {command: [x]}");
        LogBuilder log = LogBuilder.submitted("e", spec);

        List<Event> created = new java.util.ArrayList<>(log.decide(decider));
        for (int i = 0; created.size() < 5 && i < 10; i++) {
            finish(log, SuggestionDecider.trialId(i));
            created.addAll(log.decide(decider));
        }

        assertThat(created).extracting(e -> ((TrialCreated) e.payload()).origin())
                .containsExactly("initial", "initial", "initial", "suggested", "suggested");
        assertThat(created.subList(0, 3)).extracting(SuggestionDeciderTest::config).containsExactly(
                Map.of("lr", 0.01, "depth", 3L, "kind", "b"),
                Map.of("lr", 0.001, "depth", 2L, "kind", "a"),
                Map.of("lr", 0.1, "depth", 4L, "kind", "a"));
        finish(log, "trial-00003");
        finish(log, "trial-00004");
        assertThat(log.decide(decider)).as("the initial configurations counted against budget.trials").isEmpty();
    }

    @Test
    void shouldCreateEnqueuedConfigurationsAfterTheInitialOnesAndBeforeTheSearchersInLogOrder() {
        String spec = RANDOM.formatted(3).replace("concurrent: 2", "concurrent: 5").replace("trial: {command: [x]}",
                "searcher: {type: tpe, initial: [{lr: 0.01, depth: 3, kind: b}]}\ntrial: {command: [x]}");
        LogBuilder log = LogBuilder.submitted("e", spec);
        log.command(null, "enqueued/0", new io.tunelog.domain.event.EventPayload.TrialEnqueued(Map.of("lr", 0.1, "depth", 2L, "kind", "a"), "ana"));
        log.command(null, "enqueued/1", new io.tunelog.domain.event.EventPayload.TrialEnqueued(Map.of("lr", 0.05, "depth", 4L, "kind", "b"), "ana"));

        List<Event> created = log.decide(decider);

        assertThat(created).extracting(e -> ((TrialCreated) e.payload()).origin())
                .containsExactly("initial", "enqueued", "enqueued", "suggested", "suggested");
        assertThat(config(created.get(1))).isEqualTo(Map.of("lr", 0.1, "depth", 2L, "kind", "a"));
        assertThat(config(created.get(2))).isEqualTo(Map.of("lr", 0.05, "depth", 4L, "kind", "b"));
        assertThat(log.state().enqueuedTaken()).isEqualTo(2);
    }
}
