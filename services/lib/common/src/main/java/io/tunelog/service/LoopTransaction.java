package io.tunelog.service;

import io.tunelog.domain.event.Event;
import io.tunelog.log.Integrity;
import io.tunelog.security.RecordSignature;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.CommitFailedException;
import org.apache.kafka.clients.consumer.ConsumerGroupMetadata;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.errors.FencedInstanceIdException;
import org.apache.kafka.common.errors.InvalidProducerEpochException;
import org.apache.kafka.common.errors.ProducerFencedException;

/**
 * One pass's Kafka transaction: begun with its first write, committed with the offsets the pass consumed. A pass
 * that writes nothing opens no transaction and commits nothing.
 *
 * <p>Every way of being fenced (a newer incarnation of this instance took the transactional id, or the group gave
 * our partitions to another member while we decided) surfaces as one exception, {@link Fenced}: the loop cannot go
 * on, and a fresh one rebuilds from the log.
 */
final class LoopTransaction implements AutoCloseable {
    private final KafkaProducer<String, byte[]> producer;
    private final Written written;
    private final RecordSignature.Signer signer;
    private boolean open;

    /** Hears where the broker put each log record this loop appended, with the record's hash: called on the producer's thread. */
    interface Written {
        void written(Event event, byte[] hash, RecordMetadata where);
    }

    /** This instance lost its right to write: what it decided in the open transaction is aborted, never logged. */
    static final class Fenced extends RuntimeException {
        Fenced(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** @param written hears of each appended log record once the broker has it; null: nobody listens */
    LoopTransaction(KafkaProducer<String, byte[]> producer, Written written) {
        this(producer, written, null);
    }

    /** @param signer signs each log record, after its integrity headers (docs/SIGNING.md); null: unsigned */
    LoopTransaction(KafkaProducer<String, byte[]> producer, Written written, RecordSignature.Signer signer) {
        this.producer = producer;
        this.written = written;
        this.signer = signer;
    }

    /** Fences an earlier incarnation of this instance and aborts whatever transaction it left open. */
    void init() {
        fenceable(producer::initTransactions);
    }

    /** Writes a record in the pass's transaction, beginning it if this is the pass's first write. */
    void send(ProducerRecord<String, byte[]> record) {
        begin();
        producer.send(record);
    }

    /** Writes an event to the log with its integrity headers, its basis proven by the digest of what was folded (see {@link Integrity}). */
    void append(Tracked experiment, Event event) {
        append(experiment, event, List.of());
    }

    /** As {@link #append(Tracked, Event)}, with headers of its own: a report's, which the event was admitted from. */
    void append(Tracked experiment, Event event, List<Header> extra) {
        ProducerRecord<String, byte[]> record = Integrity.logRecord(event, experiment.prefix.digest());
        extra.forEach(record.headers()::add);
        if (signer != null) {
            signer.sign(record.topic(), record.key(), record.value(), record.headers());
        }
        if (written == null) {
            send(record);
            return;
        }
        byte[] hash = record.headers().lastHeader(Integrity.HASH).value();
        begin();
        producer.send(record, (where, error) -> {
            if (error == null && where != null) {
                written.written(event, hash, where);
            }
        });
    }

    boolean isOpen() {
        return open;
    }

    /**
     * Commits with the offsets the pass consumed, which carry the consumer's group generation: an instance that lost
     * its partitions while it decided fails here instead of logging what its successor decides too (KIP-447).
     */
    void commit(Map<TopicPartition, OffsetAndMetadata> offsets, ConsumerGroupMetadata group) {
        begin();
        fenceable(() -> producer.sendOffsetsToTransaction(offsets, group));
        commit();
    }

    /** Commits the pass's transaction, if it began one. */
    void commit() {
        if (open) {
            fenceable(producer::commitTransaction);
            open = false;
        }
    }

    private void begin() {
        if (!open) {
            fenceable(producer::beginTransaction);
            open = true;
        }
    }

    private static void fenceable(Runnable call) {
        try {
            call.run();
        } catch (ProducerFencedException | InvalidProducerEpochException | FencedInstanceIdException | CommitFailedException e) {
            throw new Fenced("fenced: another instance owns this transactional id or these partitions now (" + e.getMessage() + ")", e);
        }
    }

    @Override
    public void close() {
        producer.close();
    }
}
