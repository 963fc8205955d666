package io.tunelog.worker;

import static org.assertj.core.api.Assertions.assertThat;

import io.tunelog.avro.Assignment;
import io.tunelog.avro.ReportsTaken;
import io.tunelog.avro.TrialAction;
import io.tunelog.avro.TrialControl;
import io.tunelog.avro.TrialReported;
import io.tunelog.avro.WorkerHeartbeat;
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
import java.util.function.Predicate;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real worker and real trial processes, with this test in the gate's place: a trial is held (its processes
 * stopped) at the report its rule will judge until the gate answers, and a worker keeps at most its window of
 * reports on their way, sending more as the gate says it has judged them.
 */
class WorkerFlowTest {
    @RegisterExtension
    static final KafkaBrokerExtension KAFKA = new KafkaBrokerExtension();

    /** Reports steps 1..6, 100 ms apart, each with its own wall-clock time; writes its pid first. */
    private static final String STEPS = """
            import json, os, time
            open(os.path.join(os.environ["TUNELOG_CHECKPOINT_DIR"], "pid"), "w").write(str(os.getpid()))
            for step in range(1, 7):
                time.sleep(0.1)
                print(json.dumps({"step": step, "score": step / 10, "wall": time.time()}), flush=True)
            """;

    /** Reports 50 steps as fast as it can. */
    private static final String BURST = """
            import json
            for step in range(1, 51):
                print(json.dumps({"step": step, "score": 0.5}), flush=True)
            """;

    static KafkaClients clients;
    static KafkaProducer<String, byte[]> gate;

    @BeforeAll
    static void topics() throws Exception {
        clients = KafkaClients.of(KAFKA.bootstrapServers());
        try (Admin admin = clients.admin()) {
            Topics.ensure(admin, new Topics.Layout(1, (short) 1));
        }
        gate = clients.producer("test-gate", null);
    }

    @AfterAll
    static void close() {
        gate.close();
    }

    private static Assignment assignment(String experiment, String script, Double holdAt) {
        return new Assignment(experiment, "trial-00000", 1, Map.of("x", 1.0), List.of("/usr/bin/python3", "-c", script), null, null,
                "score", null, null, holdAt, 1, 0);
    }

    private static void send(String topic, String key, byte[] value) throws Exception {
        gate.send(new ProducerRecord<>(topic, key, value)).get();
    }

    private static void control(String experiment, TrialAction action, Long step) throws Exception {
        send(Topics.CONTROL, experiment, AvroBytes.encode(new TrialControl(experiment, "trial-00000", 1, action, "test", null, step, null)));
    }

    @Test
    void shouldStopTheTrialProcessAtTheHeldReportUntilTheGateAnswers(@TempDir Path dir) throws Exception {
        String experiment = "hold-continue";
        try (WorkerAgent worker = new WorkerAgent(clients, Platform.settings("w-hold", dir)).start();
             Reports reports = new Reports(experiment)) {
            send(Topics.ASSIGNMENTS, "trial-00000", AvroBytes.encode(assignment(experiment, STEPS, 3.0)));

            WorkerReport third = reports.await(r -> step(r) == 3);
            assertThat(third.getHeld()).as("held at the milestone").isTrue();
            Thread.sleep(1_500);
            assertThat(reports.seen()).as("nothing past the held step while held").noneMatch(r -> step(r) > 3);
            long answered = System.currentTimeMillis();
            control(experiment, TrialAction.CONTINUE, 3L);

            WorkerReport fourth = reports.await(r -> step(r) == 4);
            TrialReported report = (TrialReported) fourth.getPayload();
            assertThat(report.getHeldMs()).as("how long it was held").isGreaterThanOrEqualTo(1_400L);
            assertThat(report.getMetrics().get("wall") * 1000).as("the process did not train while held")
                    .isGreaterThanOrEqualTo(answered - 50.0);
            assertThat(fourth.getHeld()).as("the answer named no next milestone").isFalse();
            reports.await(r -> r.getPayload() instanceof io.tunelog.avro.TrialCompleted);
        }
    }

