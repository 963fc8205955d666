package io.tunelog.replay;

import io.tunelog.avro.LogRecord;
import io.tunelog.kafka.KafkaClients;
import io.tunelog.log.LogReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Consumer;
import org.apache.avro.file.DataFileReader;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.kafka.common.header.Header;

/**
 * One experiment's log records in log order, streamed: a log of millions of events need not fit in
 * memory to be replayed or audited. Each call of {@link #forEach} reads the log again from its start.
 */
public interface LogSource {

    String experimentId();

    void forEach(Consumer<LogRecord> action);

    /** A source named {@code experimentId} whose records {@code reading} delivers, from the start, each time. */
    static LogSource of(String experimentId, Consumer<Consumer<LogRecord>> reading) {
        return new LogSource() {
            @Override
            public String experimentId() {
                return experimentId;
            }

            @Override
            public void forEach(Consumer<LogRecord> action) {
                reading.accept(action);
            }
        };
    }

    /** The log partition of a Kafka cluster, read to the end committed when the reading starts. */
    static LogSource kafka(KafkaClients clients, String experimentId) {
        return of(experimentId, action -> {
            try (LogReader reader = new LogReader(clients, experimentId)) {
                reader.readRawToEnd(r -> {
                    Map<String, ByteBuffer> headers = new HashMap<>(4);
                    for (Header h : r.headers()) {
                        // A header without a value (anyone who may write the log can send one) reads as empty, not as a crash.
                        headers.put(h.key(), ByteBuffer.wrap(h.value() == null ? new byte[0] : h.value()));
                    }
                    action.accept(new LogRecord(r.offset(), Instant.ofEpochMilli(r.timestamp()), r.key(),
                            ByteBuffer.wrap(r.value()), headers));
                });
            }
        });
    }

    /** An archive written by {@link ExperimentLog#writeAvro}. */
    static LogSource archive(Path file) {
        return of(ExperimentLog.archivedExperimentId(file), action -> {
            try (DataFileReader<LogRecord> reader = new DataFileReader<>(file.toFile(), new SpecificDatumReader<>(LogRecord.class))) {
                while (reader.hasNext()) {
                    action.accept(reader.next());
                }
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read archive " + file, e);
            }
        });
    }
}
