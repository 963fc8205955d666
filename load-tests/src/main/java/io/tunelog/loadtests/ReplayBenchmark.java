package io.tunelog.loadtests;

import io.tunelog.domain.testing.LogBuilder;
import io.tunelog.kafka.KafkaClients;
import io.tunelog.kafka.Topics;
import io.tunelog.kafka.broker.LocalBroker;
import io.tunelog.log.Integrity;
import io.tunelog.replay.Audit;
import io.tunelog.replay.AuditReport;
import io.tunelog.replay.ExperimentLog;
import io.tunelog.replay.LogSource;
import io.tunelog.replay.Replay;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Supplier;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.tools.ConsumerPerformance;

/**
 * Replay and audit throughput on a log of at least a million events, from an archive file and from
 * Kafka, measured in the same run as Kafka's own ConsumerPerformance reading the same topic.
 *
 * <p>Usage: {@code java -cp ... io.tunelog.loadtests.ReplayBenchmark [events] [bootstrap-servers]};
 * without servers it starts a LocalBroker in a temporary directory.
 */
public final class ReplayBenchmark {

    public static void main(String[] args) throws Exception {
        long target = args.length > 0 ? Long.parseLong(args[0]) : 1_000_000L;
        Path work = Files.createTempDirectory("tunelog-replay-bench");
        LocalBroker broker = args.length > 1 ? null : LocalBroker.start(work.resolve("broker"), 0);
        String bootstrap = broker != null ? broker.bootstrapServers() : args[1];
        KafkaClients clients = KafkaClients.of(bootstrap);
        try (Admin admin = clients.admin()) {
            Topics.ensure(admin, new Topics.Layout(1, (short) 1));
        }
        String id = "bench-" + System.currentTimeMillis();
        TopicPartition tp = new TopicPartition(Topics.EVENTS, 0);
        long first;
        try (KafkaConsumer<String, byte[]> c = clients.consumer("bench-probe", null)) {
            first = c.endOffsets(List.of(tp)).get(tp);
        }

        long t0 = System.nanoTime();
        LogBuilder log = ExperimentLogGenerator.generate(id, target, first);
        long events = log.events().size();
        report("generate (fold + deciders after every event)", events, System.nanoTime() - t0);

        t0 = System.nanoTime();
        write(clients, log);
        report("write to Kafka (idempotent producer, acks=all)", events, System.nanoTime() - t0);

        Path archive = work.resolve(id + ".avro");
        ExperimentLog.fromKafka(clients, id).writeAvro(archive);
        System.out.printf("archive: %s, %.1f MB%n", archive, Files.size(archive) / 1e6);

        double[] consumer = new double[2];
        double[] fromFile = new double[2];
        double[] fromKafka = new double[2];
        double[] replayOnly = new double[2];
        for (int round = 0; round < 2; round++) {
            System.out.println("--- round " + (round + 1) + (round == 0 ? " (warm-up)" : ""));
            consumer[round] = consumerPerformance(bootstrap, events + first);
            System.out.printf("  %-48s %,12.0f events/s%n", "Kafka ConsumerPerformance (raw records)", consumer[round]);
            fromFile[round] = audited("replay + audit from the archive file", events, () -> LogSource.archive(archive));
            fromKafka[round] = audited("replay + audit from Kafka", events, () -> LogSource.kafka(clients, id));
            long t = System.nanoTime();
            Replay.state(LogSource.archive(archive));
            replayOnly[round] = rate(events, System.nanoTime() - t);
            System.out.printf("  %-48s %,12.0f events/s%n", "replay (decode + fold) from the archive file", replayOnly[round]);
        }
        System.out.println("--- result (round 2)");
        System.out.printf("events in the log: %,d%n", events);
        System.out.printf("replay + audit from file:  %,.0f events/s (target 300,000: %s)%n", fromFile[1],
                fromFile[1] >= 300_000 ? "met" : "NOT met");
        System.out.printf("replay + audit from Kafka: %,.0f events/s = %.2f x Kafka's raw consumer rate of %,.0f (target 0.5: %s)%n",
                fromKafka[1], fromKafka[1] / consumer[1], consumer[1], fromKafka[1] / consumer[1] >= 0.5 ? "met" : "NOT met");
        if (broker != null) {
            broker.close();
        }
    }

    private static double audited(String name, long events, Supplier<LogSource> source) {
        long t = System.nanoTime();
        AuditReport report = Audit.withAllServices().run(source.get());
        double rate = rate(events, System.nanoTime() - t);
        if (!report.passed()) {
            throw new IllegalStateException("audit failed: " + report.failures().subList(0, Math.min(5, report.failures().size())));
        }
        System.out.printf("  %-48s %,12.0f events/s (%,d decisions verified)%n", name, rate, report.decisionsTotal());
        return rate;
    }

    private static void write(KafkaClients clients, LogBuilder log) {
        try (KafkaProducer<String, byte[]> producer = clients.producer("bench-writer", null)) {
            Integrity.SequentialWriter writer = new Integrity.SequentialWriter();
            log.events().forEach(e -> producer.send(writer.next(e)));
            producer.flush();
        }
    }

    /** Runs Kafka's own consumer benchmark on the log topic and returns its records per second. */
    private static double consumerPerformance(String bootstrap, long messages) {
        PrintStream out = System.out;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            ConsumerPerformance.main(new String[] {"--bootstrap-server", bootstrap, "--topic", Topics.EVENTS,
                    "--messages", String.valueOf(messages), "--timeout", "60000", "--hide-header"});
        } finally {
            System.setOut(out);
        }
        // start.time, end.time, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, nMsg.sec, ...
        String[] lines = captured.toString(StandardCharsets.UTF_8).strip().split("\n");
        String[] cols = lines[lines.length - 1].split(",\\s*");
        return Double.parseDouble(cols[5]);
    }

    private static void report(String name, long events, long nanos) {
        System.out.printf("%-50s %,d events in %.1f s = %,.0f events/s%n", name, events, nanos / 1e9, rate(events, nanos));
    }

    private static double rate(long events, long nanos) {
        return events / (nanos / 1e9);
    }
}
