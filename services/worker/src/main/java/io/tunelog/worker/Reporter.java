package io.tunelog.worker;

import io.tunelog.avro.WorkerReport;
import io.tunelog.codec.AvroBytes;
import io.tunelog.codec.EventCodec;
import io.tunelog.domain.event.EventPayload;
import io.tunelog.kafka.Topics;
import java.time.Clock;
import org.apache.kafka.clients.producer.Callback;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;

/** Sends one attempt's reports to the gate, in order, keyed by experiment. */
final class Reporter {
    private final KafkaProducer<String, byte[]> producer;
    private final Assignment assignment;
    private final String workerId;
    private final Clock clock;

    /** The fields of an assignment a report needs. */
    record Assignment(String experimentId, String trialId, int attempt) {}

    Reporter(KafkaProducer<String, byte[]> producer, Assignment assignment, String workerId, Clock clock) {
        this.producer = producer;
        this.assignment = assignment;
        this.workerId = workerId;
        this.clock = clock;
    }

    void send(EventPayload.AttemptReport payload) {
        send(payload, null);
    }

    /** Sends a report; {@code onSent} hears when the broker has it (acks=all), or why it could not. */
    void send(EventPayload.AttemptReport payload, Callback onSent) {
        producer.send(record(payload), onSent);
    }

    private ProducerRecord<String, byte[]> record(EventPayload.AttemptReport payload) {
        WorkerReport report = new WorkerReport(assignment.experimentId(), assignment.trialId(), assignment.attempt(),
                workerId, clock.instant(), EventCodec.payloadToAvro(payload), false);
        return new ProducerRecord<>(Topics.REPORTS, assignment.experimentId(), AvroBytes.encode(report));
    }
}
