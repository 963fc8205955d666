package io.tunelog.suggestion.search;

import io.tunelog.domain.spec.SpecException;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tunelog.domain.event.Event;
import io.tunelog.domain.event.EventPayload.TrialCreated;
import io.tunelog.domain.testing.LogBuilder;
import io.tunelog.suggestion.SuggestionDecider;
import io.tunelog.suggestion.testing.SearchRun;
import io.tunelog.suggestion.testing.TestFunction;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.function.ToDoubleFunction;
import org.junit.jupiter.api.Test;

class GpSearcherTest {
    static final String MIXED = """
            name: mixed
            metric: {name: acc, mode: max}
            seed: %d
            budget: {trials: %d, concurrent: %d}
            searchSpace:
              lr: {loguniform: [0.0001, 1.0]}
              depth: {randint: [1, 9]}
              kind: {choice: [sgd, adam, rms]}
              momentum: {uniform: [0, 1], when: {kind: [sgd]}}
            searcher: {type: gp, startupTrials: %d}
            trial: {command: [x]}
            """;

    private final SuggestionDecider decider = new SuggestionDecider();

    /** Accuracy peaks at lr = 0.01, depth 6, adam. */
    static double accuracy(Map<String, Object> config) {
        double lr = (Double) config.get("lr");
        long depth = (Long) config.get("depth");
        double a = 1 - Math.pow(Math.log10(lr) + 2, 2) / 8 - Math.abs(depth - 6) * 0.05;
        if (config.get("kind").equals("adam")) {
            a += 0.1;
        } else if (config.get("kind").equals("sgd")) {
            a -= 0.1 * Math.abs((Double) config.get("momentum") - 0.9);
        }
        return a;
    }

    private static Map<String, Object> config(Event e) {
        return ((TrialCreated) e.payload()).config();
    }

    /** Runs a whole experiment, finishing the oldest open trial after each decision; the configs in order. */
    private List<Map<String, Object>> run(String spec, ToDoubleFunction<Map<String, Object>> f, int trials) {
        LogBuilder log = LogBuilder.submitted("e", spec);
        List<Map<String, Object>> configs = new ArrayList<>();
        while (configs.size() < trials || log.state().activeTrials() > 0) {
            log.decide(decider).forEach(e -> configs.add(config(e)));
            if (log.state().activeTrials() == 0) {
                break;
            }
            String trial = log.state().openTrials().iterator().next().trialId();
            log.queued(trial, 1);
            log.started(trial, 1);
            log.reported(trial, 1, 1, Map.of("acc", f.applyAsDouble(log.state().trial(trial).config())));
            log.completed(trial, 1);
        }
        return configs;
    }

    @Test
    void shouldSuggestTheSameConfigurationsForTheSameRequests() {
        String spec = MIXED.formatted(5, 16, 2, 5);
        List<Map<String, Object>> a = run(spec, GpSearcherTest::accuracy, 16);
        List<Map<String, Object>> b = run(spec, GpSearcherTest::accuracy, 16);

        assertThat(a).hasSize(16).isEqualTo(b);
    }

    @Test
    void shouldHandleIntegerCategoricalAndConditionalParameters() {
        List<Map<String, Object>> configs = run(MIXED.formatted(1, 30, 1, 8), GpSearcherTest::accuracy, 30);

        for (Map<String, Object> c : configs) {
            assertThat((Double) c.get("lr")).isBetween(0.0001, 1.0);
            assertThat((Long) c.get("depth")).isBetween(1L, 8L);
            assertThat(c.get("kind")).isIn("sgd", "adam", "rms");
            assertThat(c.containsKey("momentum")).isEqualTo(c.get("kind").equals("sgd"));
        }
        double bestStartup = configs.subList(0, 8).stream().mapToDouble(GpSearcherTest::accuracy).max().orElseThrow();
        double best = configs.stream().mapToDouble(GpSearcherTest::accuracy).max().orElseThrow();
        assertThat(best).as("the model improves on the Sobol start").isGreaterThan(bestStartup).isGreaterThan(1.0);
    }

    @Test
    void shouldSuggestDistinctPointsToConcurrentWorkers() {
        String spec = MIXED.formatted(3, 12, 4, 4).replace("kind: {choice: [sgd, adam, rms]}", "kind: {choice: [adam]}")
                .replace("when: {kind: [sgd]}", "when: {kind: [adam]}");
        LogBuilder log = LogBuilder.submitted("e", spec);
        List<Event> startup = log.decide(decider);
        for (Event e : startup) {
            log.queued(e.trialId(), 1);
            log.started(e.trialId(), 1);
            log.reported(e.trialId(), 1, 1, Map.of("acc", -Math.abs((Double) config(e).get("momentum") - 0.5)));
            log.completed(e.trialId(), 1);
        }
        List<Event> model = log.decide(decider);

        assertThat(model).hasSize(4);
        assertThat(new HashSet<>(model.stream().map(GpSearcherTest::config).toList())).hasSize(4);
        assertThat(new HashSet<>(model.stream().map(e -> List.of(config(e).get("lr"), config(e).get("momentum"))).toList()))
                .as("kriging believers spread the batch over the continuous parameters").hasSize(4);
        List<Map<String, Object>> all = new ArrayList<>(startup.stream().map(GpSearcherTest::config).toList());
        model.forEach(e -> all.add(config(e)));
        assertThat(new HashSet<>(all)).hasSize(8);
    }

