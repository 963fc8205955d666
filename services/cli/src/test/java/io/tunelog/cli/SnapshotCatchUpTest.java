package io.tunelog.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.tunelog.avro.CommandRejected;
import io.tunelog.avro.PartitionSnapshot;
import io.tunelog.avro.WorkerReport;
import io.tunelog.codec.AvroBytes;
import io.tunelog.codec.EventCodec;
import io.tunelog.domain.event.EventPayload;
import io.tunelog.domain.state.ExperimentState;
import io.tunelog.domain.state.ExperimentStatus;
import io.tunelog.kafka.KafkaClients;
import io.tunelog.kafka.Topics;
import io.tunelog.log.LogReader;
import io.tunelog.platform.Platform;
import io.tunelog.platform.testing.PlatformExtension;
import io.tunelog.replay.Audit;
import io.tunelog.replay.ExperimentLog;
import io.tunelog.service.DecisionLoop;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Services restarted under a new instance start from their partition snapshots: they skip the experiments that
 * are settled, still refuse commands about them in the same words, rebuild one that gets a new event before they
 * decide on it, and run new experiments that the audit verifies.
 */
class SnapshotCatchUpTest {
    /** The services are the test's own, to restart under a new instance; the worker runs throughout. */
    @RegisterExtension
    static final PlatformExtension PLATFORM = PlatformExtension.inProcess().noServices().worker("w1", 6);

    private static final int EXPERIMENTS = 8;

    @Test
    void shouldSkipSettledExperimentsAfterARestartAndStillRefuseAndAuditThem() throws Exception {
        KafkaClients clients = PLATFORM.clients();
        Path dir = PLATFORM.storage();
        SpecFile spec = SpecFile.read(Files.writeString(dir.resolve("spec.yaml"), """
                name: snapshots
                metric: {name: score, mode: max}
                seed: 5
                budget: {trials: 3, concurrent: 3}
                searchSpace:
                  x: {uniform: [-1, 1]}
                  y: {uniform: [-1, 1]}
                trial: {trainable: io.tunelog.cli.QuadraticTrainable}
                """));
        long run = System.nanoTime();
        List<String> settled = new ArrayList<>();
        for (int i = 0; i < EXPERIMENTS; i++) {
            settled.add("settled-" + i + "-" + run);
        }
        Map<String, DecisionLoop.Counters> before = new HashMap<>();
        try (Platform first = new Platform(clients).startServices(Platform.SERVICES, "first", List.of(dir))) {
            first.awaitServicesReady(60_000);
            settled.forEach(id -> ExperimentFollower.submit(clients, id, spec));
            for (String id : settled) {
                assertThat(follower().follow(id, Duration.ofSeconds(120)).status()).isEqualTo(ExperimentStatus.COMPLETED);
            }
            awaitSnapshotsSettling(clients, settled, Duration.ofSeconds(60));
            Platform.SERVICES.forEach(s -> before.put(s, first.service(s).counters()));
        }

        try (Platform second = new Platform(clients).startServices(Platform.SERVICES, "second", List.of(dir))) {
            second.awaitServicesReady(60_000);
            for (String service : Platform.SERVICES) {
                DecisionLoop.Counters full = before.get(service);
                DecisionLoop.Counters snap = second.service(service).counters();
                System.out.printf("%s: first instance folded %d records; second, from its snapshots, folded %d and skipped %d "
                        + "(catch-up %d ms, %d partitions from a snapshot)%n", service, full.folded(), snap.folded(), snap.skipped(),
                        snap.lastCatchUp().toMillis(), snap.snapshotsRead());
                assertThat(snap.snapshotsRead()).as("%s started from snapshots", service).isPositive();
                assertThat(snap.rebuilt()).as("%s rebuilt nothing", service).isZero();
                assertThat(snap.folded()).as("%s folds far fewer records than the log holds", service)
                        .isLessThan(full.folded() / 10);
            }

            // The gate refuses commands about experiments it skipped, in the words it would use with their state.
            String reused = settled.get(0);
            ExperimentFollower.submit(clients, reused, spec);
            assertThat(awaitRejection(clients, reused, r -> true)).isEqualTo("experiment " + reused + " already exists");
            String ended = settled.get(1);
            sendReport(clients, ended);
            assertThat(awaitRejection(clients, ended, r -> r.getTopic().equals(Topics.REPORTS)))
                    .isEqualTo("experiment " + ended + " is COMPLETED");

            // A settled experiment gets a new event (its submission written again, as a retried write would): every
            // service folds it from its start before deciding, and so decides nothing.
            String moved = settled.get(2);
            int recordsBefore = records(clients, moved).size();
            rewriteFirstRecord(clients, moved);
            awaitRebuilt(second, Duration.ofSeconds(30));

            String fresh = "fresh-" + run;
            ExperimentFollower.submit(clients, fresh, spec);
            ExperimentState state = follower().follow(fresh, Duration.ofSeconds(120));
            assertThat(state.status()).isEqualTo(ExperimentStatus.COMPLETED);
            assertThat(state.trials()).hasSize(3);
            assertThat(records(clients, moved)).as("nothing decided after the rewritten record").hasSize(recordsBefore + 1);
            ExperimentState replayed = new ExperimentState(moved);
            try (LogReader reader = new LogReader(clients, moved)) {
                reader.readToEnd(replayed::apply);
            }
            assertThat(replayed.duplicatesIgnored()).isEqualTo(1);
            assertThat(replayed.anomalies()).isEmpty();

            for (String id : concat(settled, fresh)) {
                assertThat(Audit.withAllServices().run(ExperimentLog.fromKafka(clients, id)).failures()).as(id).isEmpty();
            }
        }
    }

