package io.tunelog.replay.anchor;

import static org.assertj.core.api.Assertions.assertThat;

import io.tunelog.avro.LogRecord;
import io.tunelog.codec.EventCodec;
import io.tunelog.domain.event.Event;
import io.tunelog.domain.event.EventPayload;
import io.tunelog.domain.event.LoggedEvent;
import io.tunelog.log.Integrity;
import io.tunelog.replay.Audit;
import io.tunelog.replay.ExperimentLog;
import io.tunelog.security.SigningKeys;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The anchor chain and its signed statement: a log that grows still extends its anchor; any rewrite before it does not. */
class AnchorTest {
    static final Path V1 = Path.of("src/test/resources/fixtures/fixture-v1.avro");
    private final ExperimentLog log = ExperimentLog.fromFile(V1);
    private final KeyPair key = SigningKeys.generate();

    @TempDir
    Path dir;

    @Test
    void shouldAcceptTheSameLogAndALogThatGrewPastTheAnchor() {
        Anchor prefix = anchor(log.records().subList(0, 100));

        assertThat(check(prefix, log.records())).isNull();
        assertThat(check(anchor(log.records()), log.records())).isNull();
    }

    @Test
    void shouldNameTheRecordARewriteChangedEvenWithEveryHashAndDigestRecomputed() {
        Anchor anchor = anchor(log.records().subList(0, 100));
        List<LogRecord> rewritten = rewriteSubmitter(log.records(), "mallory");

        assertThat(Audit.withAllServices().run(new ExperimentLog(log.experimentId(), rewritten)).passed())
                .as("the rewrite passes the plain audit").isTrue();
        assertThat(check(anchor, rewritten)).isEqualTo("the log no longer extends the anchor of " + anchor.statement().time()
                + ": record 1 differs (offset " + log.records().get(0).getOffset() + ")");
    }

    @Test
    void shouldNameAChangedTimestampAndARemovedRecord() {
        Anchor anchor = anchor(log.records());
        List<LogRecord> moved = new ArrayList<>(log.records());
        LogRecord r = moved.get(40);
        moved.set(40, new LogRecord(r.getOffset(), r.getTimestamp().plusMillis(1), r.getKey(), r.getValue(), r.getHeaders()));
        assertThat(check(anchor, moved)).endsWith("record 41 differs (offset " + r.getOffset() + ")");

        List<LogRecord> removed = new ArrayList<>(log.records());
        removed.remove(70);
        assertThat(check(anchor, removed)).contains("record 71 differs");
    }

    @Test
    void shouldSayTheAnchoredPositionIsGoneWhenTheLogEndsBeforeIt() {
        Anchor anchor = anchor(log.records());

        assertThat(check(anchor, log.records().subList(0, 50))).contains("the anchored position (tunelog.events-0 offset "
                + log.records().get(log.records().size() - 1).getOffset() + ", the experiment's record " + log.records().size() + ") is gone");
        assertThat(check(anchor, List.of())).contains("is gone: the log holds none of its records up to there");
    }

    @Test
    void shouldNarrowADifferenceToAShortRunInALogOfManyRecords() {
        List<LogRecord> big = synthetic(10_000);
        AnchorChain chain = chain(big);
        assertThat(chain.checkpoints()).hasSizeLessThanOrEqualTo(AnchorChain.MAX_CHECKPOINTS).hasSizeGreaterThan(AnchorChain.MAX_CHECKPOINTS / 2);
        Anchor anchor = Anchor.sign("big", "tunelog.events", 0, chain, true, Instant.now(), key);
        assertThat(check(anchor, big)).isNull();

        List<LogRecord> edited = new ArrayList<>(big);
        LogRecord r = edited.get(5_000);
        edited.set(5_000, new LogRecord(r.getOffset(), r.getTimestamp(), r.getKey(), ByteBuffer.wrap(new byte[] {9}), r.getHeaders()));
        int stride = chain.stride();
        long from = 5_000 / stride * stride + 1;
        assertThat(check(anchor, edited)).contains("a record among records " + from + ".." + (from + stride - 1) + " differs");
    }

