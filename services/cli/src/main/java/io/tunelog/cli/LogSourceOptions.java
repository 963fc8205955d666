package io.tunelog.cli;

import io.tunelog.replay.ExperimentLog;
import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** Where to read an experiment's log: a Kafka cluster, or an archive written by `tunelog export --format avro`. */
final class LogSourceOptions {
    @Mixin
    KafkaOptions kafka;

    @Option(names = "--from", description = "An Avro archive of the log (from `tunelog export --format avro`) instead of Kafka")
    Path from;

    ExperimentLog load(String experimentId) {
        ExperimentLog log;
        if (from != null) {
            if (!Files.isRegularFile(from)) {
                throw new Tunelog.UserError(Tunelog.BAD_INPUT, "no archive at " + from);
            }
            log = ExperimentLog.fromFile(from);
            if (!log.experimentId().equals(experimentId)) {
                throw new Tunelog.UserError(Tunelog.BAD_INPUT, from + " holds experiment " + log.experimentId() + ", not " + experimentId);
            }
        } else {
            log = ExperimentLog.fromKafka(kafka.requiredClients(), experimentId);
        }
        if (log.records().isEmpty()) {
            throw new Tunelog.UserError(1, "no events for experiment " + experimentId);
        }
        return log;
    }
}
