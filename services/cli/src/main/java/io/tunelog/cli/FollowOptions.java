package io.tunelog.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tunelog.domain.state.ExperimentState;
import io.tunelog.domain.state.ExperimentStatus;
import io.tunelog.domain.state.TrialStatus;
import io.tunelog.results.Json;
import io.tunelog.results.ResultsWriter;
import io.tunelog.suggestion.RobustReport;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import picocli.CommandLine.Option;

/** How `run` and `submit --wait` follow an experiment to its end and report it. */
final class FollowOptions {
    @Option(names = "--results-dir", description = "Where experiment directories go (default: ~/tunelog_results)")
    Path resultsRoot;

    @Option(names = "--json", description = "Print one JSON summary at the end instead of text")
    boolean json;

    @Option(names = "--idle-timeout", defaultValue = "300", description = "Give up after this many seconds without a new event (default: ${DEFAULT-VALUE})")
    long idleTimeoutSeconds;

    /** Where results, and local workers' checkpoints, go unless told otherwise. */
    static Path defaultRoot() {
        return Path.of(System.getProperty("user.home"), "tunelog_results");
    }

    Path root() {
        return (resultsRoot != null ? resultsRoot : defaultRoot()).toAbsolutePath();
    }

    Duration idleTimeout() {
        return Duration.ofSeconds(idleTimeoutSeconds);
    }

    /**
     * Writes the results directory, prints the outcome, and returns the exit code: 0 only when the
     * experiment completed and no trial failed for good (as Ray Tune raises on failed trials).
     */
    /** The JSON summary, with the robust stage's findings when the spec has one. */
    static ObjectNode summary(ExperimentState state, Path dir) {
        ObjectNode summary = Json.summary(state, dir);
        RobustReport.of(state).ifPresent(report -> {
            summary.set("robust", Json.MAPPER.valueToTree(report.checked()));
            summary.put("robustBest", report.best().trialId());
        });
        return summary;
    }

    int finish(ExperimentState state, PrintWriter out, PrintWriter err) throws Exception {
        Path dir = root().resolve(state.experimentId());
        ResultsWriter.write(state, dir);
        out.println(json ? Json.MAPPER.writeValueAsString(summary(state, dir)) : Outcome.text(state, dir));
        out.flush();
        var failed = state.trials().stream().filter(t -> t.status() == TrialStatus.FAILED).toList();
        failed.stream().limit(5).forEach(t -> err.println("tunelog: " + t.trialId() + " failed after " + t.attempt()
                + " attempt(s): " + t.lastError()));
        if (!failed.isEmpty()) {
            err.println("tunelog: " + failed.size() + " trial(s) failed; each attempt's output is in " + dir + "/<trial>/attempt-*/");
            err.flush();
        }
        return state.status() == ExperimentStatus.COMPLETED && failed.isEmpty() ? 0 : 1;
    }
}
