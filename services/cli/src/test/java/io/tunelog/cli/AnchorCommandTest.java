package io.tunelog.cli;

import static io.tunelog.cli.CliRun.run;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.tunelog.avro.LogRecord;
import io.tunelog.codec.EventCodec;
import io.tunelog.domain.event.Event;
import io.tunelog.domain.event.EventPayload;
import io.tunelog.domain.event.LoggedEvent;
import io.tunelog.kafka.KafkaClients;
import io.tunelog.kafka.Topics;
import io.tunelog.kafka.testing.KafkaBrokerExtension;
import io.tunelog.log.Integrity;
import io.tunelog.replay.Audit;
import io.tunelog.replay.ExperimentLog;
import io.tunelog.replay.anchor.Anchor;
import io.tunelog.security.SigningKeys;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * `tunelog audit --anchor` and `--since` on a real broker and on archives: a log that grows after its anchor still
 * extends it; a whole topic rewritten with every hash and digest recomputed passes the plain audit but not `--since`;
 * an edited anchor or another signer's key fails, exit 3; a key file others can read is refused, exit 2.
 */
class AnchorCommandTest {
    @RegisterExtension
    static final KafkaBrokerExtension KAFKA = new KafkaBrokerExtension();

    /** A real experiment's log (see the replay module's fixtures), written to the broker at the offsets it names. */
    static final Path FIXTURE = Path.of("../lib/replay/src/test/resources/fixtures/fixture-v1.avro");
    static final ExperimentLog LOG = ExperimentLog.fromFile(FIXTURE);
    static final String ID = LOG.experimentId();

    @TempDir
    static Path dir;
    static Path privateKey;
    static Path publicKey;

    @BeforeAll
    static void keys() {
        CliRun keys = run("key", "new", "--out", dir.resolve("keys").toString());
        assertThat(keys.exit()).as(keys.err()).isZero();
        assertThat(keys.out()).contains("fingerprint SHA256:");
        privateKey = dir.resolve("keys").resolve(SigningKeys.PRIVATE_FILE);
        publicKey = dir.resolve("keys").resolve(SigningKeys.PUBLIC_FILE);
    }

    @Test
    void shouldPassWhileTheLogGrowsAndFailOnceTheWholeTopicIsRewritten() throws Exception {
        assumeTrue(KAFKA.isEmbedded(), "rewrites the log topic: only on the test's own broker");
        KafkaClients clients = KafkaClients.of(KAFKA.bootstrapServers());
        try (Admin admin = clients.admin()) {
            Topics.ensure(admin, new Topics.Layout(1, (short) 1));
        }
        List<LogRecord> records = LOG.records();
        // A head with no decision still owed, as an experiment's log is between two passes of its services.
        int cut = 100;
        while (!Audit.withAllServices().run(new ExperimentLog(ID, records.subList(0, cut))).passed()) {
            cut--;
        }
        assertThat(cut).isGreaterThan(50);
        write(clients, records.subList(0, cut), 0);

        Path anchor = dir.resolve("head.json");
        CliRun made = run("audit", ID, "--anchor", anchor.toString(), "--key", privateKey.toString(), "-b", KAFKA.bootstrapServers());
        assertThat(made.exit()).as(made.out() + made.err()).isZero();
        assertThat(made.out()).contains("anchor written to " + anchor + ": " + cut + " records up to offset " + records.get(cut - 1).getOffset());
        assertThat(Files.readString(anchor)).contains("\"partition\" : 0", "\"topic\" : \"tunelog.events\"");

        // (a) the experiment's log grows: the anchored head is still its prefix, on Kafka and in an archive of it.
        write(clients, records.subList(cut, records.size()), records.get(cut - 1).getOffset() + 1);
        CliRun grown = run("audit", ID, "--since", anchor.toString(), "--public-key", publicKey.toString(), "-b", KAFKA.bootstrapServers());
        assertThat(grown.exit()).as(grown.out() + grown.err()).isZero();
        assertThat(grown.out()).contains("Audit of " + ID + ": PASSED", "verified against " + publicKey,
                "the log extends the anchor: its " + cut + " records up to offset " + records.get(cut - 1).getOffset() + " are unchanged");
        Path honest = dir.resolve("honest.avro");
        ExperimentLog.fromKafka(clients, ID).writeAvro(honest);
        assertThat(run("audit", ID, "--since", anchor.toString(), "--public-key", publicKey.toString(), "--from", honest.toString()).exit()).isZero();

        // (b) an insider rewrites the whole topic: the submitter changed, every hash and basis digest recomputed.
        List<LogRecord> forged = rewriteSubmitter(records, "mallory");
        recreateEventsTopic(clients);
        write(clients, forged, 0);
        CliRun plain = run("audit", ID, "-b", KAFKA.bootstrapServers());
        assertThat(plain.exit()).as("the plain audit cannot tell: " + plain.out()).isZero();
        String expected = "FAIL the log no longer extends the anchor of " + Anchor.read(anchor).statement().time() + ": record 1 differs (offset "
                + records.get(0).getOffset() + ")";
        CliRun caught = run("audit", ID, "--since", anchor.toString(), "--public-key", publicKey.toString(), "-b", KAFKA.bootstrapServers());
        System.out.println(made.out() + grown.out() + caught.out());
        assertThat(caught.exit()).isEqualTo(AuditCommand.FAILED);
        assertThat(caught.out()).contains("Audit of " + ID + ": PASSED", expected);
        Path rewritten = dir.resolve("rewritten.avro");
        ExperimentLog.fromKafka(clients, ID).writeAvro(rewritten);
        CliRun fromArchive = run("audit", ID, "--since", anchor.toString(), "--public-key", publicKey.toString(), "--from", rewritten.toString());
        assertThat(fromArchive.exit()).isEqualTo(AuditCommand.FAILED);
        assertThat(fromArchive.out()).contains(expected);
    }

