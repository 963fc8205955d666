package io.tunelog.loadtests;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tunelog.kafka.KafkaClients;
import io.tunelog.kafka.broker.LocalBroker;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.MatchResult;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.utils.Exit;
import org.apache.kafka.tools.EndToEndLatency;
import org.apache.kafka.tools.ProducerPerformance;

/**
 * Kafka's own limits on a broker, measured with Kafka's own tools: {@code ProducerPerformance} (records/s at
 * acks=all, the ceiling for any result throughput of ours) and {@code EndToEndLatency} (produce to consume, acks=all,
 * the floor for any decision latency of ours), and Kafka's own exactly-once hop ({@link TransactionalHop}), the
 * floor for any pipeline that, like ours, admits every record exactly once. The load tests run these in the same run, on the same broker, as
 * the scenario they compare with; {@code main} runs them alone on a fresh local broker.
 *
 * <pre>
 * java -cp "load-tests/target/tunelog-load-tests.jar:load-tests/target/lib/*" io.tunelog.loadtests.KafkaLimits \
 *     [records=500000] [recordBytes=200] [latencyRecords=10000] [report.json]
 * </pre>
 */
public final class KafkaLimits {
    private static final Pattern PRODUCED = Pattern.compile(
            "(\\d+) records sent, ([\\d.]+) records/sec \\(([\\d.]+) MB/sec\\), ([\\d.]+) ms avg latency, ([\\d.]+) ms max latency, "
                    + "(\\d+) ms 50th, (\\d+) ms 95th, (\\d+) ms 99th");
    private static final Pattern END_TO_END = Pattern.compile("Percentiles: 50th = (\\d+), 99th = (\\d+), 99.9th = (\\d+)");
    private static final Pattern AVERAGE = Pattern.compile("Avg latency: ([\\d.]+) ms");

    /** What ProducerPerformance measured: the whole run's summary line. */
    public record Produce(long records, int recordBytes, double recordsPerSecond, double avgLatencyMs, long p50Ms, long p99Ms) {}

    /** What EndToEndLatency measured, one record at a time: produce (acks=all), then consume it. */
    public record EndToEnd(long records, int recordBytes, double avgMs, long p50Ms, long p99Ms, long p999Ms) {}

    /**
     * Everything measured beside one load scenario, or nulls where it was skipped.
     *
     * @param hopFlatOut Kafka's transactional hop as fast as it goes
     * @param hopAtRate  the same at the scenario's offered rate, or null when it offers no steady rate
     */
    public record Measured(Produce produce, EndToEnd endToEnd, TransactionalHop.Result hopFlatOut, TransactionalHop.Result hopAtRate) {}

    private KafkaLimits() {}

    /** Runs ProducerPerformance as fast as it can go (no throttle) with acks=all on a topic of its own. */
    public static Produce producerPerformance(String bootstrap, long records, int recordBytes) throws Exception {
        String topic = "kafka-limits-produce-" + System.nanoTime();
        create(bootstrap, topic);
        String out = captured(() -> ProducerPerformance.main(new String[] {"--topic", topic, "--num-records", String.valueOf(records),
                "--record-size", String.valueOf(recordBytes), "--throughput", "-1",
                "--producer-props", "bootstrap.servers=" + bootstrap, "acks=all", "linger.ms=2"}));
        MatchResult m = last(PRODUCED, out, "ProducerPerformance");
        return new Produce(Long.parseLong(m.group(1)), recordBytes, Double.parseDouble(m.group(2)), Double.parseDouble(m.group(4)),
                Long.parseLong(m.group(6)), Long.parseLong(m.group(8)));
    }

    /** Runs EndToEndLatency with acks=all on a topic of its own. */
    public static EndToEnd endToEndLatency(String bootstrap, long records, int recordBytes) throws Exception {
        String topic = "kafka-limits-e2e-" + System.nanoTime();
        create(bootstrap, topic);
        String out = captured(() -> EndToEndLatency.main(new String[] {"--bootstrap-server", bootstrap, "--topic", topic,
                "--num-records", String.valueOf(records), "--producer-acks", "all", "--record-size", String.valueOf(recordBytes)}));
        MatchResult p = last(END_TO_END, out, "EndToEndLatency");
        MatchResult avg = last(AVERAGE, out, "EndToEndLatency");
        return new EndToEnd(records, recordBytes, Double.parseDouble(avg.group(1)), Long.parseLong(p.group(1)),
                Long.parseLong(p.group(2)), Long.parseLong(p.group(3)));
    }

