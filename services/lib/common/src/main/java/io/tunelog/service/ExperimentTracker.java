package io.tunelog.service;

import io.tunelog.codec.AvroBytes.UndecodableRecord;
import io.tunelog.codec.EventCodec;
import io.tunelog.domain.event.Event;
import io.tunelog.domain.event.LoggedEvent;
import io.tunelog.domain.state.ExperimentState;
import io.tunelog.kafka.Topics;
import io.tunelog.log.Integrity;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiConsumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The experiments of the log partitions a loop owns, folded from their records: each partition's experiments and
 * its {@link PartitionLedger}. A record of an experiment skipped as settled is passed over undecoded; one that turns
 * out to need the experiment's state has it folded from its first record first.
 */
final class ExperimentTracker {
    private static final Logger LOG = LoggerFactory.getLogger(ExperimentTracker.class);

    /** One log partition as this instance owns it. */
    static final class Partition {
        final Map<String, Tracked> experiments = new HashMap<>();
        final PartitionLedger ledger;

        Partition(PartitionLedger ledger) {
            this.ledger = ledger;
        }
    }

    private final String service;
    /** The sources of the events this loop writes ahead of the log (see {@link Tracked}), or null when it does not. */
    private final Set<String> writesAhead;
    private final PartitionSnapshots snapshots;
    private final LoopMetrics metrics;
    private final Map<Integer, Partition> partitions = new HashMap<>();
    /**
     * A loop that writes ahead: the log records it wrote and has not read back, by partition and offset, as the
     * producer's thread learns where they went. Their read-back copies are duplicates it need not decode.
     */
    private final Map<Integer, Map<Long, Echo>> echoes = new ConcurrentHashMap<>();

    private record Echo(String experimentId, String eventId, Instant timestamp, byte[] hash) {}

    final AtomicLong folded = new AtomicLong();
    final AtomicLong skipped = new AtomicLong();
    final AtomicLong rebuilt = new AtomicLong();

    /** @param writesAhead the sources of the events this loop writes ahead of the log; empty when it does not */
    ExperimentTracker(String service, Set<String> writesAhead, PartitionSnapshots snapshots, LoopMetrics metrics) {
        this.service = service;
        this.writesAhead = writesAhead.isEmpty() ? null : Set.copyOf(writesAhead);
        this.snapshots = snapshots;
        this.metrics = metrics;
    }

    /** Starts a newly assigned partition afresh from its ledger (empty, or from a snapshot). */
    void assign(int partition, PartitionLedger ledger) {
        partitions.put(partition, new Partition(ledger));
    }

    void revoke(int partition) {
        partitions.remove(partition);
        echoes.remove(partition);
    }

    /** Where the broker put a log record this loop appended ({@link LoopTransaction.Written}), for a loop that writes ahead. */
    void written(Event event, byte[] hash, RecordMetadata where) {
        echoes.computeIfAbsent(where.partition(), p -> new ConcurrentHashMap<>())
                .put(where.offset(), new Echo(event.experimentId(), event.eventId(), event.timestamp(), hash));
    }

    Map<Integer, Partition> partitions() {
        return partitions;
    }

    Partition partition(int partition) {
        return partitions.computeIfAbsent(partition, p -> new Partition(PartitionLedger.fromBeginning()));
    }

    Tracked tracked(int partition, String experimentId) {
        return partition(partition).experiments.computeIfAbsent(experimentId, id -> new Tracked(partition, id));
    }

    /** Every experiment folded in one partition. */
    Collection<Tracked> experiments(int partition) {
        Partition p = partitions.get(partition);
        return p == null ? List.of() : p.experiments.values();
    }

    /** The states of every experiment this loop folds, for its metrics. */
    List<ExperimentState> states() {
        List<ExperimentState> states = new ArrayList<>();
        partitions.values().forEach(p -> p.experiments.values().forEach(t -> states.add(t.state)));
        return states;
    }

    /** Whether this loop writes ahead of the log: it folds what it writes as it writes it, and decides on that. */
    boolean writesAhead() {
        return writesAhead != null;
    }

