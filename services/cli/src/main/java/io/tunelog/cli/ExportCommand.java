package io.tunelog.cli;

import io.tunelog.replay.ExperimentLog;
import io.tunelog.replay.Exports;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** Writes an experiment's log to a file. */
@Command(name = "export", mixinStandardHelpOptions = true,
        description = "Export an experiment's log: avro (an archive `--from` reads), jsonl, or csv (one row per report).")
final class ExportCommand implements Callable<Integer> {
    @Parameters(index = "0", description = "Experiment id")
    String experimentId;

    @Mixin
    LogSourceOptions source;

    @Option(names = "--format", required = true, description = "avro, jsonl or csv")
    String format;

    @Option(names = "--out", required = true, description = "Output file")
    Path out;

    @Spec
    CommandSpec command;

    @Override
    public Integer call() {
        Exports.Format f;
        try {
            f = Exports.Format.parse(format);
        } catch (IllegalArgumentException e) {
            throw new Tunelog.UserError(Tunelog.BAD_INPUT, "--format: " + e.getMessage());
        }
        ExperimentLog log = source.load(experimentId);
        Exports.write(log, f, out);
        command.commandLine().getErr().println("wrote " + log.records().size() + " events of " + experimentId + " to " + out);
        return 0;
    }
}
