package io.tunelog.kafka.broker;

import static org.assertj.core.api.Assertions.assertThat;

import io.tunelog.kafka.KafkaClients;
import io.tunelog.kafka.testing.ShareGroupCheck;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
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
