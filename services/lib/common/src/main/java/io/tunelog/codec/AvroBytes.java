package io.tunelog.codec;

import io.tunelog.schema.SchemaHistory;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;
import org.apache.avro.Schema;
import org.apache.avro.message.BinaryMessageDecoder;
import org.apache.avro.message.BinaryMessageEncoder;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificRecordBase;

/**
 * Avro single-object encoding for every record on a topic: a two-byte marker, the writer schema's
 * fingerprint, then the binary body. Decoders find the writer schema among all released versions.
 */
public final class AvroBytes {
    /** The single-object header: the marker C3 01 and the writer schema's 8-byte CRC-64-AVRO fingerprint. */
    private static final int HEADER_BYTES = 10;

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

    /**
     * Decodes {@code bytes} as whichever of {@code types} wrote them, told apart by the writer schema that the
     * single-object header names: for a topic that carries more than one kind of record.
     */
    public static SpecificRecordBase decodeAny(byte[] bytes, List<Class<? extends SpecificRecordBase>> types) throws UndecodableRecord {
        String expected = types.stream().map(Class::getSimpleName).collect(Collectors.joining(" or "));
        if (bytes == null) {
            throw new UndecodableRecord("no value (a tombstone) where a " + expected + " was expected");
        }
        if (bytes.length < HEADER_BYTES || bytes[0] != (byte) 0xC3 || bytes[1] != (byte) 0x01) {
            throw new UndecodableRecord("not a " + expected + " of any known schema: no single-object header");
        }
        long fingerprint = ByteBuffer.wrap(bytes, 2, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        Schema writer = SchemaHistory.store().findByFingerprint(fingerprint);
        if (writer == null) {
            throw new UndecodableRecord("not a " + expected + " of any known schema: unknown fingerprint " + Long.toHexString(fingerprint));
        }
        for (Class<? extends SpecificRecordBase> type : types) {
            if (SpecificData.get().getSchema(type).getFullName().equals(writer.getFullName())) {
                return decode(type, bytes);
            }
        }
        throw new UndecodableRecord("a " + writer.getName() + " where a " + expected + " was expected");
    }

    /** Bytes that are not a record of the expected type in any released schema version. */
    public static final class UndecodableRecord extends Exception {
        public UndecodableRecord(String message) {
            super(message);
        }
    }
}
