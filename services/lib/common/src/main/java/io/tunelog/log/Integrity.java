package io.tunelog.log;

import io.tunelog.codec.EventCodec;
import io.tunelog.domain.event.Event;
import io.tunelog.domain.event.LoggedEvent;
import io.tunelog.kafka.Topics;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * What makes a stored log checkable beyond its decisions. Every event record carries two headers:
 * <ul>
 *   <li>{@value #HASH}: SHA-256 of the record's value bytes, so an edited event is named exactly;</li>
 *   <li>{@value #BASIS_DIGEST}: SHA-256 over the hashes of every event of the experiment up to the basis,
 *       in log order, so a decision also proves which history it was decided on: an event removed,
 *       inserted or moved before it changes that digest. Hashing the hashes (not the bytes again) keeps
 *       the sequential part of an audit to 32 bytes per event; the per-event hashes run in parallel.</li>
 * </ul>
 * Both are over the bytes as written, so they verify whatever schema version the reader has. They
 * detect corruption and edits that do not recompute them; keeping writers out is the job of Kafka ACLs.
 */
public final class Integrity {
    public static final String HASH = "tunelog.hash";
    public static final String BASIS_DIGEST = "tunelog.basis-digest";

    private Integrity() {}

    /**
     * The Kafka record for an event of the log, with its integrity headers. Every writer of the log
     * builds its records here.
     *
     * @param basisDigest the experiment's prefix digest at the event's basis (ignored when it has none)
     */
    public static ProducerRecord<String, byte[]> logRecord(Event event, byte[] basisDigest) {
        return logRecord(event, EventCodec.encode(event), basisDigest);
    }

    private static ProducerRecord<String, byte[]> logRecord(Event event, byte[] value, byte[] basisDigest) {
        ProducerRecord<String, byte[]> record = new ProducerRecord<>(Topics.EVENTS, event.experimentId(), value);
        record.headers().add(HASH, hash(value));
        if (event.basis() != null) {
            record.headers().add(BASIS_DIGEST, basisDigest);
        }
        return record;
    }

    /**
     * Records for a whole experiment log written from its start by one writer, each event at the offset
     * it names (as a lone producer's records land in a fresh stretch of a partition): benchmarks and tests
     * use it to write logs made outside the services, with the headers the services would have written.
     */
    public static final class SequentialWriter {
        private final PrefixDigest prefix = new PrefixDigest();
        private final Map<Long, byte[]> digestAt = new HashMap<>();

        public ProducerRecord<String, byte[]> next(LoggedEvent logged) {
            Event event = logged.event();
            byte[] value = EventCodec.encode(event);
            ProducerRecord<String, byte[]> record = logRecord(event, value, event.basis() == null ? null : digestAt.get(event.basis()));
            prefix.add(hash(value));
            digestAt.put(logged.offset(), prefix.digest());
            return record;
        }
    }

    public static byte[] hash(byte[] value) {
        return SHA256.get().digest(value);
    }

    // MessageDigest instances are not thread-safe and costly to look up: one per thread.
    private static final ThreadLocal<MessageDigest> SHA256 = ThreadLocal.withInitial(Integrity::sha256);

    /** The running digest of one experiment's log prefix. */
    public static final class PrefixDigest {
        private final MessageDigest sha = sha256();

        /** Extends the prefix by one event, given the {@link #hash} of its value bytes. */
        public void add(byte[] eventHash) {
            sha.update(eventHash);
        }

        /** The digest of the prefix so far; the prefix can still grow. */
        public byte[] digest() {
            try {
                return ((MessageDigest) sha.clone()).digest();
            } catch (CloneNotSupportedException e) {
                throw new IllegalStateException("SHA-256 digests are cloneable in every JVM", e);
            }
        }
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
    }
}
