package io.tunelog.cli;

import io.tunelog.replay.ExperimentLog;
import io.tunelog.replay.LogSource;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Supplier;
import org.apache.avro.AvroRuntimeException;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** Where to read an experiment's log: a Kafka cluster, or an archive written by `tunelog export --format avro`. */
final class LogSourceOptions {
    @Mixin
    KafkaOptions kafka;

    @Option(names = "--from", description = "An Avro archive of the log (from `tunelog export --format avro`) instead of Kafka")
    Path from;

    /** The log, streamed: for commands that read it once, however large it is. */
    LogSource source(String experimentId) {
        if (from == null) {
            return LogSource.kafka(kafka.requiredClients(), experimentId);
        }
        if (!Files.isRegularFile(from)) {
            throw new Tunelog.UserError(Tunelog.BAD_INPUT, "no archive at " + from);
        }
        LogSource archive = notAnArchiveIsBadInput(() -> LogSource.archive(from));
        if (!archive.experimentId().equals(experimentId)) {
            throw new Tunelog.UserError(Tunelog.BAD_INPUT, from + " holds experiment " + archive.experimentId() + ", not " + experimentId);
        }
        return LogSource.of(experimentId, action -> notAnArchiveIsBadInput(() -> {
            archive.forEach(action);
            return null;
        }));
    }

    /**
     * Avro throws its own exceptions on a file that is not Avro or holds other records than a log's; each is the
     * user's file being wrong, said in one line naming it.
     */
    private <T> T notAnArchiveIsBadInput(Supplier<T> reading) {
        try {
            return reading.get();
        } catch (UncheckedIOException | AvroRuntimeException | IllegalArgumentException e) {
            String reason = (e instanceof UncheckedIOException && e.getCause() != null ? CliErrors.describe(e.getCause()) : CliErrors.describe(e))
                    .replace(from + " is not a Tunelog archive: ", "");
            throw new Tunelog.UserError(Tunelog.BAD_INPUT, "--from " + from + " is not a Tunelog archive (from `tunelog export "
                    + "--format avro`): " + reason);
        }
    }

    /** The whole log in memory: for commands that need it more than once. */
    ExperimentLog load(String experimentId) {
        ExperimentLog log = ExperimentLog.of(source(experimentId));
        if (log.records().isEmpty()) {
            throw new Tunelog.UserError(1, "no events for experiment " + experimentId);
        }
        return log;
    }
}