    public static void main(String[] args) throws Exception {
        long records = args.length > 0 ? Long.parseLong(args[0]) : 500_000;
        int recordBytes = args.length > 1 ? Integer.parseInt(args[1]) : 200;
        long latencyRecords = args.length > 2 ? Long.parseLong(args[2]) : 10_000;
        Path report = args.length > 3 ? Path.of(args[3]) : Path.of("load-tests", "target", "kafka-limits.json");
        Path dir = Files.createTempDirectory("tunelog-kafka-limits");
        try (LocalBroker broker = LocalBroker.start(dir.resolve("broker"), 0)) {
            Produce produce = producerPerformance(broker.bootstrapServers(), records, recordBytes);
            EndToEnd e2e = endToEndLatency(broker.bootstrapServers(), latencyRecords, recordBytes);
            KafkaClients clients = KafkaClients.of(broker.bootstrapServers());
            TransactionalHop.Result hopFlatOut = TransactionalHop.run(clients, 200_000, recordBytes, 0);
            TransactionalHop.Result hopAt1k = TransactionalHop.run(clients, 15_000, recordBytes, 1_000);
            System.out.printf("ProducerPerformance: %,d records of %d B, acks=all: %,.0f records/s, latency avg %.1f ms, p50 %d ms, p99 %d ms%n",
                    produce.records(), recordBytes, produce.recordsPerSecond(), produce.avgLatencyMs(), produce.p50Ms(), produce.p99Ms());
            System.out.printf("EndToEndLatency:     %,d records of %d B, acks=all: avg %.2f ms, p50 %d ms, p99 %d ms, p99.9 %d ms%n",
                    e2e.records(), recordBytes, e2e.avgMs(), e2e.p50Ms(), e2e.p99Ms(), e2e.p999Ms());
            System.out.printf("Transactional hop:   %,.0f records/s flat out; at 1,000 records/s p50 %.1f ms, p99 %.1f ms%n",
                    hopFlatOut.recordsPerSecond(), hopAt1k.p50Ms(), hopAt1k.p99Ms());
            ObjectMapper json = new ObjectMapper();
            ObjectNode root = json.createObjectNode();
            root.set("producerPerformance", json.valueToTree(produce));
            root.set("endToEndLatency", json.valueToTree(e2e));
            root.set("transactionalHopFlatOut", json.valueToTree(hopFlatOut));
            root.set("transactionalHopAt1000PerSecond", json.valueToTree(hopAt1k));
            Files.createDirectories(report.toAbsolutePath().getParent());
            json.writerWithDefaultPrettyPrinter().writeValue(report.toFile(), root);
            System.out.println("report: " + report);
        } finally {
            ScratchDirectory.delete(dir);
        }
    }

    private interface Tool {
        void run() throws Exception;
    }

    /** A tool's call of {@code Exit.exit}, turned into a return. */
    private static final class ToolExited extends RuntimeException {
        final int status;

        ToolExited(int status) {
            super(null, null, false, false);
            this.status = status;
        }
    }

    /**
     * Runs a tool and returns what it printed. The tools print their results and then call Kafka's {@code Exit.exit},
     * which would end this JVM: Kafka's own exit hook (the one its tests use) turns that into an exception here.
     */
    private static String captured(Tool tool) throws Exception {
        PrintStream out = System.out;
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        System.setOut(new PrintStream(bytes, true, StandardCharsets.UTF_8));
        Exit.setExitProcedure((status, message) -> {
            throw new ToolExited(status);
        });
        try {
            tool.run();
        } catch (ToolExited e) {
            if (e.status != 0) {
                throw new IllegalStateException("the tool exited with " + e.status + "; it printed:\n" + bytes.toString(StandardCharsets.UTF_8));
            }
        } finally {
            Exit.resetExitProcedure();
            System.setOut(out);
        }
        return bytes.toString(StandardCharsets.UTF_8);
    }

    /** The last line the pattern matches: ProducerPerformance prints progress lines before its summary. */
    private static MatchResult last(Pattern pattern, String output, String tool) {
        Matcher m = pattern.matcher(output);
        MatchResult found = null;
        while (m.find()) {
            found = m.toMatchResult();
        }
        if (found == null) {
            throw new IllegalStateException(tool + " printed no result line; it printed:\n" + output);
        }
        return found;
    }

    private static void create(String bootstrap, String topic) throws Exception {
        try (Admin admin = Admin.create(java.util.Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
            admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all().get();
        }
    }
}
