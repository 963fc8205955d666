package io.tunelog.loadtests;

import io.tunelog.kafka.KafkaClients;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;

/**
 * Kafka's own exactly-once hop, the floor under any decision of ours: records are produced to an input topic, and a
 * loop consumes them and writes each to an output topic in a transaction that also commits the consumed offsets
 * (Kafka Streams' exactly-once pattern, with plain clients); a {@code read_committed} reader times each record from
 * its production to its arrival. Every record the gate admits makes this hop, and every decision makes it twice (the
 * gate's admission, then the scheduler's decision), so {@code EndToEndLatency}, which has no transaction, is a floor
 * no exactly-once pipeline reaches.
 *
 * <p>The clients are the services' own ({@link KafkaClients}): a worker's producer at the input, a service's
 * transactional producer and consumer in the loop.
 */
final class TransactionalHop {
    /**
     * What the hop measured.
     *
     * @param records          records that made the hop
     * @param offeredPerSecond the input rate, or 0 for as fast as the producer goes
     * @param recordsPerSecond records out of the hop per second, from the first to the last
     * @param p50Ms            production → read_committed arrival, median
     * @param p99Ms            the same, 99th percentile
     */
    record Result(long records, double offeredPerSecond, double recordsPerSecond, double p50Ms, double p99Ms) {}

    private TransactionalHop() {}

    /**
     * Sends {@code records} records of {@code recordBytes} at {@code perSecond} (0: unthrottled) through the hop and
     * waits for them at its end.
     */
    static Result run(KafkaClients clients, long records, int recordBytes, double perSecond) throws Exception {
        String suffix = String.valueOf(System.nanoTime());
        String in = "kafka-limits-hop-in-" + suffix;
        String out = "kafka-limits-hop-out-" + suffix;
        try (Admin admin = clients.admin()) {
            admin.createTopics(List.of(new NewTopic(in, 1, (short) 1), new NewTopic(out, 1, (short) 1))).all().get();
        }
        AtomicBoolean running = new AtomicBoolean(true);
        Thread hop = new Thread(() -> hop(clients, in, out, suffix, running), "kafka-limits-hop");
        Samples latencyMicros = new Samples();
        long[] arrivals = new long[2];
        try (KafkaConsumer<String, byte[]> reader = clients.consumer("kafka-limits-hop-reader", null)) {
            TopicPartition end = new TopicPartition(out, 0);
            reader.assign(List.of(end));
            reader.seekToBeginning(List.of(end));
            reader.position(end);
            hop.start();
            Thread source = new Thread(() -> produce(clients, in, records, recordBytes, perSecond), "kafka-limits-hop-source");
            source.start();
            long deadline = System.nanoTime() + Duration.ofMinutes(5).toNanos();
            while (latencyMicros.size() < records && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, byte[]> r : reader.poll(Duration.ofMillis(100))) {
                    long now = System.nanoTime();
                    latencyMicros.add((now - ByteBuffer.wrap(r.value()).getLong()) / 1_000);
                    arrivals[latencyMicros.size() == 1 ? 0 : 1] = now;
                }
            }
            source.join();
        } finally {
            running.set(false);
            hop.join();
        }
        if (latencyMicros.size() < records) {
            throw new IllegalStateException("the transactional hop delivered " + latencyMicros.size() + " of " + records + " records in 5 minutes");
        }
        double seconds = (arrivals[1] - arrivals[0]) / 1e9;
        return new Result(records, perSecond, (records - 1) / seconds, latencyMicros.quantile(0.5) / 1000.0, latencyMicros.quantile(0.99) / 1000.0);
    }

    /** The loop under test: poll, write what it got, commit it with the consumed offsets in one transaction. */
    private static void hop(KafkaClients clients, String in, String out, String suffix, AtomicBoolean running) {
        // With the records per pass our loops take, so that the yardstick is the same hop, only bare.
        try (KafkaConsumer<String, byte[]> consumer = clients.consumer("kafka-limits-hop", "kafka-limits-hop-" + suffix,
                Map.of(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, KafkaClients.RECORDS_PER_PASS));
             KafkaProducer<String, byte[]> producer = clients.producer("kafka-limits-hop", "kafka-limits-hop-" + suffix)) {
            producer.initTransactions();
            consumer.subscribe(List.of(in));
            while (running.get()) {
                ConsumerRecords<String, byte[]> polled = consumer.poll(Duration.ofMillis(100));
                if (polled.isEmpty()) {
                    continue;
                }
                producer.beginTransaction();
                for (ConsumerRecord<String, byte[]> r : polled) {
                    producer.send(new ProducerRecord<>(out, r.key(), r.value()));
                }
                Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
                for (TopicPartition tp : polled.partitions()) {
                    offsets.put(tp, new OffsetAndMetadata(consumer.position(tp)));
                }
                producer.sendOffsetsToTransaction(offsets, consumer.groupMetadata());
                producer.commitTransaction();
            }
        }
    }

    /** Sends the records on a fixed schedule, each carrying its send time (System.nanoTime) in its first 8 bytes. */
    private static void produce(KafkaClients clients, String in, long records, int recordBytes, double perSecond) {
        try (KafkaProducer<String, byte[]> producer = clients.producer("kafka-limits-hop-source", null)) {
            long start = System.nanoTime();
            for (long i = 0; i < records; i++) {
                if (perSecond > 0) {
                    long due = start + (long) (i * 1e9 / perSecond);
                    long wait = due - System.nanoTime();
                    if (wait > 0) {
                        LockSupport.parkNanos(wait);
                    }
                }
                byte[] value = new byte[Math.max(Long.BYTES, recordBytes)];
                ByteBuffer.wrap(value).putLong(System.nanoTime());
                producer.send(new ProducerRecord<>(in, "key-" + (i % 100), value));
            }
        }
    }
}
