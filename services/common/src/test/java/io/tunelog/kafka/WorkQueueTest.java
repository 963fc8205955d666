package io.tunelog.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import io.tunelog.kafka.testing.KafkaBrokerExtension;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.AcknowledgeType;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaShareConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The assignment queue's semantics on a real broker: each record to one worker; a released one to another. */
class WorkQueueTest {
    @RegisterExtension
    static final KafkaBrokerExtension KAFKA = new KafkaBrokerExtension();

    private KafkaShareConsumer<String, byte[]> member(KafkaClients clients, String group, String id) {
        Map<String, Object> props = new HashMap<>(clients.common());
        props.put("group.id", group);
        props.put("client.id", id);
        props.put("share.acknowledgement.mode", "explicit");
        return new KafkaShareConsumer<>(props, new StringDeserializer(), new ByteArrayDeserializer());
    }

    @Test
    void shouldDeliverEachAssignmentToOneWorkerAndRedeliverReleasedOnes() throws Exception {
        KafkaClients clients = KafkaClients.of(KAFKA.bootstrapServers());
        String topic = "queue-test";
        String group = "queue-test-workers";
        try (Admin admin = clients.admin()) {
            admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all().get();
            WorkQueue.configure(admin, group);
        }
        try (KafkaProducer<String, byte[]> producer = clients.producer("p", "queue-test-tx")) {
            producer.initTransactions();
            producer.beginTransaction();
            for (int i = 0; i < 20; i++) {
                producer.send(new ProducerRecord<>(topic, "k" + i, ("a" + i).getBytes()));
            }
            producer.commitTransaction();
        }
        List<String> taken = new ArrayList<>();
        String released = null;
        try (var a = member(clients, group, "a"); var b = member(clients, group, "b")) {
            a.subscribe(List.of(topic));
            b.subscribe(List.of(topic));
            long deadline = System.currentTimeMillis() + 30_000;
            while (taken.size() < 20 && System.currentTimeMillis() < deadline) {
                for (var consumer : List.of(a, b)) {
                    for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                        String value = new String(r.value());
                        if (released == null && consumer == a) {
                            released = value;
                            consumer.acknowledge(r, AcknowledgeType.RELEASE);
                        } else {
                            consumer.acknowledge(r, AcknowledgeType.ACCEPT);
                            taken.add(value);
                        }
                    }
                    consumer.commitSync();
                }
            }
        }
        assertThat(released).isNotNull();
        assertThat(taken).hasSize(20).doesNotHaveDuplicates().contains(released);
    }
}
