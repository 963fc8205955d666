package io.tunelog.gateway;

import io.tunelog.avro.WorkerReport;
import io.tunelog.codec.AvroBytes;
import io.tunelog.http.Problem;
import io.tunelog.kafka.Topics;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;

/**
 * Sends a lease's reports to the gate as the worker commands they are, and waits for the gate's word on each: the
 * event it logged, or its rejection of that very record (matched by partition and offset). So a client hears what the
 * gate decided, not that a record was sent.
 */
final class GateClient {
    /** How long the gate may take to judge a command before the client is told it did not hear. */
    static final Duration JUDGED_WITHIN = Duration.ofSeconds(30);

    private final ExperimentCatalog catalog;
    private final KafkaProducer<String, byte[]> producer;

    /** What the gate did with a command: logged {@code eventId} (or the log had it already), or refused it. */
    record Verdict(boolean logged, String refusal) {}

    GateClient(ExperimentCatalog catalog, KafkaProducer<String, byte[]> producer) {
        this.catalog = catalog;
        this.producer = producer;
    }

    /**
     * Sends {@code report} and waits until the log holds {@code eventId}, the id the gate gives the event it admits (a
     * resent report that the log already holds counts as logged), or until the gate rejects this record.
     */
    Verdict judge(WorkerReport report, String eventId) {
        String experimentId = report.getExperimentId();
        RecordMetadata sent;
        try {
            sent = producer.send(new ProducerRecord<>(Topics.REPORTS, experimentId, AvroBytes.encode(report)))
                    .get(JUDGED_WITHIN.toSeconds(), TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new Problem(503, null, "interrupted while sending a report on " + report.getTrialId());
        } catch (Exception e) {
            throw new Problem(503, null, "cannot send the report on " + report.getTrialId() + " to Kafka: "
                    + (e.getCause() != null ? e.getCause().getMessage() : e.toString()));
        }
        long deadline = System.nanoTime() + JUDGED_WITHIN.toNanos();
        while (System.nanoTime() < deadline) {
            if (catalog.read(experimentId, e -> e.state().hasEvent(eventId)).orElse(false)) {
                return new Verdict(true, null);
            }
            Optional<String> refused = catalog.reportRejection(sent.partition(), sent.offset());
            if (refused.isPresent()) {
                return new Verdict(false, refused.get());
            }
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        throw new Problem(504, null, "the gate has not judged the report on " + report.getTrialId() + " within "
                + JUDGED_WITHIN.toSeconds() + " s; is the scheduling service running?");
    }
}
