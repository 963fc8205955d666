package io.tunelog.kafka.broker;

import static org.assertj.core.api.Assertions.assertThat;

import io.tunelog.kafka.KafkaClients;
import io.tunelog.kafka.testing.ShareGroupCheck;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LocalBrokerTest {

    @Test
    void shouldCommitTransactionsAndKeepDataAcrossRestart(@TempDir Path dir) throws Exception {
        try (LocalBroker broker = LocalBroker.start(dir, 0)) {
            KafkaClients clients = KafkaClients.of(broker.bootstrapServers());
            try (KafkaProducer<String, byte[]> producer = clients.producer("t", "local-broker-test")) {
                producer.initTransactions();
                producer.beginTransaction();
                producer.send(new ProducerRecord<>("t1", "k", "committed".getBytes()));
                producer.commitTransaction();
                producer.beginTransaction();
                producer.send(new ProducerRecord<>("t1", "k", "aborted".getBytes()));
                producer.abortTransaction();
            }
            assertThat(readAll(clients)).containsExactly("committed");
        }
        try (LocalBroker restarted = LocalBroker.start(dir, 0)) {
            assertThat(readAll(KafkaClients.of(restarted.bootstrapServers()))).containsExactly("committed");
        }
    }

    @Test
    void shouldShareOnePartitionAsTheWorkersUseIt(@TempDir Path dir) throws Exception {
        try (LocalBroker broker = LocalBroker.start(dir, 0)) {
            ShareGroupCheck.assertEachRecordToOneMemberAndReleasedRedelivered(broker.bootstrapServers());
        }
    }

    @Test
    void shouldTakeOverriddenListenersAndWaitOnTheInterBrokerOne(@TempDir Path dir) throws Exception {
        int client = freePort();
        int internal = freePort();
        int controller = freePort();
        Map<String, String> overrides = Map.of(
                "listeners", "PLAINTEXT://127.0.0.1:" + client + ",BROKER://127.0.0.1:" + internal + ",CONTROLLER://127.0.0.1:" + controller,
                "advertised.listeners", "PLAINTEXT://127.0.0.1:" + client + ",BROKER://127.0.0.1:" + internal,
                "listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,BROKER:PLAINTEXT,CONTROLLER:PLAINTEXT",
                "inter.broker.listener.name", "BROKER",
                "controller.quorum.voters", "1@127.0.0.1:" + controller);
        try (LocalBroker broker = LocalBroker.start(dir, 0, null, overrides)) {
            assertThat(broker.bootstrapServers()).isEqualTo("127.0.0.1:" + internal);
            KafkaClients clients = KafkaClients.of("127.0.0.1:" + client);
            try (KafkaProducer<String, byte[]> producer = clients.producer("t", null)) {
                producer.send(new ProducerRecord<>("t1", "k", "through the client listener".getBytes())).get();
            }
            assertThat(readAll(clients)).containsExactly("through the client listener");
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            return s.getLocalPort();
        }
    }

    private static List<String> readAll(KafkaClients clients) {
        List<String> values = new ArrayList<>();
        try (KafkaConsumer<String, byte[]> consumer = clients.consumer("reader", null)) {
            TopicPartition tp = new TopicPartition("t1", 0);
            consumer.assign(List.of(tp));
            consumer.seekToBeginning(List.of(tp));
            long end = consumer.endOffsets(List.of(tp)).get(tp);
            long deadline = System.currentTimeMillis() + 15_000;
            while (consumer.position(tp) < end && System.currentTimeMillis() < deadline) {
                for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    values.add(new String(r.value()));
                }
            }
        }
        return values;
    }
}
