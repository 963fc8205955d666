package io.tunelog.cli;

import static io.tunelog.cli.CliRun.run;
import static org.assertj.core.api.Assertions.assertThat;

import io.tunelog.avro.CommandRejected;
import io.tunelog.avro.LogRecord;
import io.tunelog.avro.WorkerReport;
import io.tunelog.codec.AvroBytes;
import io.tunelog.codec.EventCodec;
import io.tunelog.domain.event.Event;
import io.tunelog.domain.event.EventPayload;
import io.tunelog.domain.state.ExperimentState;
import io.tunelog.domain.state.ExperimentStatus;
import io.tunelog.kafka.KafkaClients;
import io.tunelog.kafka.Topics;
import io.tunelog.kafka.testing.KafkaBrokerExtension;
import io.tunelog.log.Integrity;
import io.tunelog.platform.Platform;
import io.tunelog.replay.ExperimentLog;
import io.tunelog.security.RecordSignature;
import io.tunelog.security.SigningKeys;
import io.tunelog.service.ServiceSigning;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A signed log on a real broker: keys registered with `tunelog key register`, services that sign what they write and
 * require signed reports, a worker that signs its reports. The experiment completes and `audit --require-signatures`
 * names who wrote what; a report unsigned, or signed by another worker's key, is refused at the gate; a metric edited by
 * an insider who recomputes its hash fails the audit (exit 3).
 */
class SignedLogEndToEndTest {
    @RegisterExtension
    static final KafkaBrokerExtension KAFKA = new KafkaBrokerExtension();

    @TempDir
    Path dir;

    @Test
    void shouldRunASignedExperimentRefuseForgedReportsAndFailAnEditTheHashesHide() throws Exception {
        String b = KAFKA.bootstrapServers();
        KafkaClients clients = KafkaClients.of(b);
        try (Admin admin = clients.admin()) {
            Topics.ensure(admin, Topics.Layout.LOCAL);
        }
        KeyPair services = register("services", "scheduler", "svc", null);
        KeyPair w1 = register("w1", "worker", "worker-1", "w1");
        KeyPair w2 = register("w2", "worker", "worker-2", "w2");
        String id = "signed-" + System.nanoTime();
        Path storage = Files.createDirectories(dir.resolve("storage"));
        try (Platform platform = new Platform(clients)) {
            platform.startServices(Platform.SERVICES, "signed", Platform.checkpointStores(List.of(storage)),
                    new ServiceSigning(new RecordSignature.Signer(services), true));
            platform.startWorker(Platform.workerSettings("w1", 2, storage, storage).withReportSigner(new RecordSignature.Signer(w1)));
            platform.awaitServicesReady(60_000);
            ExperimentFollower.submit(clients, id, SpecFile.read(Files.writeString(dir.resolve("spec.yaml"), """
                    name: signed
                    metric: {name: score, mode: max}
                    seed: 5
                    budget: {trials: 3, concurrent: 2}
                    searchSpace:
                      x: {uniform: [-1, 1]}
                      y: {uniform: [-1, 1]}
                    trial: {trainable: io.tunelog.cli.QuadraticTrainable}
                    """)));
            ExperimentState state = new ExperimentFollower(clients, new PrintWriter(new StringWriter(), true)).follow(id, Duration.ofSeconds(120));
            assertThat(state.status()).isEqualTo(ExperimentStatus.COMPLETED);

            // A report for w1's attempt sent unsigned, and one signed by w2's key in w1's name: both refused, before the rules.
            EventPayload.TrialReported late = new EventPayload.TrialReported(1, 99, Map.of("score", 1.0), null);
            try (KafkaProducer<String, byte[]> producer = clients.producer("forger", null)) {
                producer.send(report(id, "w1", late, null)).get();
                producer.send(report(id, "w1", late, w2)).get();
            }
            assertThat(rejections(clients, id, 2)).containsExactly(
                    "report not signed; this gate admits signed reports only (docs/SIGNING.md)",
                    "signer " + SigningKeys.fingerprint(w2.getPublic()) + " reports as w2, not w1");
        }

        CliRun audit = run("audit", id, "--require-signatures", "-b", b);
        System.out.println(audit.out());
        assertThat(audit.exit()).as(audit.out() + audit.err()).isZero();
        String servicesFp = SigningKeys.fingerprint(services.getPublic());
        assertThat(audit.out()).contains("Audit of " + id + ": PASSED", "written by:", "scheduler User:svc " + servicesFp + ": ",
                "admitted from reports signed by:", "worker User:worker-1 " + SigningKeys.fingerprint(w1.getPublic()) + " as w1: ")
                .doesNotContain(io.tunelog.replay.AuditReport.UNSIGNED);

        // An insider with write access but no key edits a result, recomputing its hash; it keeps the old signature.
        LogRecord honest = ExperimentLog.fromKafka(clients, id).records().stream()
                .filter(r -> decode(r).payload() instanceof EventPayload.TrialReported).findFirst().orElseThrow();
        Event original = decode(honest);
        EventPayload.TrialReported r = (EventPayload.TrialReported) original.payload();
        Event edited = new Event(original.eventId(), original.experimentId(), original.trialId(), original.sequence(), original.timestamp(),
                original.source(), original.basis(), new EventPayload.TrialReported(r.attempt(), r.step(), Map.of("score", 42.0), r.workerTimeMs()));
        ProducerRecord<String, byte[]> forged = Integrity.logRecord(edited, ExperimentLog.bytes(honest.getHeaders().get(Integrity.BASIS_DIGEST)));
        honest.getHeaders().forEach((name, value) -> {
            if (!name.equals(Integrity.HASH) && !name.equals(Integrity.BASIS_DIGEST)) {
                forged.headers().add(new RecordHeader(name, ExperimentLog.bytes(value)));
            }
        });
        try (KafkaProducer<String, byte[]> producer = clients.producer("insider", null)) {
            producer.send(forged).get();
        }
        CliRun tampered = run("audit", id, "--require-signatures", "-b", b);
        System.out.println(tampered.out());
        assertThat(tampered.exit()).as(tampered.out() + tampered.err()).isEqualTo(AuditCommand.FAILED);
        assertThat(tampered.out()).contains("its signature by " + servicesFp + " does not verify: the record is not what its writer signed",
                "says other than the report it carries, which w1 signed");
    }

