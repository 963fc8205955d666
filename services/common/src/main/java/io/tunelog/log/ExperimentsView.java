package io.tunelog.log;

import io.tunelog.codec.AvroBytes.UndecodableRecord;
import io.tunelog.codec.EventCodec;
import io.tunelog.domain.event.Event;
import io.tunelog.domain.event.LoggedEvent;
import io.tunelog.domain.state.ExperimentState;
import io.tunelog.kafka.KafkaClients;
import io.tunelog.kafka.Topics;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every experiment of the log, folded by a reader thread of its own: all partitions of the log,
 * assigned (no group, so any number of readers can read alongside the services), from the beginning,
 * committed events only. Callers read the folded states under one lock, because a state is mutated by
 * the fold and is not safe to read while it runs. The checkpoint server and the Slurm launcher read it.
 */
public final class ExperimentsView implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ExperimentsView.class);

    private final Map<String, ExperimentState> experiments = new HashMap<>();
    private final KafkaConsumer<String, byte[]> consumer;
    private final List<TopicPartition> partitions = new ArrayList<>();
    private final Thread reader;
    private final AtomicBoolean closed = new AtomicBoolean();
    private volatile boolean caughtUp;
    private volatile RuntimeException failure;

    /**
     * Starts reading; waits (up to a minute) for the log topic to exist.
     *
     * @param clientId the reader's Kafka client id, which also names its thread
     */
    public ExperimentsView(KafkaClients clients, String clientId) {
        try (Admin admin = clients.admin()) {
            Topics.await(admin, List.of(Topics.EVENTS), Duration.ofSeconds(60));
            int count = Topics.partitionsOf(admin, Topics.EVENTS);
            for (int p = 0; p < count; p++) {
                partitions.add(new TopicPartition(Topics.EVENTS, p));
            }
        }
        consumer = clients.consumer(clientId, null, Map.of(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 5_000));
        consumer.assign(partitions);
        consumer.seekToBeginning(partitions);
        reader = new Thread(this::read, clientId + "-log-reader");
        reader.setDaemon(true);
        reader.start();
    }

    /**
     * Runs {@code query} on the experiment's state under the lock; the query must copy out what it
     * needs. Empty when the log holds no such experiment (yet).
     */
    public <T> Optional<T> read(String experimentId, Function<ExperimentState, T> query) {
        synchronized (experiments) {
            ExperimentState state = experiments.get(experimentId);
            return state == null ? Optional.empty() : Optional.ofNullable(query.apply(state));
        }
    }

    /** Runs {@code query} on every experiment's state under the lock; the query must copy out what it needs. */
    public <T> T readAll(Function<Collection<ExperimentState>, T> query) {
        synchronized (experiments) {
            return query.apply(Collections.unmodifiableCollection(experiments.values()));
        }
    }

    public int experimentCount() {
        synchronized (experiments) {
            return experiments.size();
        }
    }

    /** Whether the fold has reached the end the log had when reading began: before that, absence proves nothing. */
    public boolean caughtUp() {
        return caughtUp;
    }

    /** Why the reader stopped, when it did. */
    public Optional<RuntimeException> failure() {
        return Optional.ofNullable(failure);
    }

    private void read() {
        try {
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            while (!closed.get()) {
                var records = consumer.poll(Duration.ofMillis(500));
                synchronized (experiments) {
                    for (ConsumerRecord<String, byte[]> record : records) {
                        fold(record);
                    }
                }
                if (!caughtUp && partitions.stream().allMatch(tp -> consumer.position(tp) >= end.get(tp))) {
                    caughtUp = true;
                }
            }
        } catch (WakeupException e) {
            if (!closed.get()) {
                failure = e;
            }
        } catch (RuntimeException e) {
            LOG.error("{} stopped reading the log", reader.getName(), e);
            failure = e;
        } finally {
            consumer.close();
        }
    }

    private void fold(ConsumerRecord<String, byte[]> record) {
        Event event;
        try {
            event = EventCodec.decode(record.value());
        } catch (UndecodableRecord e) {
            // As in the services: only services write the log, so this is a fault to report, not to guess at.
            LOG.error("cannot decode {}-{}@{}: {}", record.topic(), record.partition(), record.offset(), e.getMessage());
            return;
        }
        experiments.computeIfAbsent(event.experimentId(), ExperimentState::new).apply(new LoggedEvent(record.offset(), event));
    }

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        consumer.wakeup();
        try {
            reader.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
