package io.tunelog.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import io.tunelog.kafka.testing.KafkaBrokerExtension;
import io.tunelog.kafka.testing.ShareGroupCheck;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.AcknowledgeType;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** KIP-932 share groups, as the worker agents use them, on the test kit's cluster (LocalBrokerTest checks the embedded one). */
class WorkQueueTest {
    @RegisterExtension
    static final KafkaBrokerExtension KAFKA = new KafkaBrokerExtension();

    @Test
    void shouldShareOnePartitionOnTestKitCluster() throws Exception {
        ShareGroupCheck.assertEachRecordToOneMemberAndReleasedRedelivered(KAFKA.bootstrapServers());
    }

    @Test
    void shouldStartNewShareGroupAtEarliestRecord() throws Exception {
        KafkaClients clients = KafkaClients.of(KAFKA.bootstrapServers());
        String topic = "earliest-" + System.nanoTime();
        try (Admin admin = clients.admin()) {
            admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all().get();
            ShareGroupCheck.produce(clients, topic); // before the group exists: a group starting at LATEST would never see these
            WorkQueue.configure(admin, topic + "-group");
            // configure returns once the brokers show the settings, not merely once the change was accepted.
            var group = new org.apache.kafka.common.config.ConfigResource(org.apache.kafka.common.config.ConfigResource.Type.GROUP, topic + "-group");
            var configs = admin.describeConfigs(List.of(group)).all().get().get(group);
            assertThat(configs.get("share.delivery.count.limit").value()).isEqualTo("10");
            assertThat(configs.get("share.record.lock.duration.ms").value()).isEqualTo("15000");
        }
        Set<String> seen = new TreeSet<>();
        try (var consumer = ShareGroupCheck.member(clients, topic + "-group", "only")) {
            consumer.subscribe(List.of(topic));
            long deadline = System.currentTimeMillis() + 15_000;
            while (seen.size() < ShareGroupCheck.RECORDS && System.currentTimeMillis() < deadline) {
                for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(100))) {
                    seen.add(r.key());
                    consumer.acknowledge(r, AcknowledgeType.ACCEPT);
                }
                consumer.commitSync();
            }
        }
        assertThat(seen).hasSize(ShareGroupCheck.RECORDS);
    }
}
