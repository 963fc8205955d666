package io.tunelog.kafka.testing;

import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.apache.kafka.common.test.TestKitNodes;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A real Kafka cluster for one test class, never a mock: the external cluster named by
 * {@code KAFKA_BOOTSTRAP_SERVERS} if set, otherwise an in-JVM KRaft cluster from Kafka's own test kit.
 * (PlatformExtension can put a broker in a container instead, through Testcontainers.)
 * Share groups work on it without further setup.
 *
 * <pre>
 * {@literal @}RegisterExtension
 * static final KafkaBrokerExtension KAFKA = new KafkaBrokerExtension();   // or KafkaBrokerExtension.brokers(3)
 * </pre>
 *
 * With {@code @ExtendWith(KafkaBrokerExtension.class)} the cluster runs but its address is only
 * reachable through {@code KAFKA_BOOTSTRAP_SERVERS}; prefer the static field.
 */
public final class KafkaBrokerExtension implements BeforeAllCallback, AfterAllCallback {
    private final int brokers;
    private KafkaClusterTestKit cluster;
    private String bootstrapServers;
    private String owner;

    /** One combined broker+controller node. */
    public KafkaBrokerExtension() {
        this(1);
    }

    /** {@code brokers} nodes, the first of which is also the (only) controller. */
    public KafkaBrokerExtension(int brokers) {
        if (brokers < 1) {
            throw new IllegalArgumentException("brokers must be positive: " + brokers);
        }
        this.brokers = brokers;
    }

    public static KafkaBrokerExtension brokers(int brokers) {
        return new KafkaBrokerExtension(brokers);
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

    /**
     * Shuts broker {@code id} down, as an operator or a failing machine would; its data stays for
     * {@link #startBroker}. Node 0 is also the controller and cannot be stopped this way.
     */
    public void stopBroker(int id) {
        broker(id).shutdown();
        broker(id).awaitShutdown();
    }

    /** Starts a broker stopped by {@link #stopBroker} again, with the data it had. */
    public void startBroker(int id) {
        broker(id).startup();
    }

    private kafka.server.BrokerServer broker(int id) {
        if (cluster == null) {
            throw new IllegalStateException("only an in-JVM cluster's brokers can be stopped; this one is " + bootstrapServers);
        }
        if (id == 0) {
            throw new IllegalArgumentException("node 0 is the controller too; stop another broker");
        }
        kafka.server.BrokerServer broker = cluster.brokers().get(id);
        if (broker == null) {
            throw new IllegalArgumentException("no broker " + id + "; brokers are " + cluster.brokers().keySet());
        }
        return broker;
    }

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        if (owner != null) {
            return; // already started for an enclosing class
        }
        owner = context.getUniqueId();
        String external = System.getenv("KAFKA_BOOTSTRAP_SERVERS");
        if (external != null && !external.isBlank()) {
            bootstrapServers = external;
            return;
        }
        String replicas = String.valueOf(Math.min(brokers, 3));
        KafkaClusterTestKit kit = new KafkaClusterTestKit.Builder(new TestKitNodes.Builder()
                .setCombined(true)
                .setNumBrokerNodes(brokers)
                .setNumControllerNodes(1)
                .build())
                .setConfigProp("num.partitions", "1")
                .setConfigProp("group.initial.rebalance.delay.ms", "0")
                // Share consumers get their partitions on their next heartbeat: 1 s, not the 5 s default.
                .setConfigProp("group.share.min.heartbeat.interval.ms", "1000")
                .setConfigProp("group.share.heartbeat.interval.ms", "1000")
                .setConfigProp("offsets.topic.replication.factor", replicas)
                .setConfigProp("offsets.topic.num.partitions", "6")
                .setConfigProp("transaction.state.log.replication.factor", replicas)
                .setConfigProp("transaction.state.log.min.isr", "1")
                .setConfigProp("transaction.state.log.num.partitions", "6")
                .setConfigProp("share.coordinator.state.topic.replication.factor", replicas)
                .setConfigProp("share.coordinator.state.topic.min.isr", "1")
                .setConfigProp("share.coordinator.state.topic.num.partitions", "6")
                .build();
        try {
            kit.format();
            kit.startup();
            kit.waitForReadyBrokers();
        } catch (Exception e) {
            kit.close();
            throw e;
        }
        cluster = kit;
        bootstrapServers = kit.bootstrapServers();
    }

    @Override
    public void afterAll(ExtensionContext context) throws Exception {
        if (!context.getUniqueId().equals(owner)) {
            return; // a @Nested class ending; the enclosing class started the cluster
        }
        owner = null;
        bootstrapServers = null;
        if (cluster != null) {
            cluster.close();
            cluster = null;
        }
    }
}
