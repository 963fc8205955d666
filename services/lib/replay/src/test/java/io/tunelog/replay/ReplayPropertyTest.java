package io.tunelog.replay;

import static org.assertj.core.api.Assertions.assertThat;

import io.tunelog.domain.event.LoggedEvent;
import io.tunelog.domain.state.ExperimentState;
import io.tunelog.domain.testing.LogBuilder;
import io.tunelog.kafka.KafkaClients;
import io.tunelog.kafka.Topics;
import io.tunelog.kafka.testing.KafkaBrokerExtension;
import io.tunelog.log.Integrity;
import io.tunelog.results.Json;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.concurrent.Future;
import org.apache.kafka.clients.producer.RecordMetadata;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * For generated experiments written to a real broker: replaying from Kafka and from the exported
 * archive gives exactly the state the writer folded, and the audit passes. Seeds are fixed, so a
 * failure names an experiment that reproduces.
 */
class ReplayPropertyTest {
    private static final int EXPERIMENTS = 25;

    @RegisterExtension
    static final KafkaBrokerExtension KAFKA = new KafkaBrokerExtension();

    static KafkaClients clients;

    @BeforeAll
    static void topics() {
        clients = KafkaClients.of(KAFKA.bootstrapServers());
        try (Admin admin = clients.admin()) {
            Topics.ensure(admin, new Topics.Layout(3, (short) 1));
        }
    }

    @Test
    void replayFromKafkaAndFromArchiveEqualsTheWritersState(@TempDir Path dir) throws Exception {
        for (int seed = 1; seed <= EXPERIMENTS; seed++) {
            String id = "prop-" + seed;
            LogBuilder written = writeToKafka(new Random(seed), id);

            ExperimentLog fromKafka = ExperimentLog.fromKafka(clients, id);
            Path archive = dir.resolve(id + ".avro");
            fromKafka.writeAvro(archive);
            ExperimentLog fromFile = ExperimentLog.fromFile(archive);

            String expected = snapshot(written.state());
            assertThat(snapshot(Replay.state(fromKafka))).as("seed %d from Kafka", seed).isEqualTo(expected);
            assertThat(snapshot(Replay.state(fromFile))).as("seed %d from archive", seed).isEqualTo(expected);
            AuditReport audit = Audit.withAllServices().run(fromKafka);
            assertThat(audit.failures()).as("seed %d audit", seed).isEmpty();
            assertThat(audit.decisionsTotal()).isPositive();
        }
    }

    /** Generates an experiment whose offsets are those it will get in its partition, and writes it there. */
    private static LogBuilder writeToKafka(Random random, String id) throws Exception {
        int partitions;
        try (Admin admin = clients.admin()) {
            partitions = Topics.partitionsOf(admin, Topics.EVENTS);
        }
        TopicPartition tp = new TopicPartition(Topics.EVENTS, Topics.partitionFor(id, partitions));
        long first;
        try (KafkaConsumer<String, byte[]> consumer = clients.consumer("prop-probe", null)) {
            first = consumer.endOffsets(List.of(tp)).get(tp);
        }
        LogBuilder log = RandomExperiments.generate(random, id, first);
        // Without transactions, a lone producer's records take consecutive offsets.
        try (KafkaProducer<String, byte[]> producer = clients.producer("prop-writer", null)) {
            Integrity.SequentialWriter writer = new Integrity.SequentialWriter();
            Map<LoggedEvent, Future<RecordMetadata>> sent = new LinkedHashMap<>();
            for (LoggedEvent e : log.events()) {
                sent.put(e, producer.send(writer.next(e)));
            }
            for (var s : sent.entrySet()) {
                assertThat(s.getValue().get().offset()).as("offset of %s", s.getKey().event().eventId()).isEqualTo(s.getKey().offset());
            }
        }
        return log;
    }

    /** Everything the fold knows, as text, so a difference shows where it is. */
    static String snapshot(ExperimentState s) throws Exception {
        StringBuilder b = new StringBuilder(Json.MAPPER.writeValueAsString(Json.summary(s, null))).append('\n');
        b.append("last=").append(s.lastOffset()).append(" events=").append(s.eventCount())
                .append(" anomalies=").append(s.anomalies()).append('\n');
        s.trials().forEach(t -> b.append(t.trialId()).append(' ').append(t.status()).append(" a").append(t.attempt())
                .append(" f").append(t.failures()).append(" restore=").append(t.restoreFromCheckpointId())
                .append(" reports=").append(t.reports().stream().map(r -> r.attempt() + ":" + r.step() + "=" + r.metrics())
                        .collect(Collectors.joining(",")))
                .append(" checkpoints=").append(t.checkpoints()).append('\n'));
        return b.toString();
    }
}