    private static ExperimentFollower follower() {
        return new ExperimentFollower(PLATFORM.clients(), new PrintWriter(System.err, true));
    }

    /** Waits until every service's latest snapshots list every one of {@code ids} as settled. */
    private static void awaitSnapshotsSettling(KafkaClients clients, List<String> ids, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        Map<String, Set<String>> missing = new HashMap<>();
        while (System.nanoTime() < deadline) {
            Map<String, PartitionSnapshot> latest = latestSnapshots(clients);
            missing.clear();
            for (String service : Platform.SERVICES) {
                for (String id : ids) {
                    PartitionSnapshot s = latest.get(service + "-" + Topics.partitionFor(id, Topics.Layout.LOCAL.partitions()));
                    if (s == null || !s.getSettled().containsKey(id)) {
                        missing.computeIfAbsent(service, k -> new java.util.TreeSet<>()).add(id);
                    }
                }
            }
            if (missing.isEmpty()) {
                return;
            }
            Thread.sleep(500);
        }
        throw new AssertionError("not settled in the snapshots after " + timeout.toSeconds() + " s: " + missing);
    }

    private static Map<String, PartitionSnapshot> latestSnapshots(KafkaClients clients) {
        Map<String, PartitionSnapshot> latest = new HashMap<>();
        try (KafkaConsumer<String, byte[]> consumer = clients.consumer("snapshot-test", null)) {
            List<TopicPartition> tps = consumer.partitionsFor(Topics.SNAPSHOTS).stream()
                    .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
            consumer.assign(tps);
            consumer.seekToBeginning(tps);
            Map<TopicPartition, Long> ends = consumer.endOffsets(tps);
            while (tps.stream().anyMatch(tp -> consumer.position(tp) < ends.get(tp))) {
                for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    try {
                        latest.put(r.key(), AvroBytes.decode(PartitionSnapshot.class, r.value()));
                    } catch (AvroBytes.UndecodableRecord e) {
                        throw new AssertionError(e);
                    }
                }
            }
        }
        return latest;
    }

    /** A worker's report about an experiment that has ended. */
    private static void sendReport(KafkaClients clients, String experimentId) throws Exception {
        try (KafkaProducer<String, byte[]> producer = clients.producer("late-worker", null)) {
            WorkerReport late = new WorkerReport(experimentId, "trial-00000", 1, "late", Instant.now(),
                    EventCodec.payloadToAvro(new EventPayload.TrialReported(1, 99, Map.of("score", 1.0), null)), false);
            producer.send(new ProducerRecord<>(Topics.REPORTS, experimentId, AvroBytes.encode(late))).get();
        }
    }

    /** The reason of the first rejection about {@code experimentId} that {@code which} accepts. */
    private static String awaitRejection(KafkaClients clients, String experimentId, Predicate<CommandRejected> which) {
        List<CommandRejected> rejections = new CopyOnWriteArrayList<>();
        try (LogReader reader = new LogReader(clients, experimentId)) {
            long deadline = System.currentTimeMillis() + 30_000;
            while (rejections.stream().noneMatch(which) && System.currentTimeMillis() < deadline) {
                reader.follow(e -> {}, rejections::add, e -> false, Duration.ofSeconds(1));
            }
        }
        return rejections.stream().filter(which).findFirst()
                .orElseThrow(() -> new AssertionError("no rejection for " + experimentId)).getReason();
    }

    private static List<ConsumerRecord<String, byte[]>> records(KafkaClients clients, String experimentId) {
        List<ConsumerRecord<String, byte[]>> records = new ArrayList<>();
        try (LogReader reader = new LogReader(clients, experimentId)) {
            reader.readRawToEnd(records::add);
        }
        return records;
    }

    /** Writes the experiment's first log record again, bytes and integrity headers as they were. */
    private static void rewriteFirstRecord(KafkaClients clients, String experimentId) throws Exception {
        ConsumerRecord<String, byte[]> first = records(clients, experimentId).get(0);
        ProducerRecord<String, byte[]> again = new ProducerRecord<>(Topics.EVENTS, experimentId, first.value());
        for (Header h : first.headers()) {
            again.headers().add(h);
        }
        try (KafkaProducer<String, byte[]> producer = clients.producer("retried-write", null)) {
            producer.send(again).get();
        }
    }

    private static void awaitRebuilt(Platform platform, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!Platform.SERVICES.stream().allMatch(s -> platform.service(s).counters().rebuilt() == 1)) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not every service rebuilt the experiment: "
                        + Platform.SERVICES.stream().map(s -> s + "=" + platform.service(s).counters()).toList());
            }
            Thread.sleep(100);
        }
    }

    private static List<String> concat(List<String> ids, String one) {
        List<String> all = new ArrayList<>(ids);
        all.add(one);
        return all;
    }
}
