package io.tunelog.worker;

import io.tunelog.avro.WorkerReport;
import io.tunelog.codec.AvroBytes;
import io.tunelog.codec.EventCodec;
import io.tunelog.domain.event.EventPayload;
import io.tunelog.kafka.Topics;
import io.tunelog.security.RecordSignature;
import java.time.Clock;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.producer.Callback;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * Sends one attempt's reports to the gate, in order, keyed by experiment, within the worker's {@link ReportWindow}:
 * a progress report (a result, a checkpoint) waits for room there; a start or an end does not.
 */
final class Reporter {
    private final KafkaProducer<String, byte[]> producer;
    private final ReportWindow window;
    private final Assignment assignment;
    private final String workerId;
    private final Clock clock;
    private final RecordSignature.Signer signer;

    /** The fields of an assignment a report needs. */
    record Assignment(String experimentId, String trialId, int attempt) {
        String key() {
            return TrialAttempt.key(experimentId, trialId, attempt);
        }
    }

    /** {@code signer}: signs each report (docs/SIGNING.md); null sends them unsigned. */
    Reporter(KafkaProducer<String, byte[]> producer, ReportWindow window, Assignment assignment, String workerId, Clock clock,
            RecordSignature.Signer signer) {
        this.producer = producer;
        this.signer = signer;
        this.window = window;
        this.assignment = assignment;
        this.workerId = workerId;
        this.clock = clock;
    }

    /** Sends a start or an end of the attempt, without waiting for room. */
    void send(EventPayload.AttemptReport payload) {
        send(payload, false, null);
    }

    /** Sends a start (or an end); {@code onSent} hears when the broker has it (acks=all), or why it could not. */
    void send(EventPayload.AttemptReport report, Callback onSent) {
        send(report, false, onSent);
    }

    /**
     * Sends a result or a checkpoint once the window has room; {@code held}: the worker holds the trial at it until
     * the gate answers.
     *
     * @return false when it was not sent: the attempt ended ({@code givenUp}) while it waited for room
     */
    boolean sendProgress(EventPayload.AttemptReport payload, boolean held, BooleanSupplier givenUp) {
        if (!window.open(assignment.key(), true, givenUp)) {
            return false;
        }
        producer.send(record(payload, held), counted(null));
        return true;
    }

    private void send(EventPayload.AttemptReport payload, boolean held, Callback onSent) {
        window.open(assignment.key(), false, () -> false);
        producer.send(record(payload, held), counted(onSent));
    }

    /** Counts the report in the window from the broker's answer, then passes the answer on. */
    private Callback counted(Callback onSent) {
        return (metadata, error) -> {
            window.sent(assignment.key(), metadata == null ? -1 : metadata.partition(), metadata == null ? -1 : metadata.offset(),
                    error != null || metadata == null);
            if (onSent != null) {
                onSent.onCompletion(metadata, error);
            }
        };
    }

    /** The report's Kafka record, signed when the worker has a key; package-private for its test. */
    ProducerRecord<String, byte[]> record(EventPayload.AttemptReport payload, boolean held) {
        WorkerReport report = new WorkerReport(assignment.experimentId(), assignment.trialId(), assignment.attempt(),
                workerId, clock.instant(), EventCodec.payloadToAvro(payload), held);
        ProducerRecord<String, byte[]> record = new ProducerRecord<>(Topics.REPORTS, assignment.experimentId(), AvroBytes.encode(report));
        if (signer != null) {
            signer.sign(record.topic(), record.key(), record.value(), record.headers());
        }
        return record;
    }
}
