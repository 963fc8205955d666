package io.tunelog.replay;

import io.tunelog.avro.LogRecord;
import io.tunelog.kafka.KafkaClients;
import io.tunelog.schema.SchemaHistory;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import org.apache.avro.Schema;
import org.apache.avro.file.CodecFactory;
import org.apache.avro.file.DataFileReader;
import org.apache.avro.file.DataFileWriter;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificDatumWriter;

/**
 * One experiment's log as stored: every record's offset, timestamp, exact value bytes and headers.
 * It comes from Kafka or from an archive, and is written to archives as an Avro object container file
 * of {@link LogRecord}s whose metadata also holds every released schema of the events inside.
 */
public record ExperimentLog(String experimentId, List<LogRecord> records) implements LogSource {
    /** Archive metadata: which experiment the file holds. */
    public static final String META_EXPERIMENT = "tunelog.experiment";
    /** Archive metadata: JSON array of every released Event schema, so the file explains itself. */
    public static final String META_EVENT_SCHEMAS = "tunelog.event.schemas";

    public ExperimentLog {
        records = List.copyOf(records);
    }

    /** Reads the whole log into memory; for large logs, stream it with {@link LogSource#kafka}. */
    public static ExperimentLog fromKafka(KafkaClients clients, String experimentId) {
        return of(LogSource.kafka(clients, experimentId));
    }

    /** Reads a whole archive into memory; for large logs, stream it with {@link LogSource#archive}. */
    public static ExperimentLog fromFile(Path file) {
        return of(LogSource.archive(file));
    }

    public static ExperimentLog of(LogSource source) {
        List<LogRecord> records = new ArrayList<>();
        source.forEach(records::add);
        return new ExperimentLog(source.experimentId(), records);
    }

    @Override
    public void forEach(java.util.function.Consumer<LogRecord> action) {
        records.forEach(action);
    }

    /** The experiment an archive holds, from its metadata. */
    static String archivedExperimentId(Path file) {
        try (DataFileReader<LogRecord> reader = new DataFileReader<>(file.toFile(), new SpecificDatumReader<>(LogRecord.class))) {
            String experimentId = reader.getMetaString(META_EXPERIMENT);
            if (experimentId == null) {
                throw new IllegalArgumentException(file + " is not a Tunelog archive: no " + META_EXPERIMENT + " metadata");
            }
            return experimentId;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read archive " + file, e);
        }
    }

    /** Writes the archive: written beside the target and renamed, so a reader never sees half a file. */
    public void writeAvro(Path file) {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        String schemas = SchemaHistory.versions("Event").stream().map(Schema::toString)
                .collect(Collectors.joining(",", "[", "]"));
        try (DataFileWriter<LogRecord> writer = new DataFileWriter<>(new SpecificDatumWriter<>(LogRecord.class))) {
            writer.setCodec(CodecFactory.deflateCodec(6));
            writer.setMeta(META_EXPERIMENT, experimentId);
            writer.setMeta(META_EVENT_SCHEMAS, schemas.getBytes(StandardCharsets.UTF_8));
            writer.create(LogRecord.getClassSchema(), tmp.toFile());
            for (LogRecord r : records) {
                writer.append(r);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write archive " + file, e);
        }
        try {
            Files.move(tmp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot move archive into place at " + file, e);
        }
    }

    /** The exact bytes a record's value holds; callers must not change them. */
    public static byte[] bytes(ByteBuffer buffer) {
        if (buffer.hasArray() && buffer.arrayOffset() == 0 && buffer.position() == 0 && buffer.remaining() == buffer.array().length) {
            return buffer.array(); // the common case: the buffer wraps exactly the record's bytes
        }
        ByteBuffer b = buffer.duplicate();
        byte[] out = new byte[b.remaining()];
        b.get(out);
        return out;
    }
}
