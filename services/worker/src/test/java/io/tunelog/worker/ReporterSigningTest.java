package io.tunelog.worker;

import static org.assertj.core.api.Assertions.assertThat;

import io.tunelog.avro.WorkerReport;
import io.tunelog.codec.AvroBytes;
import io.tunelog.domain.event.EventPayload;
import io.tunelog.kafka.Topics;
import io.tunelog.security.RecordSignature;
import io.tunelog.security.SigningKeys;
import java.security.KeyPair;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;

/** A worker with a key signs each report's record as it makes it; one without sends it as before. */
class ReporterSigningTest {
    private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-12-08T03:00:00Z"), ZoneOffset.UTC);
    private static final Reporter.Assignment ATTEMPT = new Reporter.Assignment("exp-1", "t-1", 1);
    private static final EventPayload.TrialReported RESULT = new EventPayload.TrialReported(1, 3, Map.of("loss", 0.5), null);

    @Test
    void shouldSignEachReportWithTheWorkersKey() throws Exception {
        KeyPair pair = SigningKeys.generate();
        Reporter reporter = new Reporter(null, new ReportWindow(1), ATTEMPT, "w1", CLOCK, new RecordSignature.Signer(pair));

        ProducerRecord<String, byte[]> record = reporter.record(RESULT, false);

        assertThat(record.topic()).isEqualTo(Topics.REPORTS);
        assertThat(RecordSignature.signer(record.headers())).contains(SigningKeys.fingerprint(pair.getPublic()));
        assertThat(new RecordSignature.Verifier(pair.getPublic()).verify(record.topic(), record.key(), record.value(), record.headers())).isTrue();
        assertThat(AvroBytes.decode(WorkerReport.class, record.value()).getWorkerId()).isEqualTo("w1");
    }

    @Test
    void shouldSendAnUnsignedReportWithoutAKey() {
        ProducerRecord<String, byte[]> record = new Reporter(null, new ReportWindow(1), ATTEMPT, "w1", CLOCK, null).record(RESULT, false);

        assertThat(record.headers().toArray()).isEmpty();
    }
}
