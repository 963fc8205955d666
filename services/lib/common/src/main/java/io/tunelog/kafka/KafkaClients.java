package io.tunelog.kafka;

import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Client settings shared by every component: where the cluster is, plus any extra client properties
 * (security settings, for example). Keys are strings; values are raw bytes, decoded by our own
 * code so that a record that does not decode is handled instead of wedging the consumer.
 */
public record KafkaClients(String bootstrapServers, Map<String, Object> extra) {

    public KafkaClients {
        extra = Map.copyOf(extra);
    }

    public static KafkaClients of(String bootstrapServers) {
        return new KafkaClients(bootstrapServers, Map.of());
    }

    public Map<String, Object> common() {
        Map<String, Object> props = new HashMap<>(extra);
        props.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        return props;
    }

    public Admin admin() {
        return Admin.create(common());
    }

    /** An idempotent producer with acks=all; transactional when {@code transactionalId} is set. */
    public KafkaProducer<String, byte[]> producer(String clientId, String transactionalId) {
        Map<String, Object> props = common();
        props.put(ProducerConfig.CLIENT_ID_CONFIG, clientId);
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        props.put(ProducerConfig.LINGER_MS_CONFIG, 2);
        if (transactionalId != null) {
            props.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId);
            // A service killed mid-transaction blocks read_committed readers of its partitions until the broker
            // aborts the transaction (or a successor with the same id fences it): 20 s, not the default minute.
            // A service's transaction is one pass of its loop, far shorter.
            props.put(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, 20_000);
            // A loop begins its next transaction as soon as the last one commits, and the coordinator refuses the new
            // one's first partition or offsets (CONCURRENT_TRANSACTIONS) until it has written the last one's markers, a
            // few milliseconds. The client retries after this backoff: at the default 100 ms, the retry was most of a
            // pass's time in the load tests. It still grows exponentially (to retry.backoff.max.ms) on real trouble.
            props.put(ProducerConfig.RETRY_BACKOFF_MS_CONFIG, 5);
        }
        return new KafkaProducer<>(props, new StringSerializer(), new ByteArraySerializer());
    }

    /**
     * Records a consume-transform-produce loop takes per pass (its consumer's {@code max.poll.records}; Kafka's default
     * is 500). Each pass is one transaction and one decision per experiment that changed, so a pass four times the size
     * costs a fraction as much per record: under overload the gate took 26,000 results/s against 18,700 at 500, in the
     * same runs of the load test. A pass takes what has arrived, so below that rate nothing waits for it to fill.
     */
    public static final int RECORDS_PER_PASS = 2000;

    /** A read_committed consumer without auto-commit; {@code groupId} may be null for manual assignment. */
    public KafkaConsumer<String, byte[]> consumer(String clientId, String groupId) {
        return consumer(clientId, groupId, Map.of());
    }

    /** As {@link #consumer(String, String)}, with some settings overridden. */
    public KafkaConsumer<String, byte[]> consumer(String clientId, String groupId, Map<String, Object> overrides) {
        Map<String, Object> props = common();
        props.put(ConsumerConfig.CLIENT_ID_CONFIG, clientId);
        if (groupId != null) {
            props.put(ConsumerConfig.GROUP_ID_CONFIG, groupId);
        }
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        props.putAll(overrides);
        return new KafkaConsumer<>(props, new StringDeserializer(), new ByteArrayDeserializer());
    }
}
