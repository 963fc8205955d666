package io.tunelog.service;

import static org.assertj.core.api.Assertions.assertThat;

import io.tunelog.avro.WorkerReport;
import io.tunelog.codec.AvroBytes;
import io.tunelog.codec.EventCodec;
import io.tunelog.domain.event.Event;
import io.tunelog.domain.event.EventPayload;
import io.tunelog.domain.state.ExperimentState;
import io.tunelog.domain.state.ExperimentStatus;
import io.tunelog.domain.testing.LogBuilder;
import io.tunelog.kafka.AccessControl.Role;
import io.tunelog.kafka.Topics;
import io.tunelog.security.KeyEntry;
import io.tunelog.security.KeyRegistry;
import io.tunelog.security.RecordSignature;
import io.tunelog.security.SigningKeys;
import java.security.KeyPair;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.junit.jupiter.api.Test;

/**
 * A gate that requires signed reports admits a report only when its worker's registered key signed it, and keeps the
 * worker's signature in the admitted event's headers.
 */
class ReportSignaturesTest {
    private static final String SPEC = """
            name: gate
            metric: {name: score, mode: max}
            budget: {trials: 1, concurrent: 1}
            searchSpace: {x: {uniform: [0, 1]}}
            trial: {command: [python3, train.py]}
            """;
    private static final Instant T0 = Instant.parse("2026-12-08T03:00:00Z");

    private final KeyPair w1 = SigningKeys.generate();
    private final KeyPair w2 = SigningKeys.generate();
    private final KeyRegistry registry = new KeyRegistry();
    private final CommandGate gate = new CommandGate("test", spec -> {}, ExperimentState::new, new ReportSignatures(new ReportSignatures.Registry() {
        @Override
        public <T> T read(Function<KeyRegistry, T> reader) {
            return reader.apply(registry);
        }
    }));

    ReportSignaturesTest() {
        register(KeyEntry.register(w1.getPublic(), Role.WORKER, "User:w1", "w1", T0));
        register(KeyEntry.register(w2.getPublic(), Role.WORKER, "User:w2", "w2", T0));
    }

    private void register(KeyEntry entry) {
        registry.apply(entry.fingerprint(), entry.encode(), 0);
    }

    /** trial-00000's attempt 1 started by w1. */
    private static ExperimentState runningOnW1() {
        LogBuilder log = LogBuilder.submitted("exp", SPEC);
        log.append(new Event(Event.id("exp", "trial-00000/created"), "exp", "trial-00000", 0, LogBuilder.T0,
                new Event.Source("suggestion", "test"), 0L, new EventPayload.TrialCreated(Map.of("x", 0.5), "random", 0)));
        log.queued("trial-00000", 1);
        log.started("trial-00000", 1);
        return log.state();
    }

    private static ConsumerRecord<String, byte[]> result(String workerId, long step, KeyPair signer) {
        WorkerReport report = new WorkerReport("exp", "trial-00000", 1, workerId, T0,
                EventCodec.payloadToAvro(new EventPayload.TrialReported(1, step, Map.of("score", 0.5), null)), false);
        byte[] value = AvroBytes.encode(report);
        RecordHeaders headers = new RecordHeaders();
        if (signer != null) {
            new RecordSignature.Signer(signer).sign(Topics.REPORTS, "exp", value, headers);
        }
        return new ConsumerRecord<>(Topics.REPORTS, 0, 7L, 0L, org.apache.kafka.common.record.TimestampType.CREATE_TIME, -1, -1,
                "exp", value, headers, java.util.Optional.empty());
    }

    private CommandGate.Outcome admit(ExperimentState view, ConsumerRecord<String, byte[]> record) {
        return gate.admit(record, new CommandGate.Views() {
            @Override public ExperimentState view(String experimentId) { return view; }
            @Override public Long basis(String experimentId) { return 3L; }
            @Override public ExperimentStatus settled(String experimentId) { return null; }
        }, T0);
    }

    @Test
    void shouldAdmitAReportSignedByItsWorkersKeyAndKeepTheSignatureInTheEvent() {
        ConsumerRecord<String, byte[]> record = result("w1", 1, w1);

        CommandGate.Outcome outcome = admit(runningOnW1(), record);

        assertThat(outcome.rejected()).isNull();
        assertThat(outcome.accepted().payload()).as("what the audit compares with the report")
                .isEqualTo(new EventPayload.TrialReported(1, 1, Map.of("score", 0.5), null));
        List<Header> kept = ReportAttestation.headers(record);
        assertThat(kept).extracting(Header::key).containsExactly(RecordSignature.REPORT, RecordSignature.REPORT_SIGNER,
                RecordSignature.REPORT_SIG);
        // What an auditor does with them: the worker's own signature over the report, checked from the event alone.
        RecordHeaders asSigned = new RecordHeaders();
        asSigned.add(RecordSignature.SIGNER, kept.get(1).value());
        asSigned.add(RecordSignature.SIG, kept.get(2).value());
        assertThat(new RecordSignature.Verifier(w1.getPublic()).verify(Topics.REPORTS, outcome.accepted().experimentId(), kept.get(0).value(), asSigned))
                .isTrue();
    }

    @Test
    void shouldRefuseAnUnsignedReportAnotherWorkersKeyAnUnknownKeyAndAnEditedReport() {
        ExperimentState view = runningOnW1();

        assertThat(admit(view, result("w1", 1, null)).rejected().getReason())
                .isEqualTo("report not signed; this gate admits signed reports only (docs/SIGNING.md)");
        assertThat(admit(view, result("w1", 1, w2)).rejected().getReason())
                .isEqualTo("signer " + SigningKeys.fingerprint(w2.getPublic()) + " reports as w2, not w1");
        KeyPair stranger = SigningKeys.generate();
        assertThat(admit(view, result("w1", 1, stranger)).rejected().getReason())
                .isEqualTo("signer " + SigningKeys.fingerprint(stranger.getPublic()) + " is not registered");

        ConsumerRecord<String, byte[]> signed = result("w1", 1, w1);
        ConsumerRecord<String, byte[]> edited = result("w1", 2, null);
        signed.headers().forEach(edited.headers()::add);
        assertThat(admit(view, edited).rejected().getReason()).isEqualTo("the signature of " + SigningKeys.fingerprint(w1.getPublic())
                + " does not verify: the report is not what its signer signed");
        assertThat(admit(view, signed).rejected()).as("the report as signed").isNull();
    }

    @Test
    void shouldRefuseAReportSignedByARevokedKey() {
        KeyEntry entry = registry.entry(SigningKeys.fingerprint(w1.getPublic())).orElseThrow();
        register(entry.revoke(T0.plusSeconds(1), List.of(0L)));

        assertThat(admit(runningOnW1(), result("w1", 1, w1)).rejected().getReason())
                .isEqualTo("signer " + entry.fingerprint() + " was revoked at " + T0.plusSeconds(1));
    }
}
