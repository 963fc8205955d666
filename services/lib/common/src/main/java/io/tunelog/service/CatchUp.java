package io.tunelog.service;

import io.tunelog.kafka.Topics;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;

/**
 * A loop's log partitions from assignment until they are caught up, and their snapshots after.
 *
 * <p>When a log partition is assigned, every experiment of it that is not settled for the service is folded from
 * its first event (from the partition's start, or from where the latest snapshot says the first such experiment
 * begins), and nothing in it is decided or admitted (its command partitions are paused) until the fold has reached
 * the partition's high watermark as seen at assignment. State is never carried over: the log is the only truth, and
 * a snapshot only says which experiments need not be folded.
 */
final class CatchUp implements ConsumerRebalanceListener {
    private final KafkaConsumer<String, byte[]> consumer;
    private final Admin admin;
    private final PartitionSnapshots snapshots;
    private final ExperimentTracker tracker;
    private final boolean gate;
    /** Log partitions still folding their history, with the offset that ends catch-up. */
    private final Map<Integer, Long> catchingUp = new HashMap<>();
    /** Whether the group has given this instance its (possibly empty) share of partitions yet. */
    private boolean hasAssignment;
    private volatile boolean ready;
    private long assignedAt;
    private volatile Duration lastCatchUp;
    final AtomicLong snapshotsRead = new AtomicLong();
    final AtomicLong snapshotsWritten = new AtomicLong();

    /** @param gate whether the loop gates commands: their partitions are paused while their log partition catches up */
    CatchUp(KafkaConsumer<String, byte[]> consumer, Admin admin, PartitionSnapshots snapshots, ExperimentTracker tracker, boolean gate) {
        this.consumer = consumer;
        this.admin = admin;
        this.snapshots = snapshots;
        this.tracker = tracker;
        this.gate = gate;
    }

    /** True once every assigned partition has caught up. */
    boolean isReady() {
        return ready;
    }

    /** From the last assignment to the end of its catch-up (snapshot read included), or null. */
    Duration lastCatchUp() {
        return lastCatchUp;
    }

    boolean isCatchingUp(int partition) {
        return catchingUp.containsKey(partition);
    }

    /**
     * How long the next poll may wait: short until caught up, since a partition assigned during a poll, or started
     * from a snapshot at its end, has nothing to fetch, and its catch-up ends only once the poll has returned.
     */
    Duration pollTimeout(Duration idle, Duration catchingUpPoll) {
        return hasAssignment && catchingUp.isEmpty() ? idle : catchingUpPoll;
    }

    /**
     * Ends catch-up for log partitions whose position reached their target, resumes their commands, and returns them:
     * everything folded there may need a decision now. Call only after folding what the last poll returned, since
     * the position already counts those records.
     */
    List<Integer> update() {
        List<Integer> caughtUp = new ArrayList<>();
        if (catchingUp.isEmpty()) {
            return caughtUp;
        }
        catchingUp.entrySet().removeIf(e -> {
            if (consumer.position(new TopicPartition(Topics.EVENTS, e.getKey())) < e.getValue()) {
                return false;
            }
            if (gate) {
                consumer.resume(commandPartitions(List.of(e.getKey())));
            }
            caughtUp.add(e.getKey());
            return true;
        });
        if (catchingUp.isEmpty() && !ready) {
            lastCatchUp = Duration.ofNanos(System.nanoTime() - assignedAt);
        }
        ready = catchingUp.isEmpty();
        return caughtUp;
    }

    /**
     * A snapshot of every caught-up partition where an experiment settled since its last one, if that was at least an
     * interval ago. Its offset is the partition's position: every record before it was folded (or skipped as settled)
     * in this or an earlier pass.
     */
    List<ProducerRecord<String, byte[]>> dueSnapshots(Instant now) {
        List<ProducerRecord<String, byte[]>> due = new ArrayList<>();
        tracker.partitions().forEach((partition, p) -> {
            if (!catchingUp.containsKey(partition)) {
                snapshots.due(partition, p.ledger, () -> consumer.position(new TopicPartition(Topics.EVENTS, partition)), now)
                        .ifPresent(r -> {
                            due.add(r);
                            snapshotsWritten.incrementAndGet();
                        });
            }
        });
        return due;
    }

    @Override
    public void onPartitionsAssigned(Collection<TopicPartition> assigned) {
        hasAssignment = true;
        List<TopicPartition> logs = assigned.stream().filter(tp -> tp.topic().equals(Topics.EVENTS)).toList();
        if (logs.isEmpty()) {
            return;
        }
        assignedAt = System.nanoTime();
        Map<Integer, Long> ends = new HashMap<>();
        highWatermarks(logs).forEach((tp, end) -> ends.put(tp.partition(), end));
        Map<Integer, PartitionSnapshots.Start> starts = snapshots.starts(ends);
        for (TopicPartition tp : logs) {
            PartitionSnapshots.Start start = starts.get(tp.partition());
            tracker.assign(tp.partition(), start.ledger());
            if (start.seek() == null) {
                consumer.seekToBeginning(List.of(tp));
            } else {
                consumer.seek(tp, start.seek());
                snapshotsRead.incrementAndGet();
            }
            catchingUp.put(tp.partition(), ends.get(tp.partition()));
        }
        if (gate) {
            consumer.pause(commandPartitions(logs.stream().map(TopicPartition::partition).toList()).stream()
                    .filter(assigned::contains).toList());
        }
        ready = false;
    }

    @Override
    public void onPartitionsRevoked(Collection<TopicPartition> revoked) {
        for (TopicPartition tp : revoked) {
            if (tp.topic().equals(Topics.EVENTS)) {
                tracker.revoke(tp.partition());
                catchingUp.remove(tp.partition());
            }
        }
    }

    /** The command partitions co-partitioned with these log partitions. */
    static List<TopicPartition> commandPartitions(Collection<Integer> logPartitions) {
        List<TopicPartition> result = new ArrayList<>();
        for (int p : logPartitions) {
            result.add(new TopicPartition(Topics.SUBMISSIONS, p));
            result.add(new TopicPartition(Topics.REPORTS, p));
        }
        return result;
    }

    /**
     * Where catch-up ends: the partitions' high watermarks, not the read_committed end offsets a consumer reports
     * (the last stable offset). Our predecessor's last transactions are committed (or, if it died, are being
     * aborted) but may lie beyond another service's transaction still open at this moment; ending catch-up at the
     * last stable offset would decide without them, and decide again what they decided (the chaos soak caught
     * that). Waiting for the high watermark waits for every transaction begun before we took over.
     */
    private Map<TopicPartition, Long> highWatermarks(List<TopicPartition> partitions) {
        Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
        partitions.forEach(tp -> latest.put(tp, OffsetSpec.latest()));
        try {
            Map<TopicPartition, Long> ends = new HashMap<>();
            admin.listOffsets(latest, new ListOffsetsOptions(IsolationLevel.READ_UNCOMMITTED)).all().get()
                    .forEach((tp, info) -> ends.put(tp, info.offset()));
            return ends;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while reading the log's end offsets", e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("cannot read the log's end offsets: " + e.getCause().getMessage(), e);
        }
    }
}
