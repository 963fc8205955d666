package io.tunelog.log;

import io.tunelog.avro.CommandRejected;
import io.tunelog.codec.AvroBytes;
import io.tunelog.codec.AvroBytes.UndecodableRecord;
import io.tunelog.codec.EventCodec;
import io.tunelog.domain.event.Event;
import io.tunelog.domain.event.LoggedEvent;
import io.tunelog.domain.state.ExperimentState;
import io.tunelog.kafka.KafkaClients;
import io.tunelog.kafka.Topics;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
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
 * Every experiment of the log, folded by a reader thread of its own and kept up as the log grows: the one follower of
 * the whole log outside the services (the gateway, the checkpoint server and the Slurm launcher read it). It assigns
 * itself every partition (no group: a reader needs every experiment, not a share, and any number can run beside the
 * services), reads committed events from the beginning, and folds each experiment into whatever its reader keeps of
 * one; it can also pass on the gate's rejections.
 *
 * <p>Each experiment has its own lock: the fold mutates what it keeps, which is not safe to read meanwhile, and one
 * lock per experiment keeps a long read of one from holding up the fold of the others.
 */
public final class ExperimentsView<E> implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ExperimentsView.class);

    /** One experiment's lock, what is folded of it (null until its first event), and who wants to hear of changes. */
    private static final class Slot<E> {
        E folded;
        final List<Runnable> listeners = new CopyOnWriteArrayList<>();
    }

    private final Function<String, E> start;
    private final BiConsumer<E, LoggedEvent> apply;
    private final Consumer<CommandRejected> onRejection;
    private final Map<String, Slot<E>> slots = new ConcurrentHashMap<>();
    private final AtomicInteger experiments = new AtomicInteger();
    private final KafkaConsumer<String, byte[]> consumer;
    private final List<TopicPartition> partitions = new ArrayList<>();
    private final Thread reader;
    private final AtomicBoolean closed = new AtomicBoolean();
    private volatile boolean caughtUp;
    private volatile RuntimeException failure;

    /** Every experiment's {@link ExperimentState}, folded as the services fold it. */
    public static ExperimentsView<ExperimentState> states(KafkaClients clients, String clientId) {
        return new ExperimentsView<>(clients, clientId, ExperimentState::new, ExperimentState::apply, null);
    }

    /**
     * Starts reading; waits (up to a minute) for the topics to exist.
     *
     * @param clientId    the reader's Kafka client id, which also names its thread
     * @param start       what the reader keeps of an experiment, made at its first event
     * @param apply       folds an event into it (on the reader thread, under the experiment's lock)
     * @param onRejection called on the reader thread with every {@code CommandRejected}, or null not to read the
     *                    rejections topic at all (a reader's principal may not be allowed to)
     */
    public ExperimentsView(KafkaClients clients, String clientId, Function<String, E> start, BiConsumer<E, LoggedEvent> apply,
                           Consumer<CommandRejected> onRejection) {
        this.start = start;
        this.apply = apply;
        this.onRejection = onRejection;
        List<String> topics = onRejection == null ? List.of(Topics.EVENTS) : List.of(Topics.EVENTS, Topics.REJECTIONS);
        try (Admin admin = clients.admin()) {
            Topics.await(admin, topics, Duration.ofSeconds(60));
            for (String topic : topics) {
                int count = Topics.partitionsOf(admin, topic);
                for (int p = 0; p < count; p++) {
                    partitions.add(new TopicPartition(topic, p));
                }
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
     * Runs {@code query} on the experiment under its lock; the query must copy out what it needs. Empty when the log
     * holds no event of the experiment (yet).
     */
    public <T> Optional<T> read(String experimentId, Function<E, T> query) {
        Slot<E> slot = slots.get(experimentId);
        if (slot == null) {
            return Optional.empty();
        }
        synchronized (slot) {
            return slot.folded == null ? Optional.empty() : Optional.ofNullable(query.apply(slot.folded));
        }
    }

    /** {@code query} on every experiment the log holds, each under its own lock in turn. */
    public <T> List<T> readAll(Function<E, T> query) {
        List<T> results = new ArrayList<>();
        for (Slot<E> slot : slots.values()) {
            synchronized (slot) {
                if (slot.folded != null) {
                    results.add(query.apply(slot.folded));
                }
            }
        }
        return results;
    }

    /** How many experiments the log holds, as far as it has been read. */
    public int experimentCount() {
        return experiments.get();
    }

    /**
     * Calls {@code onChange} (on the reader thread, so it must only hand off) after each batch of records that
     * changed the experiment, until the returned handle is run.
     */
    public Runnable subscribe(String experimentId, Runnable onChange) {
        Slot<E> slot = slots.computeIfAbsent(experimentId, id -> new Slot<>());
        slot.listeners.add(onChange);
        return () -> slot.listeners.remove(onChange);
    }

    /** Whether the fold has reached the end the topics had when reading began: before that, absence proves nothing. */
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
                Set<Slot<E>> changed = new LinkedHashSet<>();
                for (ConsumerRecord<String, byte[]> record : records) {
                    if (record.topic().equals(Topics.REJECTIONS)) {
                        reject(record);
                    } else {
                        fold(record).ifPresent(changed::add);
                    }
                }
                for (Slot<E> slot : changed) {
                    slot.listeners.forEach(Runnable::run);
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

    private Optional<Slot<E>> fold(ConsumerRecord<String, byte[]> record) {
        Event event;
        try {
            event = EventCodec.decode(record.value());
        } catch (UndecodableRecord e) {
            // As in the services: only services write the log, so this is a fault to report, not to guess at.
            LOG.error("cannot decode {}-{}@{}: {}", record.topic(), record.partition(), record.offset(), e.getMessage());
            return Optional.empty();
        }
        Slot<E> slot = slots.computeIfAbsent(event.experimentId(), id -> new Slot<>());
        synchronized (slot) {
            if (slot.folded == null) {
                slot.folded = start.apply(event.experimentId());
                experiments.incrementAndGet();
            }
            try {
                apply.accept(slot.folded, new LoggedEvent(record.offset(), event));
            } catch (RuntimeException e) {
                // The services would have stopped at such an event; a reader still serves what it has.
                LOG.error("cannot fold {}-{}@{} into {}", record.topic(), record.partition(), record.offset(), event.experimentId(), e);
            }
        }
        return Optional.of(slot);
    }

    private void reject(ConsumerRecord<String, byte[]> record) {
        try {
            onRejection.accept(AvroBytes.decode(CommandRejected.class, record.value()));
        } catch (UndecodableRecord e) {
            LOG.error("cannot decode {}-{}@{}: {}", record.topic(), record.partition(), record.offset(), e.getMessage());
        }
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
