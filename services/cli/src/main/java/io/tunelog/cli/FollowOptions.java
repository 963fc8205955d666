package io.tunelog.cli;

import io.tunelog.domain.state.ExperimentState;
import io.tunelog.domain.state.ExperimentStatus;
import io.tunelog.results.Json;
import io.tunelog.results.ResultsWriter;
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

    /** Writes the results directory, prints the outcome, and returns the exit code. */
    int finish(ExperimentState state, PrintWriter out) throws Exception {
        Path dir = root().resolve(state.experimentId());
        ResultsWriter.write(state, dir);
        out.println(json ? Json.MAPPER.writeValueAsString(Json.summary(state, dir)) : Outcome.text(state, dir));
        out.flush();
        return state.status() == ExperimentStatus.COMPLETED ? 0 : 1;
    }
}