    private KeyPair register(String name, String role, String user, String workerId) {
        List<String> args = new ArrayList<>(List.of("key", "register", "-b", KAFKA.bootstrapServers(), "--out", dir.resolve(name).toString(),
                "--role", role, "--user", user));
        if (workerId != null) {
            args.addAll(List.of("--worker-id", workerId));
        }
        CliRun made = run(args.toArray(String[]::new));
        assertThat(made.exit()).as(made.err()).isZero();
        return SigningKeys.readPrivate(dir.resolve(name).resolve(SigningKeys.PRIVATE_FILE));
    }

    private static ProducerRecord<String, byte[]> report(String id, String workerId, EventPayload.AttemptReport payload, KeyPair signer) {
        byte[] value = AvroBytes.encode(new WorkerReport(id, "trial-00000", payload.attempt(), workerId, Instant.now(),
                EventCodec.payloadToAvro(payload), false));
        ProducerRecord<String, byte[]> record = new ProducerRecord<>(Topics.REPORTS, id, value);
        if (signer != null) {
            new RecordSignature.Signer(signer).sign(record.topic(), record.key(), record.value(), record.headers());
        }
        return record;
    }

    /** The reasons of the first {@code n} rejections about experiment {@code id}, waiting for them. */
    private static List<String> rejections(KafkaClients clients, String id, int n) throws Exception {
        List<String> reasons = new ArrayList<>();
        try (KafkaConsumer<String, byte[]> consumer = clients.consumer("rejections-" + id, null)) {
            var partitions = consumer.partitionsFor(Topics.REJECTIONS).stream()
                    .map(p -> new org.apache.kafka.common.TopicPartition(p.topic(), p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            long deadline = System.currentTimeMillis() + 30_000;
            while (reasons.size() < n && System.currentTimeMillis() < deadline) {
                for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    CommandRejected rejected = AvroBytes.decode(CommandRejected.class, r.value());
                    if (id.equals(rejected.getExperimentId()) && rejected.getTopic().equals(Topics.REPORTS)) {
                        reasons.add(rejected.getReason());
                    }
                }
            }
        }
        return reasons;
    }

    private static Event decode(LogRecord r) {
        try {
            return EventCodec.decode(ExperimentLog.bytes(r.getValue()));
        } catch (AvroBytes.UndecodableRecord e) {
            throw new AssertionError(e);
        }
    }
}
