package io.tunelog.codec;

import io.tunelog.schema.SchemaHistory;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.message.BinaryMessageDecoder;
import org.apache.avro.message.BinaryMessageEncoder;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificRecordBase;

/**
 * Avro single-object encoding for every record on a topic: a two-byte marker, the writer schema's
 * fingerprint, then the binary body. Decoders find the writer schema among all released versions.
 */
public final class AvroBytes {
    private static final ConcurrentHashMap<Class<?>, BinaryMessageEncoder<?>> ENCODERS = new ConcurrentHashMap<>();
    private static final ConcurrentHashMap<Class<?>, BinaryMessageDecoder<?>> DECODERS = new ConcurrentHashMap<>();

    private AvroBytes() {}

    @SuppressWarnings("unchecked")
    public static <T extends SpecificRecordBase> byte[] encode(T record) {
        BinaryMessageEncoder<T> encoder = (BinaryMessageEncoder<T>) ENCODERS.computeIfAbsent(record.getClass(),
                c -> new BinaryMessageEncoder<>(SpecificData.getForClass(c), record.getSchema()));
        try {
            ByteBuffer buffer = encoder.encode(record);
            byte[] bytes = new byte[buffer.remaining()];
            buffer.get(bytes);
            return bytes;
        } catch (IOException e) {
            throw new IllegalStateException("cannot encode " + record.getSchema().getName(), e);
        }
    }

    /** Decodes {@code bytes} written by any released version of {@code type}'s schema. */
    @SuppressWarnings("unchecked")
    public static <T extends SpecificRecordBase> T decode(Class<T> type, byte[] bytes) throws UndecodableRecord {
        if (bytes == null) {
            throw new UndecodableRecord("no value (a tombstone) where a " + type.getSimpleName() + " was expected");
        }
        BinaryMessageDecoder<T> decoder = (BinaryMessageDecoder<T>) DECODERS.computeIfAbsent(type,
                c -> new BinaryMessageDecoder<>(SpecificData.getForClass(c), SpecificData.get().getSchema(c),
                        SchemaHistory.store()));
        try {
            return decoder.decode(bytes, null);
        } catch (IOException | RuntimeException e) {
            throw new UndecodableRecord("not a " + type.getSimpleName() + " of any known schema: " + e.getMessage());
        }
    }

    /** Bytes that are not a record of the expected type in any released schema version. */
    public static final class UndecodableRecord extends Exception {
        public UndecodableRecord(String message) {
            super(message);
        }
    }
}
