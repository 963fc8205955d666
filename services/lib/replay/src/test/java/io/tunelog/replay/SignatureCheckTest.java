package io.tunelog.replay;

import static org.assertj.core.api.Assertions.assertThat;

import io.tunelog.avro.LogRecord;
import io.tunelog.avro.WorkerReport;
import io.tunelog.codec.AvroBytes;
import io.tunelog.codec.EventCodec;
import io.tunelog.domain.event.Event;
import io.tunelog.domain.event.EventPayload;
import io.tunelog.kafka.AccessControl.Role;
import io.tunelog.kafka.Topics;
import io.tunelog.log.Integrity;
import io.tunelog.security.KeyEntry;
import io.tunelog.security.KeyRegistry;
import io.tunelog.security.RecordSignature;
import io.tunelog.security.SigningKeys;
import java.nio.ByteBuffer;
import java.security.KeyPair;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.junit.jupiter.api.Test;

/** The audit's check of one record's signatures: the service's, and the worker's over the report an event carries. */
class SignatureCheckTest {
    private static final Instant T0 = Instant.parse("2026-12-08T03:00:00Z");
    private static final EventPayload.TrialReported RESULT = new EventPayload.TrialReported(1, 3, Map.of("loss", 0.5), null);

    private final KeyPair scheduler = SigningKeys.generate();
    private final KeyPair w1 = SigningKeys.generate();
    private final KeyPair w2 = SigningKeys.generate();
    private final KeyRegistry registry = new KeyRegistry();
    private final SignatureCheck check = new SignatureCheck(registry, false);
    private final String schedulerFp = SigningKeys.fingerprint(scheduler.getPublic());
    private final String w1Fp = SigningKeys.fingerprint(w1.getPublic());

    SignatureCheckTest() {
        register(KeyEntry.register(scheduler.getPublic(), Role.SCHEDULER, "User:svc", null, T0));
        register(KeyEntry.register(w1.getPublic(), Role.WORKER, "User:w1", "w1", T0));
        register(KeyEntry.register(w2.getPublic(), Role.WORKER, "User:w2", "w2", T0));
    }

    private void register(KeyEntry entry) {
        registry.apply(entry.fingerprint(), entry.encode(), 0);
    }

    private static Event result(EventPayload.TrialReported payload) {
        return new Event(Event.id("exp", "trial-00000/a1/step-3"), "exp", "trial-00000", 5, T0, new Event.Source("gate", "i1"), null, payload);
    }

    /** The report {@code workerId} sent for RESULT, signed by {@code signer}, as the gate copies it into the event. */
    private static List<Header> report(String workerId, EventPayload.TrialReported payload, KeyPair signer) {
        byte[] value = AvroBytes.encode(new WorkerReport("exp", "trial-00000", 1, workerId, T0, EventCodec.payloadToAvro(payload), false));
        RecordHeaders h = new RecordHeaders();
        new RecordSignature.Signer(signer).sign(Topics.REPORTS, "exp", value, h);
        return List.of(new org.apache.kafka.common.header.internals.RecordHeader(RecordSignature.REPORT, value),
                new org.apache.kafka.common.header.internals.RecordHeader(RecordSignature.REPORT_SIGNER, h.lastHeader(RecordSignature.SIGNER).value()),
                new org.apache.kafka.common.header.internals.RecordHeader(RecordSignature.REPORT_SIG, h.lastHeader(RecordSignature.SIG).value()));
    }

    /** The log record a service writes at {@code offset}: integrity headers, the report's if any, signed by {@code signer} if given. */
    private static LogRecord record(long offset, Event event, List<Header> extra, KeyPair signer) {
        var record = Integrity.logRecord(event, null);
        extra.forEach(record.headers()::add);
        if (signer != null) {
            new RecordSignature.Signer(signer).sign(Topics.EVENTS, record.key(), record.value(), record.headers());
        }
        Map<String, ByteBuffer> headers = new HashMap<>();
        record.headers().forEach(h -> headers.put(h.key(), ByteBuffer.wrap(h.value())));
        return new LogRecord(offset, T0, record.key(), ByteBuffer.wrap(record.value()), headers);
    }