    @Test
    void shouldRefuseAnEditedStatementAndAnotherSignersKey() throws Exception {
        Anchor anchor = anchor(log.records());
        Path file = dir.resolve("anchor.json");
        anchor.write(file);
        Anchor read = Anchor.read(file);
        assertThat(read).isEqualTo(anchor);
        assertThat(read.signatureProblem(null)).isNull();
        assertThat(read.signatureProblem(key.getPublic())).isNull();

        Files.writeString(file, Files.readString(file).replace("\"records\" : " + log.records().size(), "\"records\" : 3"));
        assertThat(Anchor.read(file).statement().records()).isEqualTo(3);
        assertThat(Anchor.read(file).signatureProblem(null)).contains("signature does not verify");

        KeyPair other = SigningKeys.generate();
        assertThat(anchor.signatureProblem(other.getPublic())).isEqualTo("the anchor was signed by "
                + SigningKeys.fingerprint(key.getPublic()) + ", not by the given public key " + SigningKeys.fingerprint(other.getPublic()));

        // A forger who re-signs with a key of his own is caught by the auditor's public key, not by the embedded one.
        Anchor forged = Anchor.sign(log.experimentId(), "tunelog.events", 0, chain(log.records().subList(0, 3)), true, Instant.now(), other);
        assertThat(forged.signatureProblem(null)).isNull();
        assertThat(forged.signatureProblem(key.getPublic())).contains("not by the given public key");
    }

    @Test
    void shouldNotReadAFileThatIsNoAnchor() throws Exception {
        Path file = Files.writeString(dir.resolve("x.json"), "{\"hello\": 1}");
        assertThat(org.assertj.core.api.Assertions.catchThrowable(() -> Anchor.read(file)))
                .isInstanceOf(Anchor.AnchorFileException.class).hasMessageStartingWith(file + " is not an anchor file");
        assertThat(org.assertj.core.api.Assertions.catchThrowable(() -> Anchor.read(dir.resolve("none.json"))))
                .hasMessage("no anchor file at " + dir.resolve("none.json"));
    }

    private Anchor anchor(List<LogRecord> records) {
        return Anchor.sign(log.experimentId(), "tunelog.events", 0, chain(records), true, Instant.now(), key);
    }

    private AnchorChain chain(List<LogRecord> records) {
        AnchorChain chain = new AnchorChain(records.isEmpty() ? log.experimentId() : key(records.get(0)));
        records.forEach(chain::add);
        return chain;
    }

    private static String key(LogRecord r) {
        return r.getKey().toString();
    }

    private static String check(Anchor anchor, List<LogRecord> records) {
        AnchorCheck check = new AnchorCheck(anchor.statement());
        records.forEach(check::add);
        return check.problem();
    }

    /** The experiment's submitter changed, every record's hash and every basis digest recomputed, timestamps kept. */
    static List<LogRecord> rewriteSubmitter(List<LogRecord> records, String submitter) {
        Integrity.SequentialWriter writer = new Integrity.SequentialWriter();
        List<LogRecord> out = new ArrayList<>(records.size());
        for (LogRecord r : records) {
            Event e;
            try {
                e = EventCodec.decode(ExperimentLog.bytes(r.getValue()));
            } catch (Exception x) {
                throw new AssertionError(x);
            }
            if (e.payload() instanceof EventPayload.ExperimentSubmitted s) {
                e = new Event(e.eventId(), e.experimentId(), e.trialId(), e.sequence(), e.timestamp(), e.source(), e.basis(), e.basisAhead(),
                        new EventPayload.ExperimentSubmitted(s.name(), s.specJson(), s.seed(), submitter));
            }
            ProducerRecord<String, byte[]> p = writer.next(new LoggedEvent(r.getOffset(), e));
            Map<String, ByteBuffer> headers = new HashMap<>();
            for (Header h : p.headers()) {
                headers.put(h.key(), ByteBuffer.wrap(h.value()));
            }
            out.add(new LogRecord(r.getOffset(), r.getTimestamp(), r.getKey(), ByteBuffer.wrap(p.value()), headers));
        }
        return out;
    }

    private static List<LogRecord> synthetic(int n) {
        List<LogRecord> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            out.add(new LogRecord((long) i * 2, Instant.ofEpochMilli(1_700_000_000_000L + i), "big",
                    ByteBuffer.wrap(("event " + i).getBytes(StandardCharsets.UTF_8)), Map.of()));
        }
        return out;
    }
}
