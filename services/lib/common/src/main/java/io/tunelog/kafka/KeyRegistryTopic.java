package io.tunelog.kafka;

import io.tunelog.security.KeyEntry;
import io.tunelog.security.KeyRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;

/** The signing keys' registry on Kafka ({@value Topics#KEYS}): read it whole into a {@link KeyRegistry}, write an entry. */
public final class KeyRegistryTopic {
    private static final TopicPartition PARTITION = new TopicPartition(Topics.KEYS, 0);

    private KeyRegistryTopic() {}

    /** The registry as it stands: the topic read from its start to its end as of now. */
    public static KeyRegistry read(KafkaClients clients, Duration timeout) {
        KeyRegistry registry = new KeyRegistry();
        try (KafkaConsumer<String, byte[]> consumer = clients.consumer("tunelog-keys-reader", null)) {
            consumer.assign(List.of(PARTITION));
            consumer.seekToBeginning(List.of(PARTITION));
            long end = consumer.endOffsets(List.of(PARTITION), timeout).get(PARTITION);
            long deadline = System.nanoTime() + timeout.toNanos();
            while (consumer.position(PARTITION, timeout) < end) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("cannot read " + Topics.KEYS + " to its end (offset " + end + ") within "
                            + timeout.toSeconds() + " s");
                }
                for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    registry.apply(r.key(), r.value(), r.offset());
                }
            }
        }
        return registry;
    }

    /** Writes one entry (a registration or a revocation), and waits until the cluster has it. */
    public static void write(KafkaClients clients, KeyEntry entry) {
        try (KafkaProducer<String, byte[]> producer = clients.producer("tunelog-keys-writer", null)) {
            producer.send(new ProducerRecord<>(Topics.KEYS, entry.fingerprint(), entry.encode())).get();
        } catch (ExecutionException e) {
            throw new IllegalStateException("cannot write " + entry.fingerprint() + " to " + Topics.KEYS + ": " + e.getCause().getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while writing to " + Topics.KEYS, e);
        }
    }

    /** The end offset of each log partition, in partition order: where a revocation made now begins. */
    public static List<Long> logEndOffsets(Admin admin) {
        int partitions = Topics.partitionsOf(admin, Topics.EVENTS);
        Map<TopicPartition, OffsetSpec> latest = new java.util.HashMap<>();
        for (int p = 0; p < partitions; p++) {
            latest.put(new TopicPartition(Topics.EVENTS, p), OffsetSpec.latest());
        }
        try {
            return admin.listOffsets(latest).all().get().entrySet().stream()
                    .sorted(Comparator.comparingInt(e -> e.getKey().partition()))
                    .map(e -> e.getValue().offset())
                    .collect(Collectors.toCollection(ArrayList::new));
        } catch (ExecutionException e) {
            throw new IllegalStateException("cannot read the end offsets of " + Topics.EVENTS + ": " + e.getCause().getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while reading the end offsets of " + Topics.EVENTS, e);
        }
    }
}