    private SignatureCheck.Result check(SignatureCheck with, LogRecord r, Event event) {
        return with.check("exp", r, ExperimentLog.bytes(r.getValue()), event);
    }

    @Test
    void shouldNameTheServiceAndTheWorkerThatSignedAnAdmittedReport() {
        Event event = result(RESULT);
        SignatureCheck.Result result = check(check, record(7, event, report("w1", RESULT, w1), scheduler), event);

        assertThat(result.problems()).isEmpty();
        assertThat(result.writer()).isEqualTo("scheduler User:svc " + schedulerFp);
        assertThat(result.reporter()).isEqualTo("worker User:w1 " + w1Fp + " as w1");
    }

    @Test
    void shouldPassAnUnsignedRecordUnlessSignaturesAreRequired() {
        Event event = result(RESULT);
        LogRecord unsigned = record(7, event, List.of(), null);

        assertThat(check(check, unsigned, event)).isEqualTo(new SignatureCheck.Result(null, null, List.of()));
        assertThat(check(new SignatureCheck(registry, true), unsigned, event).problems()).containsExactly("not signed");
    }

    @Test
    void shouldFailAnEditedMetricWithEveryHashRecomputed() {
        Event forged = result(new EventPayload.TrialReported(1, 3, Map.of("loss", 0.01), null));
        // The insider recomputes the hash (Integrity.logRecord does) and keeps the old signature: it has no key.
        LogRecord honest = record(7, result(RESULT), report("w1", RESULT, w1), scheduler);
        LogRecord edited = record(7, forged, report("w1", RESULT, w1), null);
        Map<String, ByteBuffer> headers = new HashMap<>(edited.getHeaders());
        headers.put(RecordSignature.SIGNER, honest.getHeaders().get(RecordSignature.SIGNER));
        headers.put(RecordSignature.SIG, honest.getHeaders().get(RecordSignature.SIG));
        LogRecord tampered = new LogRecord(7L, T0, edited.getKey(), edited.getValue(), headers);

        assertThat(check(check, tampered, forged).problems()).containsExactly(
                "its signature by " + schedulerFp + " does not verify: the record is not what its writer signed",
                "says other than the report it carries, which w1 signed");
    }

    @Test
    void shouldFailAReportSignedByAnotherWorkersKeyAndAWorkerKeySigningAsAService() {
        Event event = result(RESULT);
        assertThat(check(check, record(7, event, report("w1", RESULT, w2), scheduler), event).problems())
                .containsExactly("its report: signer " + SigningKeys.fingerprint(w2.getPublic()) + " reports as w2, not w1");
        assertThat(check(check, record(7, event, List.of(), w1), event).problems())
                .containsExactly("signed with a worker key, but written as gate");
    }

    @Test
    void shouldFailAKeyUsedAtOrPastItsRevocation() {
        KeyEntry revoked = registry.entry(schedulerFp).orElseThrow().revoke(T0.plusSeconds(60), List.of(10L, 10L, 10L, 10L, 10L, 10L));
        register(revoked);
        Event event = result(RESULT);

        assertThat(check(check, record(9, event, List.of(), scheduler), event).problems()).isEmpty();
        assertThat(check(check, record(10, event, List.of(), scheduler), event).problems()).singleElement()
                .satisfies(p -> assertThat(p).startsWith("signer " + schedulerFp + " was revoked at " + T0.plusSeconds(60) + ", before this record"));
    }

    @Test
    void shouldFailAnUnsignedRecordAfterASignedOneInTheAudit() {
        Event first = new Event(Event.id("exp", "submitted"), "exp", null, 0, T0, new Event.Source("gate", "i1"), null,
                new EventPayload.ExperimentSubmitted("x", "{}", 1, "ana"));
        List<LogRecord> log = List.of(record(0, first, List.of(), scheduler), record(1, result(RESULT), List.of(), null));

        AuditReport report = Audit.withAllServices().withSignatures(check).run(LogSource.of("exp", sink -> log.forEach(sink)));

        assertThat(report.writers()).containsEntry("scheduler User:svc " + schedulerFp, 1L).containsEntry(AuditReport.UNSIGNED, 1L);
        assertThat(report.failures()).extracting(AuditReport.Failure::problem)
                .contains("not signed, though an earlier record of this experiment is: its signature was removed");
    }
}