    /**
     * Folds one log record into its experiment and returns the experiment when it may need a decision: its state
     * changed, or the last of this loop's events about it came back. Returns null for a record skipped (its
     * experiment is settled), one that does not decode ({@code undecodable} hears of it), or the echo of an event
     * this loop folded ahead. A loop that writes ahead folds a partition that is {@code catchingUp} in its writer's
     * order (see {@link #caughtUp}).
     */
    Tracked fold(ConsumerRecord<String, byte[]> record, boolean catchingUp, BiConsumer<ConsumerRecord<String, byte[]>, String> undecodable) {
        Partition p = partition(record.partition());
        // A record of an experiment skipped as settled is passed over undecoded (decoding was most of the cost of
        // skipping). Its key is its experiment id: the services write it so, and every reader of one experiment's
        // log, the audit included, picks its records by key.
        if (record.key() != null && p.ledger.verdict(record.key(), record.offset()) == PartitionLedger.Verdict.SKIP) {
            skipped.incrementAndGet();
            return null;
        }
        Map<Long, Echo> written = echoes.get(record.partition());
        Echo echo = written == null ? null : written.remove(record.offset());
        Tracked echoed = echo == null || catchingUp ? null : partition(record.partition()).experiments.get(echo.experimentId());
        if (echoed != null && echoed.unechoed.contains(echo.eventId())) {
            Tracked t = echoed;
            t.readBack(record.offset(), echo.eventId(), echo.timestamp());
            t.prefix.add(echo.hash());
            p.ledger.folded(echo.experimentId(), record.offset());
            metrics.folded.increment();
            folded.incrementAndGet();
            return t.unechoed.isEmpty() ? t : null;
        }
        Event event;
        try {
            event = EventCodec.decode(record.value());
        } catch (UndecodableRecord e) {
            // The log is written only by services; an undecodable record there is a fault to report, not to guess at.
            LOG.error("{}: cannot decode {}-{}@{}: {}", service, record.topic(), record.partition(), record.offset(), e.getMessage());
            undecodable.accept(record, e.getMessage());
            return null;
        }
        switch (p.ledger.verdict(event.experimentId(), record.offset())) {
            case SKIP -> {
                skipped.incrementAndGet();
                return null;
            }
            case REBUILD -> rebuild(p, record.partition(), event.experimentId(), record.offset());
            case FOLD -> { }
        }
        Tracked t = tracked(record.partition(), event.experimentId());
        long events = t.state.eventCount();
        boolean ours = t.unechoed.contains(event.eventId());
        apply(t, p, record, event, catchingUp ? writesAhead : null);
        return t.state.eventCount() > events || (ours && t.unechoed.isEmpty()) ? t : null;
    }

    /** Catch-up of a partition is over: every record read of it is folded, in its writer's order where that differs. */
    void caughtUp(int partition) {
        experiments(partition).forEach(Tracked::caughtUp);
    }

    private void apply(Tracked t, Partition p, ConsumerRecord<String, byte[]> record, Event event, Set<String> writerOrder) {
        t.fold(new LoggedEvent(record.offset(), event), writerOrder);
        t.prefix.add(Integrity.hash(record.value()));
        p.ledger.folded(event.experimentId(), record.offset());
        metrics.folded.increment();
        folded.incrementAndGet();
    }

    /**
     * An experiment skipped as settled has a new record at {@code offset}: fold it from its first record up to
     * that one, with a consumer of its own, so that nothing is decided on part of its history.
     */
    private void rebuild(Partition p, int partition, String experimentId, long offset) {
        PartitionLedger.Settled settled = p.ledger.rebuild(experimentId);
        Tracked t = new Tracked(partition, experimentId);
        p.experiments.put(experimentId, t);
        // In log order: an experiment that ended decides and admits nothing more, whatever order its events are in.
        int records = snapshots.readExperiment(partition, experimentId, settled.firstOffset(), offset, (r, e) -> apply(t, p, r, e, null));
        rebuilt.incrementAndGet();
        LOG.info("{}: experiment {} was settled but has a new event at {}-{}@{}; folded its {} earlier records from offset {}",
                service, experimentId, Topics.EVENTS, partition, offset, records, settled.firstOffset());
    }
}
