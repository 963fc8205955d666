package io.tunelog.log;

import io.tunelog.codec.AvroBytes;
import io.tunelog.codec.AvroBytes.UndecodableRecord;
import io.tunelog.codec.EventCodec;
import io.tunelog.avro.CommandRejected;
import io.tunelog.domain.event.LoggedEvent;
import io.tunelog.kafka.KafkaClients;
import io.tunelog.kafka.Topics;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import java.util.function.Consumer;
import java.util.function.Predicate;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;

/**
 * Reads one experiment's events from the log, in log order, without joining any group: the partition
 * is computed from the experiment id, read from its start, and filtered to the experiment.
 */
public final class LogReader implements AutoCloseable {
    private final KafkaConsumer<String, byte[]> consumer;
    private final String experimentId;
    private final TopicPartition events;
    private final TopicPartition rejections;

    public LogReader(KafkaClients clients, String experimentId) {
        this.experimentId = experimentId;
        int partitions;
        try (Admin admin = clients.admin()) {
            partitions = Topics.partitionsOf(admin, Topics.EVENTS);
        }
        int partition = Topics.partitionFor(experimentId, partitions);
        this.events = new TopicPartition(Topics.EVENTS, partition);
        this.rejections = new TopicPartition(Topics.REJECTIONS, partition);
        // Reading a log is a bulk scan: large polls keep the per-poll overhead out of replay's way.
        this.consumer = clients.consumer("tunelog-reader-" + experimentId, null, Map.of(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 10_000));
        consumer.assign(List.of(events, rejections));
        consumer.seekToBeginning(List.of(events, rejections));
    }

    /** Offset just past the last committed event of the log partition, as of now. */
    public long endOffset() {
        return consumer.endOffsets(List.of(events)).get(events);
    }

    /**
     * Delivers this experiment's events until {@code done} says so after an event, or until
     * {@code timeout} passes without one.
     *
     * @param onRejection called for each rejection of a command about this experiment
     * @return true when {@code done} ended the reading
     */
    public boolean follow(Consumer<LoggedEvent> onEvent, Consumer<CommandRejected> onRejection,
                          Predicate<LoggedEvent> done, Duration idleTimeout) {
        long idleSince = System.nanoTime();
        while (System.nanoTime() - idleSince < idleTimeout.toNanos()) {
            for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                if (!experimentId.equals(record.key())) {
                    continue;
                }
                idleSince = System.nanoTime();
                LoggedEvent logged = deliver(record, onEvent, onRejection);
                if (logged != null && done.test(logged)) {
                    return true;
                }
            }
        }
        return false;
    }

    /** Delivers every event of the experiment committed so far, then returns. */
    public void readToEnd(Consumer<LoggedEvent> onEvent) {
        readRawToEnd(record -> deliver(record, onEvent, r -> {}));
    }

    /** Delivers the experiment's log records committed so far, undecoded and with their headers, then returns. */
    public void readRawToEnd(Consumer<ConsumerRecord<String, byte[]>> onRecord) {
        long end = endOffset();
        while (consumer.position(events) < end) {
            for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                if (experimentId.equals(record.key()) && record.topic().equals(Topics.EVENTS)) {
                    onRecord.accept(record);
                }
            }
        }
    }

    private static LoggedEvent deliver(ConsumerRecord<String, byte[]> record, Consumer<LoggedEvent> onEvent,
                                       Consumer<CommandRejected> onRejection) {
        try {
            if (record.topic().equals(Topics.REJECTIONS)) {
                onRejection.accept(AvroBytes.decode(CommandRejected.class, record.value()));
                return null;
            }
            LoggedEvent logged = new LoggedEvent(record.offset(), EventCodec.decode(record.value()));
            onEvent.accept(logged);
            return logged;
        } catch (UndecodableRecord e) {
            throw new IllegalStateException("record " + record.topic() + "-" + record.partition() + "@"
                    + record.offset() + " does not decode: " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        consumer.close();
    }
}
