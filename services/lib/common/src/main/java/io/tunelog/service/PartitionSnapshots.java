package io.tunelog.service;

import io.tunelog.avro.PartitionSnapshot;
import io.tunelog.avro.SettledExperiment;
import io.tunelog.codec.AvroBytes;
import io.tunelog.codec.AvroBytes.UndecodableRecord;
import io.tunelog.codec.EventCodec;
import io.tunelog.domain.event.Event;
import io.tunelog.domain.state.ExperimentStatus;
import io.tunelog.kafka.KafkaClients;
import io.tunelog.kafka.Topics;
import io.tunelog.service.PartitionLedger.Settled;
import io.tunelog.service.PartitionLedger.Snapshot;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.BiConsumer;
import java.util.function.LongSupplier;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Partition snapshots on {@link Topics#SNAPSHOTS}, for one service instance: where a new owner of a log partition
 * starts (from the latest snapshot, or the beginning), when to write a snapshot and what, and reading one
 * experiment's records back from the log when an experiment skipped as settled turns out not to be
 * ({@link PartitionLedger.Verdict#REBUILD}).
 *
 * <p>Every read here uses a short-lived consumer of its own (manual assignment, read_committed), so the loop's
 * group consumer keeps its positions.
 */
final class PartitionSnapshots {
    private static final Logger LOG = LoggerFactory.getLogger(PartitionSnapshots.class);
    /** How long a read may take before the reader gives up: a snapshot is then not used, a rebuild fails the loop. */
    private static final Duration READ_TIMEOUT = Duration.ofSeconds(30);
    /**
     * Larger snapshots are not written (the previous one stays, still correct but skipping less): Kafka's default
     * largest record is 1 MB, and a snapshot costs its id plus about 5 bytes per experiment of the partition, some
     * 25,000 experiments with 30-character ids.
     */
    private static final int MAX_BYTES = 900_000;

    private final KafkaClients clients;
    private final String service;
    private final String instance;
    private final DecisionLoop.SnapshotPolicy policy;
    private final String clientId;
    /** When each log partition's last snapshot was written by this instance. */
    private final Map<Integer, Instant> writtenAt = new HashMap<>();

    PartitionSnapshots(KafkaClients clients, String service, String instance, DecisionLoop.SnapshotPolicy policy) {
        this.clients = clients;
        this.service = service;
        this.instance = instance;
        this.policy = policy;
        this.clientId = "tunelog-" + service + "-" + instance + "-snapshots";
    }

    /**
     * Where a new owner of a log partition starts.
     *
     * @param ledger the partition's ledger, empty or from the snapshot
     * @param seek   the offset to read from, or null for the partition's beginning
     */
    record Start(PartitionLedger ledger, Long seek) {}

    /**
     * Where to start each of these newly assigned log partitions, given the end offset of each as seen at assignment:
     * from the latest snapshot (if the policy reads them and one fits the log), else from the beginning.
     */
    Map<Integer, Start> starts(Map<Integer, Long> ends) {
        Map<Integer, Snapshot> latest = policy.read() ? latest(ends.keySet()) : Map.of();
        Map<Integer, Start> starts = new HashMap<>();
        ends.forEach((partition, end) -> {
            writtenAt.remove(partition);
            Snapshot s = latest.get(partition);
            if (s != null && s.offset() > end) {
                // The log is not the one the snapshot was taken of (a topic deleted and made again, say).
                LOG.warn("{}: snapshot of {}-{} is at offset {}, past the log's end {}; folding from the beginning",
                        service, Topics.EVENTS, partition, s.offset(), end);
                s = null;
            }
            if (s == null) {
                starts.put(partition, new Start(PartitionLedger.fromBeginning(), null));
            } else {
                LOG.info("{}: {}-{} from offset {} (snapshot at {}: {} experiments settled, {} open)", service, Topics.EVENTS,
                        partition, s.seekOffset(), s.offset(), s.settled().size(), s.open().size());
                starts.put(partition, new Start(PartitionLedger.from(s), s.seekOffset()));
            }
        });
        return starts;
    }

    /**
     * The snapshot record to write for a caught-up partition now, if an experiment settled there since the last one
     * and that was at least the policy's interval ago.
     *
     * @param position the owner's position in the log partition: every record before it was folded or skipped
     */
    Optional<ProducerRecord<String, byte[]>> due(int partition, PartitionLedger ledger, LongSupplier position, Instant now) {
        Instant last = writtenAt.get(partition);
        if (!ledger.hasNewlySettled() || (last != null && now.isBefore(last.plus(policy.interval())))) {
            return Optional.empty();
        }
        writtenAt.put(partition, now);
        return record(ledger.snapshot(service, partition, position.getAsLong()), now);
    }

    /**
     * A consumer that reads to a known end and stops: the broker answers a fetch at once. (With the default 500 ms
     * wait, the fetch that only passes the transaction marker at the end of a partition waits it out.)
     */
    private KafkaConsumer<String, byte[]> reader() {
        return clients.consumer(clientId, null, Map.of(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, 10));
    }

    static String key(String service, int partition) {
        return service + "-" + partition;
    }

    /**
     * This service's latest snapshot of each of these log partitions: the snapshot topic's partitions that hold
     * their keys are read to their (last stable) end. A partition without a snapshot, or whose snapshot does not
     * decode, is missing from the answer; if the topic cannot be read at all, the answer is empty (a full fold).
     */
    Map<Integer, Snapshot> latest(Collection<Integer> logPartitions) {
        Map<String, Integer> wanted = new HashMap<>();
        logPartitions.forEach(p -> wanted.put(key(service, p), p));
        Map<String, byte[]> last = new HashMap<>();
        try (KafkaConsumer<String, byte[]> consumer = reader()) {
            List<PartitionInfo> infos = consumer.partitionsFor(Topics.SNAPSHOTS, READ_TIMEOUT);
            if (infos == null || infos.isEmpty()) {
                LOG.warn("{}: no topic {}; folding from the beginning", service, Topics.SNAPSHOTS);
                return Map.of();
            }
            Set<TopicPartition> tps = new HashSet<>();
            wanted.keySet().forEach(k -> tps.add(new TopicPartition(Topics.SNAPSHOTS, Topics.partitionFor(k, infos.size()))));
            consumer.assign(tps);
            consumer.seekToBeginning(tps);
            Map<TopicPartition, Long> ends = consumer.endOffsets(tps);
            long deadline = System.nanoTime() + READ_TIMEOUT.toNanos();
            while (tps.stream().anyMatch(tp -> consumer.position(tp) < ends.get(tp))) {
                if (System.nanoTime() > deadline) {
                    LOG.warn("{}: could not read {} to its end in {} s; folding from the beginning", service, Topics.SNAPSHOTS,
                            READ_TIMEOUT.toSeconds());
                    return Map.of();
                }
                for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(100))) {
                    if (wanted.containsKey(r.key())) {
                        if (r.value() == null) {
                            last.remove(r.key());
                        } else {
                            last.put(r.key(), r.value());
                        }
                    }
                }
            }
        } catch (KafkaException e) {
            LOG.warn("{}: cannot read {}; folding from the beginning: {}", service, Topics.SNAPSHOTS, e.toString());
            return Map.of();
        }
        Map<Integer, Snapshot> result = new HashMap<>();
        last.forEach((key, value) -> decode(value, wanted.get(key)).ifPresent(s -> result.put(s.partition(), s)));
        return result;
    }

    private Optional<Snapshot> decode(byte[] value, int partition) {
        PartitionSnapshot avro;
        try {
            avro = AvroBytes.decode(PartitionSnapshot.class, value);
        } catch (UndecodableRecord e) {
            LOG.warn("{}: snapshot of partition {} does not decode ({}); folding it from the beginning", service, partition, e.getMessage());
            return Optional.empty();
        }
        if (!avro.getService().equals(service) || avro.getPartition() != partition) {
            LOG.warn("{}: snapshot under key {} is {}'s of partition {}; folding partition {} from the beginning",
                    service, key(service, partition), avro.getService(), avro.getPartition(), partition);
            return Optional.empty();
        }
        return Optional.of(fromAvro(avro));
    }

    static Snapshot fromAvro(PartitionSnapshot avro) {
        Map<String, Settled> settled = new HashMap<>();
        avro.getSettled().forEach((id, s) -> settled.put(id,
                new Settled(s.getFirstOffset(), s.getCancelled() ? ExperimentStatus.CANCELLED : ExperimentStatus.COMPLETED)));
        return new Snapshot(avro.getService(), avro.getPartition(), avro.getOffset(), settled, avro.getOpen());
    }

    static PartitionSnapshot toAvro(Snapshot s, String instance, Instant now) {
        // Sorted maps: equal snapshots encode to equal bytes.
        Map<String, SettledExperiment> settled = new TreeMap<>();
        s.settled().forEach((id, e) -> settled.put(id, new SettledExperiment(e.firstOffset(), e.status() == ExperimentStatus.CANCELLED)));
        return new PartitionSnapshot(s.service(), s.partition(), s.offset(), instance, now, settled, new TreeMap<>(s.open()));
    }

    /** The record to write for a snapshot, or empty (with a warning) when it is too large to write. */
    private Optional<ProducerRecord<String, byte[]>> record(Snapshot s, Instant now) {
        byte[] value = AvroBytes.encode(toAvro(s, instance, now));
        if (value.length > MAX_BYTES) {
            LOG.warn("{}: snapshot of partition {} is {} bytes ({} settled experiments), over {}; not written",
                    service, s.partition(), value.length, s.settled().size(), MAX_BYTES);
            return Optional.empty();
        }
        return Optional.of(new ProducerRecord<>(Topics.SNAPSHOTS, key(s.service(), s.partition()), value));
    }

    /**
     * Passes to {@code sink}, in log order, every record of {@code experimentId} in {@code [from, to)} of a log
     * partition, with its decoded event; records that do not decode are passed over, as the loop's fold does.
     * The caller has read a committed record at {@code to}, so everything before it is settled in the log.
     *
     * @return how many records were passed
     */
    int readExperiment(int partition, String experimentId, long from, long to, BiConsumer<ConsumerRecord<String, byte[]>, Event> sink) {
        TopicPartition tp = new TopicPartition(Topics.EVENTS, partition);
        int passed = 0;
        try (KafkaConsumer<String, byte[]> consumer = reader()) {
            consumer.assign(List.of(tp));
            consumer.seek(tp, from);
            long deadline = System.nanoTime() + READ_TIMEOUT.toNanos();
            while (consumer.position(tp) < to) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException(service + ": could not read " + tp + " from " + from + " to " + to
                            + " in " + READ_TIMEOUT.toSeconds() + " s to rebuild experiment " + experimentId);
                }
                for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(100))) {
                    if (r.offset() >= to) {
                        break;
                    }
                    Event event;
                    try {
                        event = EventCodec.decode(r.value());
                    } catch (UndecodableRecord e) {
                        continue;
                    }
                    if (event.experimentId().equals(experimentId)) {
                        sink.accept(r, event);
                        passed++;
                    }
                }
            }
        }
        return passed;
    }
}