    @Test
    void shouldKeepSuggestingInASmallDiscreteSpaceOnceEveryPointIsTaken() {
        String spec = """
                name: d
                metric: {name: acc, mode: max}
                seed: 2
                budget: {trials: 20, concurrent: 2}
                searchSpace:
                  n: {randint: [0, 3]}
                  kind: {choice: [a, b]}
                searcher: {type: gp, startupTrials: 3}
                trial: {command: [x]}
                """;
        List<Map<String, Object>> configs = run(spec, c -> (Long) c.get("n") + (c.get("kind").equals("a") ? 1 : 0), 20);

        assertThat(configs).hasSize(20);
        assertThat(new HashSet<>(configs)).as("all six points tried").hasSize(6);
    }

    private static io.tunelog.domain.spec.ExperimentSpec withOptions(Map<String, Object> options) {
        var spec = io.tunelog.domain.spec.SpecParser.parse("""
                name: o
                metric: {name: loss, mode: min}
                budget: {trials: 4}
                searchSpace:
                  x: {uniform: [0, 1]}
                searcher: {type: gp}
                trial: {command: [x]}
                """);
        return new io.tunelog.domain.spec.ExperimentSpec(spec.name(), spec.metric(), spec.seed(), spec.budget(), spec.searchSpace(),
                new io.tunelog.domain.spec.SearcherSpec("gp", options), spec.scheduler(), spec.trial());
    }

    @Test
    void shouldRejectBadOptionsNamingThem() {
        assertThatThrownBy(() -> GpSearcher.Settings.of(withOptions(Map.of("candidates", 2.5))))
                .isInstanceOfSatisfying(SpecException.class, e -> assertThat(e.field()).isEqualTo("searcher.candidates"));
        assertThatThrownBy(() -> GpSearcher.Settings.of(withOptions(Map.of("maxObservations", 3L))))
                .isInstanceOfSatisfying(SpecException.class, e -> assertThat(e.field()).isEqualTo("searcher.maxObservations"));
        assertThatThrownBy(() -> GpSearcher.Settings.of(withOptions(Map.of("startupTrial", 3L))))
                .isInstanceOfSatisfying(SpecException.class, e -> assertThat(e.field()).isEqualTo("searcher.startupTrial"));
        assertThat(GpSearcher.Settings.of(withOptions(Map.of()))).isEqualTo(new GpSearcher.Settings(10, 300, 2000));
    }

    @Test
    void shouldKeepTheBestHalfAndTheMostRecentWhenThereAreTooManyObservations() {
        List<History.Observation> observations = new ArrayList<>();
        double[] losses = {5, 1, 7, 3, 9, 0, 8, 6, 2, 4};
        for (double loss : losses) {
            observations.add(new History.Observation(Map.of(), loss));
        }
        // Best 3: indices 5, 1, 8; then the most recent others: 9, 7, 6.
        assertThat(GpSearcher.subset(observations, 6)).containsExactly(1, 5, 6, 7, 8, 9);
        assertThat(GpSearcher.subset(observations, 20)).hasSize(10);
    }

    @Test
    void shouldBeatRandomSearchOnBraninAndHartmann6() {
        double[] gpBranin = new double[3];
        double[] randomBranin = new double[3];
        double[] gpHartmann = new double[2];
        double[] randomHartmann = new double[2];
        double ms = 0;
        for (int s = 0; s < 3; s++) {
            SearchRun.Result gp = SearchRun.minimize("{type: gp}", TestFunction.BRANIN, 60, 1, s + 1);
            ms += gp.msPerSuggestion() / 5;
            gpBranin[s] = gp.best() - TestFunction.BRANIN.minimum();
            randomBranin[s] = SearchRun.minimize("{type: random}", TestFunction.BRANIN, 60, 1, s + 1).best() - TestFunction.BRANIN.minimum();
        }
        for (int s = 0; s < 2; s++) {
            SearchRun.Result gp = SearchRun.minimize("{type: gp}", TestFunction.HARTMANN6, 60, 1, s + 1);
            ms += gp.msPerSuggestion() / 5;
            gpHartmann[s] = gp.best() - TestFunction.HARTMANN6.minimum();
            randomHartmann[s] = SearchRun.minimize("{type: random}", TestFunction.HARTMANN6, 60, 1, s + 1).best()
                    - TestFunction.HARTMANN6.minimum();
        }
        System.out.printf("gp regrets: branin %s (random %s), hartmann6 %s (random %s); %.1f ms per suggestion%n",
                Arrays.toString(gpBranin), Arrays.toString(randomBranin), Arrays.toString(gpHartmann),
                Arrays.toString(randomHartmann), ms);

        assertThat(median(gpBranin)).isLessThan(0.05).isLessThan(median(randomBranin));
        assertThat(mean(gpHartmann)).isLessThan(mean(randomHartmann));
    }

    private static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : 0.5 * (s[s.length / 2 - 1] + s[s.length / 2]);
    }

    private static double mean(double[] v) {
        return Arrays.stream(v).average().orElseThrow();
    }
}
