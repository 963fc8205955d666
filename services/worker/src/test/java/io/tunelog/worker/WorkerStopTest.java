package io.tunelog.worker;

import static org.assertj.core.api.Assertions.assertThat;

import io.tunelog.avro.Assignment;
import io.tunelog.avro.TrialAction;
import io.tunelog.avro.TrialControl;
import io.tunelog.avro.WorkerReport;
import io.tunelog.codec.AvroBytes;
import io.tunelog.kafka.KafkaClients;
import io.tunelog.kafka.Topics;
import io.tunelog.kafka.testing.KafkaBrokerExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** A worker obeys STOP: it ends the trial's process (and its children) and reports nothing more for it. */
class WorkerStopTest {
    @RegisterExtension
    static final KafkaBrokerExtension KAFKA = new KafkaBrokerExtension();

    // Writes its pid, reports once, then would train for a minute.
    private static final String TRIAL = """
            import json, os, time
            open(os.path.join(os.environ["TUNELOG_CHECKPOINT_DIR"], "pid"), "w").write(str(os.getpid()))
            print(json.dumps({"step": 1, "score": 0.5}), flush=True)
            time.sleep(60)
            print(json.dumps({"step": 2, "score": 0.9}), flush=True)
            """;

    @Test
    void shouldEndTheTrialProcessOnStopAndReportNothingMore(@TempDir Path dir) throws Exception {
        KafkaClients clients = KafkaClients.of(KAFKA.bootstrapServers());
        try (Admin admin = clients.admin()) {
            Topics.ensure(admin, new Topics.Layout(1, (short) 1));
        }
        String experiment = "stop-test";
        try (WorkerAgent worker = new WorkerAgent(clients, new WorkerAgent.Settings("w-stop", "localhost", 1, dir, dir, null,
                WorkerAgent.Settings.DEFAULT_MAX_OUTPUT_BYTES)).start();
             KafkaProducer<String, byte[]> producer = clients.producer("test-scheduler", null)) {
            Assignment assignment = new Assignment(experiment, "trial-00000", 1, Map.of("x", 1.0),
                    List.of("/usr/bin/python3", "-c", TRIAL), null, null, "score", null, null, null, 1, 0);
            producer.send(new ProducerRecord<>(Topics.ASSIGNMENTS, "trial-00000", AvroBytes.encode(assignment))).get();

            List<String> reports = awaitReports(clients, 2, Duration.ofSeconds(60));
            assertThat(reports).containsExactly("TrialStarted", "TrialReported");
            Path pidFile = dir.resolve(experiment).resolve("trial-00000").resolve("a1").resolve("pid");
            long pid = Long.parseLong(Files.readString(pidFile).strip());
            assertThat(ProcessHandle.of(pid)).hasValueSatisfying(p -> assertThat(p.isAlive()).isTrue());

            // A stop addressed to another worker that runs the same attempt is not for this one.
            producer.send(new ProducerRecord<>(Topics.CONTROL, experiment, AvroBytes.encode(
                    new TrialControl(experiment, "trial-00000", 1, TrialAction.STOP, "for another worker", "w-other", null, null)))).get();
            Thread.sleep(2_000);
            assertThat(worker.runningAttempts()).as("a stop for w-other leaves w-stop's attempt running").isEqualTo(1);
            assertThat(ProcessHandle.of(pid)).hasValueSatisfying(p -> assertThat(p.isAlive()).isTrue());

            producer.send(new ProducerRecord<>(Topics.CONTROL, experiment, AvroBytes.encode(
                    new TrialControl(experiment, "trial-00000", 1, TrialAction.STOP, "test stop", "w-stop", null, null)))).get();

            long deadline = System.currentTimeMillis() + 15_000;
            while (worker.runningAttempts() > 0 && System.currentTimeMillis() < deadline) {
                Thread.sleep(100);
            }
            assertThat(worker.runningAttempts()).as("attempt ended").isZero();
            assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)).as("trial process ended").isFalse();
            assertThat(awaitReports(clients, 3, Duration.ofSeconds(3))).as("nothing reported after the stop").hasSize(2);
        }
    }

    /** The report kinds on the reports topic, once {@code expected} are there or the time is up. */
    private static List<String> awaitReports(KafkaClients clients, int expected, Duration timeout) throws Exception {
        List<String> kinds = new ArrayList<>();
        try (KafkaConsumer<String, byte[]> consumer = clients.consumer("stop-test-reader-" + System.nanoTime(), null)) {
            TopicPartition tp = new TopicPartition(Topics.REPORTS, 0);
            consumer.assign(List.of(tp));
            consumer.seekToBeginning(List.of(tp));
            long deadline = System.currentTimeMillis() + timeout.toMillis();
            while (kinds.size() < expected && System.currentTimeMillis() < deadline) {
                for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    kinds.add(AvroBytes.decode(WorkerReport.class, r.value()).getPayload().getClass().getSimpleName());
                }
            }
        }
        return kinds;
    }
}
