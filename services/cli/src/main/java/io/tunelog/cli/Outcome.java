package io.tunelog.cli;

import io.tunelog.domain.spec.Metric;
import io.tunelog.domain.state.ExperimentState;
import io.tunelog.domain.state.ParetoFront;
import io.tunelog.suggestion.RobustReport;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.TreeMap;
import java.util.stream.Collectors;

/** The human-readable end of a run. */
final class Outcome {
    private Outcome() {}

    static String text(ExperimentState state, Path resultsDir) {
        StringBuilder s = new StringBuilder();
        s.append("Experiment ").append(state.experimentId()).append(": ").append(state.status());
        state.completion().ifPresent(c -> s.append(" (").append(c.reason()).append(')'));
        state.cancellation().ifPresent(c -> s.append(" (").append(c.reason().isBlank() ? "no reason given" : c.reason())
                .append(c.cancelledBy() == null ? "" : ", by " + c.cancelledBy()).append(')'));
        s.append('\n');
        if (state.spec() != null && state.spec().isMultiObjective()) {
            front(state, s);
        } else {
            best(state, s);
        }
        TreeMap<String, Integer> rules = new TreeMap<>();
        state.trials().forEach(t -> t.decisions().forEach(d -> rules.merge(d.rule() + " " + d.action().name().toLowerCase(), 1, Integer::sum)));
        if (!rules.isEmpty()) {
            s.append("Scheduler decisions: ");
            rules.forEach((rule, n) -> s.append(rule).append(" ×").append(n).append(", "));
            s.setLength(s.length() - 2);
            s.append(" (each in the log with its reason and inputs)\n");
        }
        RobustReport.of(state).ifPresent(report -> {
            s.append("Robust check of the best ").append(report.checked().size()).append(" (mean ± sd over runs; Lipschitz per unit of the search cube):\n");
            for (RobustReport.Checked c : report.checked()) {
                s.append(String.format("  %s  %s=%.4f ± %.4f over %d runs, Lipschitz %.3g over %d probes%n", c.trialId(),
                        state.spec().metric().name(), c.mean(), c.standardDeviation(), c.runs(), c.lipschitz(), c.probes()));
            }
            s.append("Robust best: ").append(report.best().trialId()).append('\n');
        });
        if (resultsDir != null) {
            s.append("Results: ").append(resultsDir.toAbsolutePath());
        }
        return s.toString().stripTrailing();
    }

    private static void best(ExperimentState state, StringBuilder s) {
        state.best().ifPresentOrElse(best -> s.append("Best trial ").append(best.trialId()).append(": ")
                        .append(state.spec().metric().name()).append('=').append(best.value())
                        .append(" with ").append(new TreeMap<>(state.trial(best.trialId()).config())).append('\n'),
                () -> s.append("No trial reported ").append(state.spec() == null ? "the metric" : state.spec().metric().name())
                        .append(state.spec() == null || state.spec().constraints().isEmpty() ? "" : " while keeping every constraint")
                        .append('\n'));
    }

    /** The Pareto front, one trial a line with its objectives as the spec orders them. */
    private static void front(ExperimentState state, StringBuilder s) {
        List<ParetoFront.Member> front = state.front();
        List<Metric> objectives = state.spec().objectives();
        String names = objectives.stream().map(m -> m.name() + " " + m.mode().name().toLowerCase(Locale.ROOT)).collect(Collectors.joining(", "));
        if (front.isEmpty()) {
            s.append("No finished trial reported every objective (").append(names).append(')')
                    .append(state.spec().constraints().isEmpty() ? "" : " while keeping every constraint").append('\n');
            return;
        }
        s.append("Pareto front (").append(names).append("): ").append(front.size()).append(front.size() == 1 ? " trial\n" : " trials\n");
        for (ParetoFront.Member m : front) {
            s.append("  ").append(m.trialId());
            for (int i = 0; i < objectives.size(); i++) {
                s.append(' ').append(objectives.get(i).name()).append('=').append(m.values()[i]);
            }
            s.append(" with ").append(new TreeMap<>(state.trial(m.trialId()).config())).append('\n');
        }
    }
}
