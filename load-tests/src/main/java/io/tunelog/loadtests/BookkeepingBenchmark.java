package io.tunelog.loadtests;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.tunelog.avro.SubmitExperiment;
import io.tunelog.codec.AvroBytes;
import io.tunelog.domain.event.EventPayload;
import io.tunelog.domain.state.ExperimentState;
import io.tunelog.domain.state.ExperimentStatus;
import io.tunelog.kafka.KafkaClients;
import io.tunelog.kafka.Topics;
import io.tunelog.kafka.broker.LocalBroker;
import io.tunelog.log.LogReader;
import io.tunelog.registry.storage.CheckpointStores;
import io.tunelog.replay.ServiceCatalog;
import io.tunelog.service.ServiceLogic;
import io.tunelog.service.ServiceRunner;
import io.tunelog.worker.WorkerAgent;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * Ray Tune's bookkeeping release test on our platform: {@code trials} trials that each sleep {@code seconds} and
 * report once, {@code slots} at a time, through the real services and a real worker agent on a real broker (a
 * local one unless a bootstrap address is given). The ideal is trials × seconds ÷ slots; the overhead is the wall
 * time from submission to the experiment's completion beyond it. Ray's test is 10,000 × 1 s on 16 slots: 625 s
 * ideal, 800 s pass bar, 715 s published (14% overhead).
 *
 * <pre>
 * java -cp "load-tests/target/tunelog-load-tests.jar:load-tests/target/lib/*" io.tunelog.loadtests.BookkeepingBenchmark \
 *     [trials=1000] [seconds=0.1] [slots=16] [report.json] [bootstrap]
 * </pre>
 */
public final class BookkeepingBenchmark {
    private BookkeepingBenchmark() {}

    public static void main(String[] args) throws Exception {
        int trials = args.length > 0 ? Integer.parseInt(args[0]) : 1_000;
        double seconds = args.length > 1 ? Double.parseDouble(args[1]) : 0.1;
        int slots = args.length > 2 ? Integer.parseInt(args[2]) : 16;
        Path report = args.length > 3 ? Path.of(args[3]) : Path.of("load-tests", "target", "bookkeeping.json");
        Path dir = Files.createTempDirectory("tunelog-bookkeeping");
        LocalBroker broker = args.length > 4 ? null : LocalBroker.start(dir.resolve("broker"), 0);
        KafkaClients clients = KafkaClients.of(broker != null ? broker.bootstrapServers() : args[4]);
        List<AutoCloseable> running = new ArrayList<>();
        try {
            try (Admin admin = clients.admin()) {
                Topics.ensure(admin, Topics.Layout.LOCAL);
            }
            Map<String, Supplier<ServiceLogic>> services = ServiceCatalog.services(new CheckpointStores(List.of()));
            List<ServiceRunner> runners = new ArrayList<>();
            for (Supplier<ServiceLogic> logic : services.values()) {
                ServiceRunner runner = new ServiceRunner(clients, logic.get(), "bench").start();
                runners.add(runner);
                running.add(runner);
            }
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (!runners.stream().allMatch(ServiceRunner::isReady)) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("services not ready after 60 s");
                }
                Thread.sleep(50);
            }
            running.add(new WorkerAgent(clients, new WorkerAgent.Settings("bench-worker", "localhost", slots, dir.resolve("storage"),
                    dir.resolve("logs"), null, WorkerAgent.Settings.DEFAULT_MAX_OUTPUT_BYTES)).start());

            String id = "bookkeeping-" + System.nanoTime();
            String spec = """
                    name: bookkeeping
                    metric: {name: score, mode: max}
                    budget: {trials: %d, concurrent: %d}
                    searchSpace:
                      x: {uniform: [0, 1]}
                      seconds: {choice: [%s]}
                    trial: {trainable: %s}
                    """.formatted(trials, slots, seconds, SleepTrainable.class.getName());
            long submitted = System.nanoTime();
            try (KafkaProducer<String, byte[]> producer = clients.producer("bookkeeping-submit", null)) {
                producer.send(new ProducerRecord<>(Topics.SUBMISSIONS, id, AvroBytes.encode(new SubmitExperiment(id, spec, "bench")))).get();
            }
            ExperimentState state = new ExperimentState(id);
            // When each trial reached each stage, by the log's event timestamps: where the time goes.
            Map<String, Map<String, Instant>> stages = new LinkedHashMap<>();
            try (LogReader reader = new LogReader(clients, id)) {
                boolean finished = reader.follow(e -> {
                    state.apply(e);
                    String stage = e.event().payload().getClass().getSimpleName();
                    if (e.event().trialId() != null) {
                        stages.computeIfAbsent(e.event().trialId(), t -> new LinkedHashMap<>()).putIfAbsent(stage, e.event().timestamp());
                    }
                }, rejection -> {
                    throw new IllegalStateException("rejected: " + rejection.getReason());
                }, e -> state.status().isFinished(), Duration.ofSeconds(120));
                if (!finished || state.status() != ExperimentStatus.COMPLETED) {
                    throw new IllegalStateException("the experiment did not complete: " + state.status());
                }
            }
            double wall = (System.nanoTime() - submitted) / 1e9;
            double ideal = trials * seconds / slots;
            long completed = state.trials().stream().filter(t -> t.isCompleted()).count();
            System.out.printf("bookkeeping: %,d trials × %.3f s on %d slots: %.1f s wall against %.1f s ideal = %.3f× (%.1f%% overhead); "
                            + "%,d completed, %,d events in the log%n",
                    trials, seconds, slots, wall, ideal, wall / ideal, 100 * (wall / ideal - 1), completed, state.eventCount());
            Map<String, Object> result = new LinkedHashMap<>();
            Map<String, Object> medians = new LinkedHashMap<>();
            for (String[] step : new String[][] {{"TrialCreated", "TrialQueued"}, {"TrialQueued", "TrialStarted"},
                    {"TrialStarted", "TrialReported"}, {"TrialReported", "TrialCompleted"}}) {
                List<Long> ms = stages.values().stream().filter(m -> m.containsKey(step[0]) && m.containsKey(step[1]))
                        .map(m -> Duration.between(m.get(step[0]), m.get(step[1])).toMillis()).sorted().toList();
                long median = ms.isEmpty() ? -1 : ms.get(ms.size() / 2);
                long p99 = ms.isEmpty() ? -1 : ms.get(Math.min(ms.size() - 1, (int) Math.ceil(ms.size() * 0.99) - 1));
                System.out.printf("  %-14s → %-14s median %,6d ms, p99 %,6d ms%n", step[0], step[1], median, p99);
                medians.put(step[0] + "->" + step[1], Map.of("medianMs", median, "p99Ms", p99));
            }
            result.put("stages", medians);
            result.put("trials", trials);
            result.put("trialSeconds", seconds);
            result.put("slots", slots);
            result.put("wallSeconds", wall);
            result.put("idealSeconds", ideal);
            result.put("wallOverIdeal", wall / ideal);
            result.put("completed", completed);
            result.put("events", state.eventCount());
            Files.createDirectories(report.toAbsolutePath().getParent());
            new ObjectMapper().writerWithDefaultPrettyPrinter().writeValue(report.toFile(), result);
            System.out.println("report: " + report);
        } finally {
            for (int i = running.size() - 1; i >= 0; i--) {
                running.get(i).close();
            }
            if (broker != null) {
                broker.close();
            }
            ScratchDirectory.delete(dir);
        }
    }
}