    @Test
    void shouldFailAnEditedAnchorAndAnotherSignersKey() throws Exception {
        Path anchor = dir.resolve("archive-head.json");
        CliRun made = run("audit", ID, "--from", FIXTURE.toString(), "--anchor", anchor.toString(), "--key", privateKey.toString());
        assertThat(made.exit()).as(made.out() + made.err()).isZero();
        assertThat(Files.readString(anchor)).contains("\"partition\" : null");
        CliRun embedded = run("audit", ID, "--from", FIXTURE.toString(), "--since", anchor.toString());
        assertThat(embedded.exit()).isZero();
        assertThat(embedded.out()).contains("verified only against the key it embeds (give --public-key to check who signed it)");

        // (c) the anchor edited: one hex digit of its head changed.
        Path edited = dir.resolve("edited.json");
        String text = Files.readString(anchor);
        int at = text.indexOf("\"digest\" : \"") + "\"digest\" : \"".length();
        Files.writeString(edited, text.substring(0, at) + (text.charAt(at) == '0' ? '1' : '0') + text.substring(at + 1));
        CliRun tampered = run("audit", ID, "--from", FIXTURE.toString(), "--since", edited.toString(), "--public-key", publicKey.toString());
        assertThat(tampered.exit()).isEqualTo(AuditCommand.FAILED);
        assertThat(tampered.out()).contains("FAIL anchor " + edited + ": the anchor's signature does not verify");

        // (d) checked against another signer's public key.
        CliRun other = run("key", "new", "--out", dir.resolve("other").toString());
        assertThat(other.exit()).isZero();
        CliRun wrong = run("audit", ID, "--from", FIXTURE.toString(), "--since", anchor.toString(),
                "--public-key", dir.resolve("other").resolve(SigningKeys.PUBLIC_FILE).toString());
        assertThat(wrong.exit()).isEqualTo(AuditCommand.FAILED);
        assertThat(wrong.out()).contains("FAIL anchor " + anchor + ": the anchor was signed by ", "not by the given public key");

        assertOneLine(run("audit", "another", "--from", FIXTURE.toString(), "--since", anchor.toString()),
                anchor + " anchors experiment " + ID + ", not another");
    }

