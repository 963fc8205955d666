package io.tunelog.suggestion.testing;

import io.tunelog.domain.event.Event;
import io.tunelog.domain.event.EventPayload;
import io.tunelog.domain.testing.LogBuilder;
import io.tunelog.suggestion.SuggestionDecider;
import io.tunelog.suggestion.search.Hypervolume;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Minimises a test function with a searcher through the real decider and fold: each suggested trial
 * is started, reports the function's value once, and completes, in the order suggested.
 */
public final class SearchRun {

    /** The best value after each trial, and the time the decider spent suggesting, in all and per trial. */
    public record Result(List<Double> bestSoFar, long suggestNanos, int suggestions, List<Long> nanosPerTrial,
                         List<Finished> finished) {
        public double best() {
            return bestSoFar.get(bestSoFar.size() - 1);
        }

        /** How many trials it took to reach {@code target} or lower, or empty if none did. */
        public java.util.OptionalInt trialsToReach(double target) {
            for (int i = 0; i < bestSoFar.size(); i++) {
                if (bestSoFar.get(i) <= target) {
                    return java.util.OptionalInt.of(i + 1);
                }
            }
            return java.util.OptionalInt.empty();
        }

        public double msPerSuggestion() {
            return suggestNanos / 1e6 / suggestions;
        }

        /** Mean ms per suggestion over trials [from, to) in creation order. */
        public double msPerSuggestion(int from, int to) {
            return nanosPerTrial.subList(from, to).stream().mapToLong(Long::longValue).sum() / 1e6 / (to - from);
        }
    }

    /** A trial of a run as it ended: what a later run warm-starts from. */
    public record Finished(String trialId, Map<String, Object> config, double value) {}

    /** The experiment id a warm-started run names in {@code warmStart.from}. */
    public static final String SOURCE = "source";

    private SearchRun() {}

    public static Result minimize(String searcher, TestFunction fn, int trials, int concurrent, long seed) {
        return minimize(searcher, fn, trials, concurrent, seed, List.of());
    }

    /**
     * @param searcher the spec's searcher mapping in flow YAML, e.g. {@code {type: tpe}}
     * @param concurrent trials suggested before any result comes back
     * @param warm finished trials of an earlier run, imported into the log as the gate imports a warm start's
     */
    public static Result minimize(String searcher, TestFunction fn, int trials, int concurrent, long seed, List<Finished> warm) {
        StringBuilder space = new StringBuilder();
        for (int d = 0; d < fn.dimensions(); d++) {
            space.append("  x").append(d).append(": {uniform: [").append(fn.low()[d]).append(", ").append(fn.high()[d]).append("]}\n");
        }
        String spec = """
                name: bench
                metric: {name: loss, mode: min}
                seed: %d
                budget: {trials: %d, concurrent: %d}
                searchSpace:
                %s
                searcher: %s
                trial: {command: [x]}
                """.formatted(seed, trials, concurrent, space.toString().stripTrailing(), searcher)
                + (warm.isEmpty() ? "" : "warmStart: {from: [" + SOURCE + "]}\n");
        LogBuilder log = LogBuilder.submitted("bench", spec);
        for (Finished f : warm) {
            log.command(null, "import/" + f.trialId(), new EventPayload.ObservationImported(SOURCE, f.trialId(), f.config(), Map.of("loss", f.value())));
        }
        List<Finished> finished = new ArrayList<>();
        SuggestionDecider decider = new SuggestionDecider();
        List<Double> best = new ArrayList<>();
        List<Long> perTrial = new ArrayList<>();
        long nanos = 0;
        int suggestions = 0;
        double incumbent = Double.POSITIVE_INFINITY;
        while (log.state().trials().size() < trials || log.state().activeTrials() > 0) {
            long t0 = System.nanoTime();
            List<Event> created = log.decide(decider);
            long spent = System.nanoTime() - t0;
            nanos += spent;
            suggestions += created.size();
            for (int i = 0; i < created.size(); i++) {
                perTrial.add(spent / created.size());
            }
            if (created.isEmpty() && log.state().activeTrials() == 0) {
                break;
            }
            // Finish the oldest open trial: with concurrency, the others stay pending for the next suggestion.
            String trialId = log.state().openTrials().iterator().next().trialId();
            Map<String, Object> config = log.state().trial(trialId).config();
            double[] x = new double[fn.dimensions()];
            for (int d = 0; d < x.length; d++) {
                x[d] = ((Number) config.get("x" + d)).doubleValue();
            }
            double y = fn.value(x);
            log.queued(trialId, 1);
            log.started(trialId, 1);
            log.reported(trialId, 1, 1, Map.of("loss", y));
            log.completed(trialId, 1);
            if (log.state().anomalyCount() > 0) {
                throw new IllegalStateException("the fold refused an event: " + log.state().anomalies());
            }
            finished.add(new Finished(trialId, config, y));
            incumbent = Math.min(incumbent, y);
            best.add(incumbent);
        }
        return new Result(best, nanos, Math.max(suggestions, 1), perTrial, finished);
    }

