package io.tunelog.kafka;

import io.tunelog.security.KeyRegistry;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The key registry ({@value Topics#KEYS}) kept current: read to its end when started, then followed on a thread of its
 * own, so a key registered or revoked while the reader runs counts within about a poll (half a second).
 */
public final class KeyRegistryFollower implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(KeyRegistryFollower.class);
    private static final TopicPartition PARTITION = new TopicPartition(Topics.KEYS, 0);
    private static final Duration POLL = Duration.ofMillis(500);

    private final KeyRegistry registry = new KeyRegistry();
    private final KafkaConsumer<String, byte[]> consumer;
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final Thread thread;
    private volatile RuntimeException broken;

    /** Reads the registry to its end before returning. */
    public KeyRegistryFollower(KafkaClients clients, String clientId, Duration timeout) {
        this.consumer = clients.consumer(clientId, null);
        try {
            consumer.assign(List.of(PARTITION));
            consumer.seekToBeginning(List.of(PARTITION));
            long end = consumer.endOffsets(List.of(PARTITION), timeout).get(PARTITION);
            long deadline = System.nanoTime() + timeout.toNanos();
            while (consumer.position(PARTITION, timeout) < end) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("cannot read " + Topics.KEYS + " to its end within " + timeout.toSeconds() + " s");
                }
                fold(consumer.poll(POLL));
            }
        } catch (RuntimeException e) {
            consumer.close();
            throw e;
        }
        this.thread = new Thread(this::follow, clientId);
        thread.setDaemon(true);
        thread.start();
    }

    /**
     * Reads the registry as it stands; the follower does not change it meanwhile.
     *
     * @throws IllegalStateException once following failed: a registry that no longer hears of revocations is not used
     */
    public synchronized <T> T read(Function<KeyRegistry, T> reader) {
        if (broken != null) {
            throw new IllegalStateException(Topics.KEYS + " is no longer followed: " + broken.getMessage(), broken);
        }
        return reader.apply(registry);
    }

    private synchronized void fold(ConsumerRecords<String, byte[]> records) {
        int problems = registry.problems().size();
        for (ConsumerRecord<String, byte[]> r : records) {
            registry.apply(r.key(), r.value(), r.offset());
        }
        registry.problems().stream().skip(problems).forEach(p -> LOG.warn("{}: {}", Topics.KEYS, p));
    }

    private void follow() {
        try {
            while (running.get()) {
                ConsumerRecords<String, byte[]> records = consumer.poll(POLL);
                if (!records.isEmpty()) {
                    fold(records);
                }
            }
        } catch (WakeupException e) {
            // closing
        } catch (RuntimeException e) {
            broken = e;
            LOG.error("{} is no longer followed; its readers fail until they start a new follower", Topics.KEYS, e);
        } finally {
            consumer.close();
        }
    }

    @Override
    public void close() {
        running.set(false);
        consumer.wakeup();
        try {
            thread.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
