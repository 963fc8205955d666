package io.tunelog.kafka.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import io.tunelog.kafka.KafkaClients;
import io.tunelog.kafka.WorkQueue;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ExecutionException;
import java.util.stream.IntStream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.ShareGroupDescription;
import org.apache.kafka.clients.consumer.AcknowledgeType;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaShareConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.GroupIdNotFoundException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * KIP-932 share groups as the worker agents use them ({@link WorkQueue}'s settings), checked on a given broker:
 * {@code WorkQueueTest} runs it on the test kit's cluster, {@code LocalBrokerTest} on the embedded broker.
 */
public final class ShareGroupCheck {
    public static final int RECORDS = 20;

    private ShareGroupCheck() {}

    /** Two members share one partition: each record goes to one of them, and a released one comes back. */
    public static void assertEachRecordToOneMemberAndReleasedRedelivered(String bootstrap) throws Exception {

        KafkaClients clients = KafkaClients.of(bootstrap);
        String topic = "share-" + System.nanoTime();
        String group = topic + "-group";
        try (Admin admin = clients.admin()) {
            admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all().get();
            WorkQueue.configure(admin, group);

            Map<String, String> acceptedBy = new HashMap<>();
            Map<String, Integer> perMember = new HashMap<>(Map.of("a", 0, "b", 0));
            String released = null;
            short redeliveryCount = 0;
            try (var a = member(clients, group, "a"); var b = member(clients, group, "b")) {
                a.subscribe(List.of(topic));
                b.subscribe(List.of(topic));
                // Produce only once both hold the partition, so that both can get records.
                awaitBothAssigned(admin, group, a, b);
                produce(clients, topic);

                long deadline = System.currentTimeMillis() + 20_000;
                while (acceptedBy.size() < RECORDS && System.currentTimeMillis() < deadline) {
                    for (var entry : Map.of("a", a, "b", b).entrySet()) {
                        KafkaShareConsumer<String, byte[]> consumer = entry.getValue();
                        for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(100))) {
                            if (released == null) {
                                released = r.key();
                                consumer.acknowledge(r, AcknowledgeType.RELEASE);
                                continue;
                            }
                            String previous = acceptedBy.put(r.key(), entry.getKey());
                            if (previous != null) {
                                fail(r.key() + " delivered to " + previous + " and again to " + entry.getKey());
                            }
                            if (r.key().equals(released)) {
                                redeliveryCount = r.deliveryCount().orElse((short) 0);
                            }
                            perMember.merge(entry.getKey(), 1, Integer::sum);
                            consumer.acknowledge(r, AcknowledgeType.ACCEPT);
                        }
                        consumer.commitSync();
                    }
                }
            }
            Set<String> expected = new TreeSet<>(IntStream.range(0, RECORDS).mapToObj(i -> "k" + i).toList());
            assertThat(new TreeSet<>(acceptedBy.keySet())).isEqualTo(expected);
            assertThat(released).as("a record was released").isNotNull();
            assertThat(redeliveryCount).as("delivery count of the released record when accepted").isEqualTo((short) 2);
            assertThat(perMember.values()).as("records per member %s", perMember).allMatch(n -> n > 0);
        }
    }

    public static KafkaShareConsumer<String, byte[]> member(KafkaClients clients, String group, String id) {
        Map<String, Object> props = new HashMap<>(clients.common());
        props.put(ConsumerConfig.GROUP_ID_CONFIG, group);
        props.put(ConsumerConfig.CLIENT_ID_CONFIG, id);
        props.put(ConsumerConfig.SHARE_ACKNOWLEDGEMENT_MODE_CONFIG, "explicit");
        // Take at most 3 records a poll (the default acquires whole batches), so both members get some.
        props.put(ConsumerConfig.SHARE_ACQUIRE_MODE_CONFIG, "record_limit");
        props.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 3);
        return new KafkaShareConsumer<>(props, new StringDeserializer(), new ByteArrayDeserializer());
    }

    private static void awaitBothAssigned(Admin admin, String group, KafkaShareConsumer<?, ?> a, KafkaShareConsumer<?, ?> b)
            throws Exception {
        long deadline = System.currentTimeMillis() + 15_000;
        while (System.currentTimeMillis() < deadline) {
            a.poll(Duration.ofMillis(100)); // heartbeats happen in poll
            b.poll(Duration.ofMillis(100));
            ShareGroupDescription d;
            try {
                d = admin.describeShareGroups(List.of(group)).describedGroups().get(group).get();
            } catch (ExecutionException e) {
                if (e.getCause() instanceof GroupIdNotFoundException) {
                    continue; // no member has joined yet
                }
                throw e;
            }
            if (d.members().size() == 2 && d.members().stream().allMatch(m ->
                    !m.assignment().topicPartitions().isEmpty() && m.memberEpoch() == d.targetAssignmentEpoch())) {
                return;
            }
        }
        fail("share group " + group + " did not assign its partition to both members");
    }

    /** {@link #RECORDS} records, keyed {@code k0}, {@code k1}, ... */
    public static void produce(KafkaClients clients, String topic) throws Exception {
        try (KafkaProducer<String, byte[]> producer = clients.producer("share-test-producer", null)) {
            for (int i = 0; i < RECORDS; i++) {
                producer.send(new ProducerRecord<>(topic, "k" + i, ("v" + i).getBytes()));
            }
            producer.flush();
        }
    }
}