    /** Every trial's objectives (min-oriented), whether it met the constraints, and the suggestion time. */
    public record MultiResult(List<double[]> objectives, List<Boolean> feasible, long suggestNanos) {
        /** The hypervolume the feasible trials dominate up to the problem's reference point. */
        public double hypervolume(double[] reference) {
            List<double[]> points = new ArrayList<>();
            for (int i = 0; i < objectives.size(); i++) {
                if (feasible.get(i)) {
                    points.add(objectives.get(i));
                }
            }
            return Hypervolume.of(points, reference);
        }
    }

    /**
     * Runs a problem with several objectives (metrics f0, f1, ...) and its constraints as reported metrics,
     * one trial at a time in the order suggested, as {@link #minimize} does.
     */
    public static MultiResult minimizeAll(String searcher, MultiObjectiveProblem problem, int trials, long seed) {
        StringBuilder space = new StringBuilder();
        for (int d = 0; d < problem.dimensions(); d++) {
            space.append("  x").append(d).append(": {uniform: [").append(problem.low()[d]).append(", ").append(problem.high()[d]).append("]}\n");
        }
        List<String> metrics = new ArrayList<>();
        for (int k = 0; k < problem.objectives(); k++) {
            metrics.add("{name: f" + k + ", mode: min}");
        }
        String constraints = problem.constraints().isEmpty() ? ""
                : "constraints: [" + String.join(", ", problem.constraints().stream().map(MultiObjectiveProblem.Bound::yaml).toList()) + "]\n";
        String spec = """
                name: bench
                metric: [%s]
                %sseed: %d
                budget: {trials: %d, concurrent: 1}
                searchSpace:
                %s
                searcher: %s
                trial: {command: [x]}
                """.formatted(String.join(", ", metrics), constraints, seed, trials, space.toString().stripTrailing(), searcher);
        LogBuilder log = LogBuilder.submitted("bench", spec);
        SuggestionDecider decider = new SuggestionDecider();
        List<double[]> objectives = new ArrayList<>();
        List<Boolean> feasible = new ArrayList<>();
        long nanos = 0;
        while (log.state().trials().size() < trials || log.state().activeTrials() > 0) {
            long t0 = System.nanoTime();
            List<Event> created = log.decide(decider);
            nanos += System.nanoTime() - t0;
            if (created.isEmpty() && log.state().activeTrials() == 0) {
                break;
            }
            String trialId = log.state().openTrials().iterator().next().trialId();
            Map<String, Object> config = log.state().trial(trialId).config();
            double[] x = new double[problem.dimensions()];
            for (int d = 0; d < x.length; d++) {
                x[d] = ((Number) config.get("x" + d)).doubleValue();
            }
            double[] values = problem.evaluate().apply(x);
            Map<String, Double> metricsReported = new LinkedHashMap<>();
            for (int k = 0; k < problem.objectives(); k++) {
                metricsReported.put("f" + k, values[k]);
            }
            boolean ok = true;
            for (int c = 0; c < problem.constraints().size(); c++) {
                MultiObjectiveProblem.Bound bound = problem.constraints().get(c);
                double value = values[problem.objectives() + c];
                metricsReported.put(bound.name(), value);
                ok &= bound.violation(value) == 0;
            }
            log.queued(trialId, 1);
            log.started(trialId, 1);
            log.reported(trialId, 1, 1, metricsReported);
            log.completed(trialId, 1);
            if (log.state().anomalyCount() > 0) {
                throw new IllegalStateException("the fold refused an event: " + log.state().anomalies());
            }
            objectives.add(java.util.Arrays.copyOf(values, problem.objectives()));
            feasible.add(ok);
        }
        return new MultiResult(objectives, feasible, nanos);
    }
}
