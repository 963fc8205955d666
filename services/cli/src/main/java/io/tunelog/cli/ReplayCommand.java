package io.tunelog.cli;

import io.tunelog.domain.state.ExperimentState;
import io.tunelog.replay.Replay;
import io.tunelog.results.Json;
import io.tunelog.results.ResultsWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** Rebuilds an experiment from its log and prints the same summary as a live run. */
@Command(name = "replay", mixinStandardHelpOptions = true, description = "Rebuild an experiment from its log and print its summary.")
final class ReplayCommand implements Callable<Integer> {
    @Parameters(index = "0", description = "Experiment id")
    String experimentId;

    @Mixin
    LogSourceOptions source;

    @Option(names = "--json", description = "Print the JSON summary")
    boolean json;

    @Option(names = "--results-dir", description = "Also rewrite the results directory (experiment.json, per-trial files) under this root")
    Path resultsRoot;

    @Spec
    CommandSpec command;

    @Override
    public Integer call() throws Exception {
        ExperimentState state = Replay.state(source.source(experimentId));
        if (state.eventCount() == 0) {
            throw new Tunelog.UserError(1, "no events for experiment " + experimentId);
        }
        Path dir = null;
        if (resultsRoot != null) {
            dir = resultsRoot.resolve(experimentId);
            ResultsWriter.write(state, dir);
        }
        var out = command.commandLine().getOut();
        out.println(json ? Json.MAPPER.writeValueAsString(Json.summary(state, dir)) : Outcome.text(state, dir));
        return 0;
    }
}
