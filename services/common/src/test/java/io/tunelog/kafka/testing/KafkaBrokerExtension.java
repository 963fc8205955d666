package io.tunelog.kafka.testing;

import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.apache.kafka.common.test.TestKitNodes;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A real Kafka cluster for one test class, never a mock. It is, in order of preference: the external
 * cluster named by {@code KAFKA_BOOTSTRAP_SERVERS}; otherwise an in-JVM KRaft cluster from Kafka's own
 * test kit. (Testcontainers would come between the two, but no Docker engine runs on our machines.)
 * Register it as a static field with {@code @RegisterExtension}.
 */
public final class KafkaBrokerExtension implements BeforeAllCallback, AfterAllCallback {
    private final int brokers;
    private KafkaClusterTestKit cluster;
    private String bootstrapServers;

    public KafkaBrokerExtension() {
        this(1);
    }

    /** A cluster of {@code brokers} combined broker+controller nodes when none is given from outside. */
    public KafkaBrokerExtension(int brokers) {
        this.brokers = brokers;
    }

    public String bootstrapServers() {
        if (bootstrapServers == null) {
            throw new IllegalStateException("the cluster starts before all tests of the class; register the extension on a static field");
        }
        return bootstrapServers;
    }

    /** Whether the cluster is ours (in-JVM) rather than an external one. */
    public boolean isEmbedded() {
        return cluster != null;
    }

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        String external = System.getenv("KAFKA_BOOTSTRAP_SERVERS");
        if (external != null && !external.isBlank()) {
            bootstrapServers = external;
            return;
        }
        cluster = new KafkaClusterTestKit.Builder(new TestKitNodes.Builder()
                .setCombined(true)
                .setNumBrokerNodes(brokers)
                .setNumControllerNodes(1)
                .build())
                .setConfigProp("group.initial.rebalance.delay.ms", "0")
                .setConfigProp("offsets.topic.replication.factor", String.valueOf(Math.min(brokers, 3)))
                .setConfigProp("transaction.state.log.replication.factor", String.valueOf(Math.min(brokers, 3)))
                .setConfigProp("transaction.state.log.min.isr", "1")
                .setConfigProp("share.coordinator.state.topic.replication.factor", String.valueOf(Math.min(brokers, 3)))
                .setConfigProp("share.coordinator.state.topic.min.isr", "1")
                .build();
        cluster.format();
        cluster.startup();
        cluster.waitForReadyBrokers();
        bootstrapServers = cluster.bootstrapServers();
    }

    @Override
    public void afterAll(ExtensionContext context) throws Exception {
        if (cluster != null) {
            cluster.close();
            cluster = null;
        }
    }
}