    @Test
    void shouldRefuseBadKeyAndAnchorFilesInOneLine() throws Exception {
        Path open = dir.resolve("open");
        assertThat(run("key", "new", "--out", open.toString()).exit()).isZero();
        Path key = open.resolve(SigningKeys.PRIVATE_FILE);
        Files.setPosixFilePermissions(key, PosixFilePermissions.fromString("rw-r-----"));
        Path anchor = dir.resolve("never.json");

        assertOneLine(run("audit", ID, "--from", FIXTURE.toString(), "--anchor", anchor.toString(), "--key", key.toString()),
                key + " is open to others (rw-r-----); a private key must be readable by its owner only: chmod 600 " + key);
        assertThat(anchor).doesNotExist();
        assertOneLine(run("audit", ID, "--from", FIXTURE.toString(), "--anchor", anchor.toString()), "--anchor needs --key KEYFILE");
        assertOneLine(run("audit", ID, "--from", FIXTURE.toString(), "--since", anchor.toString()), "no anchor file at " + anchor);
        assertOneLine(run("audit", ID, "--from", FIXTURE.toString(), "--since", FIXTURE.toString()), FIXTURE + " is not an anchor file");
        assertOneLine(run("key", "new", "--out", open.toString()), key + " already exists; not replacing a key");
        assertOneLine(run("audit", ID, "--from", FIXTURE.toString(), "--public-key", publicKey.toString()),
                "--public-key checks who signed an anchor: give --since FILE with it");
        assertOneLine(run("audit", ID, "--from", FIXTURE.toString(), "--since", anchor.toString(), "--public-key", FIXTURE.toString()),
                FIXTURE + " holds no PEM PUBLIC KEY block");
    }

    private static void assertOneLine(CliRun r, String message) {
        assertThat(r.exit()).as(r.err()).isEqualTo(Tunelog.BAD_INPUT);
        assertThat(r.err().strip()).matches("tunelog [a-z ]+: " + java.util.regex.Pattern.quote(message) + ".*")
                .doesNotContain("\n").doesNotContain("Exception");
    }

    /** Writes records at the offsets they name on partition 0, filling gaps with another key's records. */
    private static void write(KafkaClients clients, List<LogRecord> records, long next) throws Exception {
        List<Future<RecordMetadata>> sent = new ArrayList<>();
        try (KafkaProducer<String, byte[]> producer = clients.producer("anchor-test", null)) {
            for (LogRecord r : records) {
                for (; next < r.getOffset(); next++) {
                    producer.send(new ProducerRecord<>(Topics.EVENTS, 0, "filler", new byte[0]));
                }
                ProducerRecord<String, byte[]> p = new ProducerRecord<>(Topics.EVENTS, 0, r.getTimestamp().toEpochMilli(), r.getKey().toString(),
                        ExperimentLog.bytes(r.getValue()));
                r.getHeaders().forEach((k, v) -> p.headers().add(new RecordHeader(k.toString(), ExperimentLog.bytes(v))));
                sent.add(producer.send(p));
                next++;
            }
        }
        for (int i = 0; i < records.size(); i++) {
            assertThat(sent.get(i).get(30, TimeUnit.SECONDS).offset()).as("written where it was").isEqualTo(records.get(i).getOffset());
        }
    }

    private static void recreateEventsTopic(KafkaClients clients) throws Exception {
        try (Admin admin = clients.admin()) {
            admin.deleteTopics(Set.of(Topics.EVENTS)).all().get(30, TimeUnit.SECONDS);
            long deadline = System.currentTimeMillis() + 30_000;
            while (true) {
                try {
                    Topics.ensure(admin, new Topics.Layout(1, (short) 1));
                    if (admin.listTopics().names().get().contains(Topics.EVENTS)) {
                        return;
                    }
                } catch (RuntimeException e) {
                    if (!(e.getCause() instanceof TopicExistsException) || System.currentTimeMillis() > deadline) {
                        throw e;
                    }
                }
                Thread.sleep(200);
            }
        }
    }

    /** The experiment's submitter changed, every record's hash and basis digest recomputed as the services would. */
    private static List<LogRecord> rewriteSubmitter(List<LogRecord> records, String submitter) throws Exception {
        Integrity.SequentialWriter writer = new Integrity.SequentialWriter();
        List<LogRecord> out = new ArrayList<>();
        for (LogRecord r : records) {
            Event e = EventCodec.decode(ExperimentLog.bytes(r.getValue()));
            if (e.payload() instanceof EventPayload.ExperimentSubmitted s) {
                e = new Event(e.eventId(), e.experimentId(), e.trialId(), e.sequence(), e.timestamp(), e.source(), e.basis(), e.basisAhead(),
                        new EventPayload.ExperimentSubmitted(s.name(), s.specJson(), s.seed(), submitter));
            }
            ProducerRecord<String, byte[]> p = writer.next(new LoggedEvent(r.getOffset(), e));
            Map<String, ByteBuffer> headers = new HashMap<>();
            p.headers().forEach(h -> headers.put(h.key(), ByteBuffer.wrap(h.value())));
            out.add(new LogRecord(r.getOffset(), r.getTimestamp(), r.getKey(), ByteBuffer.wrap(p.value()), headers));
        }
        return out;
    }
}
