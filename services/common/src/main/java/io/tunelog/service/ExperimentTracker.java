package io.tunelog.service;

import io.tunelog.codec.AvroBytes.UndecodableRecord;
import io.tunelog.codec.EventCodec;
import io.tunelog.domain.event.Event;
import io.tunelog.domain.event.LoggedEvent;
import io.tunelog.domain.state.ExperimentState;
import io.tunelog.kafka.Topics;
import io.tunelog.log.Integrity;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiConsumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
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
    private final boolean gate;
    private final PartitionSnapshots snapshots;
    private final LoopMetrics metrics;
    private final Map<Integer, Partition> partitions = new HashMap<>();
    final AtomicLong folded = new AtomicLong();
    final AtomicLong skipped = new AtomicLong();
    final AtomicLong rebuilt = new AtomicLong();

    /** @param gate whether the loop is the gate, which keeps a look-ahead view of each experiment beside its log */
    ExperimentTracker(String service, boolean gate, PartitionSnapshots snapshots, LoopMetrics metrics) {
        this.service = service;
        this.gate = gate;
        this.snapshots = snapshots;
        this.metrics = metrics;
    }

    /** Starts a newly assigned partition afresh from its ledger (empty, or from a snapshot). */
    void assign(int partition, PartitionLedger ledger) {
        partitions.put(partition, new Partition(ledger));
    }

    void revoke(int partition) {
        partitions.remove(partition);
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

    /** The logs of every experiment this loop folds, for its metrics. */
    List<ExperimentState> states() {
        List<ExperimentState> states = new ArrayList<>();
        partitions.values().forEach(p -> p.experiments.values().forEach(t -> states.add(t.log)));
        return states;
    }

    /**
     * Folds one log record into its experiment and returns it, or returns null when the record is skipped (its
     * experiment is settled) or does not decode; {@code undecodable} hears of the latter.
     */
    Tracked fold(ConsumerRecord<String, byte[]> record, BiConsumer<ConsumerRecord<String, byte[]>, String> undecodable) {
        Partition p = partition(record.partition());
        // A record of an experiment skipped as settled is passed over undecoded (decoding was most of the cost of
        // skipping). Its key is its experiment id: the services write it so, and every reader of one experiment's
        // log, the audit included, picks its records by key.
        if (record.key() != null && p.ledger.verdict(record.key(), record.offset()) == PartitionLedger.Verdict.SKIP) {
            skipped.incrementAndGet();
            return null;
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
        apply(t, p, record, event);
        t.pendingDecisions.remove(event.eventId());
        return t;
    }

    private void apply(Tracked t, Partition p, ConsumerRecord<String, byte[]> record, Event event) {
        LoggedEvent logged = new LoggedEvent(record.offset(), event);
        t.log.apply(logged);
        t.prefix.add(Integrity.hash(record.value()));
        t.lastFoldedAt = event.timestamp();
        if (gate) {
            t.gateView.apply(logged);
        }
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
        int records = snapshots.readExperiment(partition, experimentId, settled.firstOffset(), offset, (r, e) -> apply(t, p, r, e));
        rebuilt.incrementAndGet();
        LOG.info("{}: experiment {} was settled but has a new event at {}-{}@{}; folded its {} earlier records from offset {}",
                service, experimentId, Topics.EVENTS, partition, offset, records, settled.firstOffset());
    }
}