    @Test
    void shouldEndAHeldTrialOnStopWithoutAnotherStep(@TempDir Path dir) throws Exception {
        String experiment = "hold-stop";
        try (WorkerAgent worker = new WorkerAgent(clients, Platform.settings("w-hold-stop", dir)).start();
             Reports reports = new Reports(experiment)) {
            send(Topics.ASSIGNMENTS, "trial-00000", AvroBytes.encode(assignment(experiment, STEPS, 2.0)));
            reports.await(r -> step(r) == 2);
            long pid = Long.parseLong(Files.readString(dir.resolve(experiment).resolve("trial-00000").resolve("a1").resolve("pid")).strip());

            control(experiment, TrialAction.STOP, null);

            long deadline = System.currentTimeMillis() + 15_000;
            while (worker.runningAttempts() > 0 && System.currentTimeMillis() < deadline) {
                Thread.sleep(100);
            }
            assertThat(worker.runningAttempts()).as("attempt ended").isZero();
            assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)).as("the stopped process is gone").isFalse();
            Thread.sleep(500);
            assertThat(reports.seen()).as("no step past the one it was held at").noneMatch(r -> step(r) > 2);
        }
    }

    @Test
    void shouldKeepAtMostItsWindowOfReportsOnTheirWayAndNameTheAttemptUntilTheGateTookThem(@TempDir Path dir) throws Exception {
        String experiment = "window";
        try (WorkerAgent worker = new WorkerAgent(clients, Platform.settings("w-window", dir).withMaxReportsInFlight(5)).start();
             Reports reports = new Reports(experiment)) {
            send(Topics.ASSIGNMENTS, "trial-00000", AvroBytes.encode(assignment(experiment, BURST, null)));
            reports.await(r -> step(r) == 4);
            Thread.sleep(1_500);
            assertThat(reports.seen()).as("the start and four results: the window of five is full").hasSize(5);
            assertThat(reports.heartbeat("w-window").getReportsInFlight()).containsEntry(experiment + "/trial-00000/1", 5);

            // The gate's word, as it sends it: every report before this offset of the reports partition was judged.
            long through = reports.lastOffset() + 1;
            send(Topics.CONTROL, "reports-0", AvroBytes.encode(new ReportsTaken(0, through)));
            reports.await(r -> step(r) == 9);
            Thread.sleep(1_000);
            assertThat(reports.seen()).as("five more, then full again").hasSize(10);

            for (int i = 0; i < 20 && reports.seen().stream().noneMatch(r -> r.getPayload() instanceof io.tunelog.avro.TrialCompleted); i++) {
                send(Topics.CONTROL, "reports-0", AvroBytes.encode(new ReportsTaken(0, reports.lastOffset() + 1)));
                Thread.sleep(300);
            }
            assertThat(reports.seen().stream().filter(r -> step(r) > 0).count()).as("every result, none lost").isEqualTo(50);
            reports.await(r -> r.getPayload() instanceof io.tunelog.avro.TrialCompleted);
        }
    }

    private static long step(WorkerReport r) {
        return r.getPayload() instanceof TrialReported t ? t.getStep() : -1;
    }

    /** The reports topic and the heartbeats, as the gate would read them. */
    private static final class Reports implements AutoCloseable {
        private final String experiment;
        private final KafkaConsumer<String, byte[]> consumer = clients.consumer("flow-reader-" + System.nanoTime(), null);
        private final List<WorkerReport> seen = new ArrayList<>();
        private final List<WorkerHeartbeat> beats = new ArrayList<>();
        private long lastOffset = -1;

        Reports(String experiment) {
            this.experiment = experiment;
            List<TopicPartition> tps = List.of(new TopicPartition(Topics.REPORTS, 0), new TopicPartition(Topics.HEARTBEATS, 0));
            consumer.assign(tps);
            consumer.seekToEnd(tps);
            tps.forEach(consumer::position);
        }

        WorkerReport await(Predicate<WorkerReport> which) throws Exception {
            long deadline = System.currentTimeMillis() + 30_000;
            while (System.currentTimeMillis() < deadline) {
                for (WorkerReport r : seen) {
                    if (which.test(r)) {
                        return r;
                    }
                }
                poll();
            }
            throw new AssertionError("no such report within 30 s; seen " + seen.size());
        }

        List<WorkerReport> seen() throws Exception {
            poll();
            return List.copyOf(seen);
        }

        long lastOffset() {
            return lastOffset;
        }

        WorkerHeartbeat heartbeat(String worker) throws Exception {
            long deadline = System.currentTimeMillis() + 10_000;
            int from = beats.size();
            while (System.currentTimeMillis() < deadline) {
                poll();
                for (int i = beats.size() - 1; i >= from; i--) {
                    if (beats.get(i).getWorkerId().equals(worker)) {
                        return beats.get(i);
                    }
                }
            }
            throw new AssertionError("no heartbeat from " + worker);
        }

        private void poll() throws Exception {
            for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(100))) {
                if (r.topic().equals(Topics.HEARTBEATS)) {
                    beats.add(AvroBytes.decode(WorkerHeartbeat.class, r.value()));
                    continue;
                }
                WorkerReport report = AvroBytes.decode(WorkerReport.class, r.value());
                if (report.getExperimentId().equals(experiment)) {
                    seen.add(report);
                    lastOffset = r.offset();
                }
            }
        }

        @Override
        public void close() {
            consumer.close();
        }
    }

    /** Worker settings for one test's directory. */
    private static final class Platform {
        static WorkerAgent.Settings settings(String id, Path dir) {
            return new WorkerAgent.Settings(id, "localhost", 1, dir, dir, null, WorkerAgent.Settings.DEFAULT_MAX_OUTPUT_BYTES);
        }
    }
}
