package io.tunelog.worker;

import static org.assertj.core.api.Assertions.assertThat;

import io.tunelog.avro.Assignment;
import io.tunelog.avro.TrialCompleted;
import io.tunelog.avro.TrialFailed;
import io.tunelog.avro.WorkerReport;
import io.tunelog.codec.AvroBytes;
import io.tunelog.kafka.KafkaClients;
import io.tunelog.kafka.Topics;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;

/** One attempt queued to a real worker as the scheduler would queue it, and what the worker reported about it. */
final class OneAttempt {
    private OneAttempt() {}

    /** Queues the attempt and returns its reports, up to the one that ends it, once the worker has let it go. */
    static List<WorkerReport> run(KafkaClients clients, KafkaProducer<String, byte[]> scheduler, WorkerAgent worker,
                                  Assignment assignment) throws Exception {
        scheduler.send(new ProducerRecord<>(Topics.ASSIGNMENTS, assignment.getTrialId(), AvroBytes.encode(assignment))).get();
        List<WorkerReport> reports = awaitEnd(clients, assignment.getExperimentId(), Duration.ofSeconds(60));
        long deadline = System.currentTimeMillis() + 10_000;
        while (worker.runningAttempts() > 0 && System.currentTimeMillis() < deadline) {
            Thread.sleep(50);
        }
        assertThat(worker.runningAttempts()).as("attempt ended").isZero();
        return reports;
    }

    /** The kinds of the reports, in order: "TrialStarted", "TrialReported", ... */
    static List<String> kinds(List<WorkerReport> reports) {
        return reports.stream().map(r -> r.getPayload().getClass().getSimpleName()).toList();
    }

    private static List<WorkerReport> awaitEnd(KafkaClients clients, String experiment, Duration timeout) throws Exception {
        List<WorkerReport> reports = new ArrayList<>();
        try (KafkaConsumer<String, byte[]> consumer = clients.consumer("one-attempt-reader-" + System.nanoTime(), null)) {
            TopicPartition tp = new TopicPartition(Topics.REPORTS, 0);
            consumer.assign(List.of(tp));
            consumer.seekToBeginning(List.of(tp));
            long deadline = System.currentTimeMillis() + timeout.toMillis();
            while (System.currentTimeMillis() < deadline) {
                for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    WorkerReport report = AvroBytes.decode(WorkerReport.class, r.value());
                    if (report.getExperimentId().equals(experiment)) {
                        reports.add(report);
                    }
                }
                if (reports.stream().anyMatch(r -> r.getPayload() instanceof TrialFailed || r.getPayload() instanceof TrialCompleted)) {
                    return reports;
                }
            }
        }
        throw new AssertionError("no end reported for " + experiment + " within " + timeout + "; reports: " + kinds(reports));
    }
}
