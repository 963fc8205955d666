package io.tunelog.loadtests;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.tunelog.avro.SubmitExperiment;
import io.tunelog.avro.WorkerReport;
import io.tunelog.platform.Platform;
import io.tunelog.codec.AvroBytes;
import io.tunelog.codec.EventCodec;
import io.tunelog.domain.event.EventPayload;
import io.tunelog.domain.event.EventPayload.TrialDecision;
import io.tunelog.domain.event.EventPayload.TrialReported;
import io.tunelog.domain.state.ExperimentState;
import io.tunelog.domain.state.ExperimentStatus;
import io.tunelog.domain.state.TrialState;
import io.tunelog.domain.state.TrialStatus;
import io.tunelog.kafka.KafkaClients;
import io.tunelog.kafka.Topics;
import io.tunelog.kafka.broker.LocalBroker;
import io.tunelog.log.LogReader;
import io.tunelog.service.ServiceRunner;
import io.tunelog.worker.WorkerAgent;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * The load generator: one experiment of simulated trainables ({@link SimulatedTrainable}) run through the real
 * worker agent, the real services and a real broker (a local one unless {@code --bootstrap} names one), with ASHA
 * judging every result. Before the experiment, Kafka's own {@code ProducerPerformance} (records the size of a worker's
 * report) and {@code EndToEndLatency} run on the same broker: the physical limit the results are set beside; and
 * Kafka's own exactly-once hop ({@link TransactionalHop}), the limit for anything that admits each result once.
 *
 * <p>Every scenario is the same run with other numbers; a scenario name only sets the defaults, which options
 * override. It prints a table and writes a JSON report.
 */
@Command(name = "load-test", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Runs one load scenario on a live platform and prints it beside Kafka's own limits.")
public final class LoadTest implements Callable<Integer> {
    /** A scenario's defaults: Ray Tune's release tests, a quick bookkeeping run, and the decision-latency rates. */
    enum Scenario {
        /** Ray's bookkeeping test: 10,000 trials of 1 s on 16 slots; 625 s ideal, Ray's bar 800 s. */
        bookkeeping(10_000, 1, 0, 16, 32),
        /** The same with 0.1 s trials: 62.5 s ideal. */
        bookkeeping_quick(10_000, 0.1, 0, 16, 32),
        /** Ray's single-node result throughput test: 96 trials × 50 results/s for 100 s; Ray's bar 120 s. */
        throughput(96, 100, 50, 96, 96),
        /** 60,000 results/s offered, about twice what the platform takes on two cores, to find the rate it sustains. */
        max_throughput(400, 20, 150, 400, 400),
        /** Decision latency at 1,000 results/s. */
        latency_1k(100, 30, 10, 100, 100),
        /** Decision latency at 10,000 results/s. */
        latency_10k(200, 30, 50, 200, 200);

        final int trials;
        final double seconds;
        final double rate;
        final int slots;
        final int concurrent;

        Scenario(int trials, double seconds, double rate, int slots, int concurrent) {
            this.trials = trials;
            this.seconds = seconds;
            this.rate = rate;
            this.slots = slots;
            this.concurrent = concurrent;
        }
    }

    @Parameters(index = "0", description = "one of ${COMPLETION-CANDIDATES}")
    Scenario scenario;
    @Option(names = "--trials", description = "trials in the experiment")
    Integer trials;
    @Option(names = "--seconds", description = "each trial's length")
    Double seconds;
    @Option(names = "--rate", description = "results per second per trial; 0 for one result at the end")
    Double rate;
    @Option(names = "--slots", description = "the worker's slots (concurrent trials it runs)")
    Integer slots;
    @Option(names = "--concurrent", description = "the spec's budget.concurrent: trials created and not ended at once")
    Integer concurrent;
    @Option(names = "--reports-in-flight", description = "the worker's window of reports not yet judged by the gate (default: "
            + "10 per slot, at least 1,000: the one worker here stands for a fleet, and a window caps a worker's rate at the window "
            + "÷ the time a report takes to be judged)")
    Integer reportsInFlight;
    @Option(names = "--checkpoint-bytes", description = "a checkpoint of this size with every tenth result (0: none)")
    long checkpointBytes;
    @Option(names = "--kafka-records", description = "records ProducerPerformance sends (default: 500,000)")
    long kafkaRecords = 500_000;
    @Option(names = "--kafka-latency-records", description = "records EndToEndLatency sends one by one (default: 10,000)")
    long kafkaLatencyRecords = 10_000;
    @Option(names = "--kafka-hop-records", description = "records sent unthrottled through Kafka's own transactional hop (default: 200,000)")
    long kafkaHopRecords = 200_000;
    @Option(names = "--kafka-hop-seconds", description = "seconds of the transactional hop at the scenario's offered rate (default: 15)")
    double kafkaHopSeconds = 15;
    @Option(names = "--no-kafka", description = "skip Kafka's own tools")
    boolean noKafka;
    @Option(names = "--no-warm-up", description = "skip the warm-up experiment run before the measured one (one trial per slot "
            + "at the scenario's rate for 5 s, or one short trial per slot when it reports once)")
    boolean noWarmUp;
    @Option(names = "--no-hold", description = "trials are not held at ASHA's rungs until the decision arrives (trial.holdAtMilestones: false)")
    boolean noHold;
    @Option(names = "--bootstrap", description = "an external cluster's bootstrap servers; default: a local broker in this JVM")
    String bootstrap;
    @Option(names = "--report", description = "the JSON report (default: load-tests/target/load-<scenario>.json)")
    Path report;

    public static void main(String[] args) {
        System.exit(new CommandLine(new LoadTest()).setCaseInsensitiveEnumValuesAllowed(true).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        int trials = this.trials != null ? this.trials : scenario.trials;
        double seconds = this.seconds != null ? this.seconds : scenario.seconds;
        double rate = this.rate != null ? this.rate : scenario.rate;
        int slots = this.slots != null ? this.slots : scenario.slots;
        int concurrent = this.concurrent != null ? this.concurrent : scenario.concurrent;
        Path reportFile = report != null ? report : Path.of("load-tests", "target", "load-" + scenario.name().replace('_', '-') + ".json");
        Path dir = Files.createTempDirectory("tunelog-load");
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("scenario", scenario.name());
        result.put("trials", trials);
        result.put("trialSeconds", seconds);
        result.put("resultsPerSecondPerTrial", rate);
        result.put("slots", slots);
        result.put("concurrent", concurrent);
        result.put("checkpointBytes", checkpointBytes);
        result.put("heldAtRungs", !noHold);
        LocalBroker broker = bootstrap == null ? LocalBroker.start(dir.resolve("broker"), 0) : null;
        Run run;
        String servers = broker != null ? broker.bootstrapServers() : bootstrap;
        KafkaClients clients = KafkaClients.of(servers);
        try {
            KafkaLimits.Produce produce = null;
            KafkaLimits.EndToEnd e2e = null;
            TransactionalHop.Result hopAtRate = null;
            TransactionalHop.Result hopFlatOut = null;
            if (!noKafka) {
                int recordBytes = reportBytes();
                produce = KafkaLimits.producerPerformance(servers, kafkaRecords, recordBytes);
                e2e = KafkaLimits.endToEndLatency(servers, kafkaLatencyRecords, recordBytes);
                result.put("kafkaProducerPerformance", produce);
                result.put("kafkaEndToEndLatency", e2e);
                hopFlatOut = TransactionalHop.run(clients, kafkaHopRecords, recordBytes, 0);
                result.put("kafkaTransactionalHopFlatOut", hopFlatOut);
                double offered = rate <= 0 ? 0 : Math.min(trials, concurrent) * rate;
                if (offered > 0) {
                    hopAtRate = TransactionalHop.run(clients, Math.round(offered * kafkaHopSeconds), recordBytes, offered);
                    result.put("kafkaTransactionalHopAtOfferedRate", hopAtRate);
                }
            }
            Path storage = dir.resolve("storage");
            try (Platform platform = new Platform(clients)) {
                platform.ensureTopics(Topics.Layout.LOCAL).startServices(Platform.SERVICES, "load", List.of(storage));
                platform.awaitServicesReady(60_000);
                int window = reportsInFlight != null ? reportsInFlight : Math.max(WorkerAgent.Settings.DEFAULT_MAX_REPORTS_IN_FLIGHT, 10 * slots);
                result.put("reportsInFlight", window);
                platform.startWorker(new WorkerAgent.Settings("load-worker", "localhost", slots, storage,
                        dir.resolve("logs"), null, WorkerAgent.Settings.DEFAULT_MAX_OUTPUT_BYTES).withMaxReportsInFlight(window));
                if (!noWarmUp) {
                    // As Ray's tests run on a cluster that is up: the worker has joined the queue, and the JIT has
                    // compiled the paths, before the measured experiment is submitted. A short trial per slot left the
                    // path of results cold: on two cores, compiling it took half a core during a 20 s measurement.
                    new Run(slots, rate > 0 ? Math.min(5, seconds) : 0.05, rate, slots, 0, !noHold).execute(clients);
                }
                run = new Run(trials, seconds, rate, concurrent, checkpointBytes, !noHold);
                run.execute(clients);
                KafkaLimits.Measured limits = new KafkaLimits.Measured(produce, e2e, hopFlatOut, hopAtRate);
                run.print(limits, slots);
                result.putAll(run.summary(limits, slots));
                Map<String, Object> folded = new LinkedHashMap<>();
                for (String name : Platform.SERVICES) {
                    ServiceRunner service = platform.service(name);
                    folded.put(name, service.counters() == null ? null : service.counters().folded());
                }
                result.put("eventsFoldedByService", folded);
            }
            Files.createDirectories(reportFile.toAbsolutePath().getParent());
            new ObjectMapper().findAndRegisterModules().writerWithDefaultPrettyPrinter().writeValue(reportFile.toFile(), result);
            System.out.println("report: " + reportFile);
            // Under any load, nothing is lost: a refused command or a failed attempt fails the run.
            if (run.rejections > 0 || run.failedAttempts > 0) {
                System.err.printf("load-test: FAILED: %,d commands refused, %,d attempts failed%n", run.rejections, run.failedAttempts);
                return 1;
            }
            return 0;
        } finally {
            if (broker != null) {
                broker.close();
            }
            ScratchDirectory.delete(dir);
        }
    }

    /** The size of a worker's report of one metric, as the worker encodes it: the record size Kafka's tools send. */
    static int reportBytes() {
        WorkerReport report = new WorkerReport("load-" + System.nanoTime(), "trial-00001", 1, "load-worker", Instant.now(),
                EventCodec.payloadToAvro(new TrialReported(1, 1, Map.of("score", 1.000001), System.currentTimeMillis())), false);
        return AvroBytes.encode(report).length;
    }

    /** One experiment, submitted and followed from its log. */
    static final class Run {
        final int trials;
        final double seconds;
        final double rate;
        final int concurrent;
        final long checkpointBytes;
        /** Whether trials are held at the rungs ASHA judges until the decision arrives. */
        final boolean hold;
        final long steps;
        final String experimentId = "load-" + System.nanoTime();
        /** When each TrialReported was read back from the log (System.nanoTime). */
        final Samples reportedAt = new Samples();
        /** From a worker's sending a report to reading its TrialReported from the log, µs. */
        final Samples admitted = new Samples();
        /** From a worker's sending a report to reading ASHA's decision on it from the log, µs. */
        final Samples decided = new Samples();
        final Map<String, Map<String, Instant>> stages = new LinkedHashMap<>();
        final ExperimentState state;
        long rejections;
        /** Attempts that failed (a lease taken for lost, say): none may, under any load. */
        long failedAttempts;
        /** The rejections by their reason with the numbers taken out, for the report. */
        final Map<String, Long> rejectedFor = new TreeMap<>();
        double wallSeconds;
        Instant submittedAt;

        Run(int trials, double seconds, double rate, int concurrent, long checkpointBytes, boolean hold) {
            this.trials = trials;
            this.seconds = seconds;
            this.rate = rate;
            this.concurrent = concurrent;
            this.checkpointBytes = checkpointBytes;
            this.hold = hold;
            this.steps = rate <= 0 ? 1 : Math.max(1, Math.round(seconds * rate));
            this.state = new ExperimentState(experimentId);
        }

        String spec() {
            return """
                    name: load
                    metric: {name: score, mode: max}
                    budget: {trials: %d, concurrent: %d}
                    searchSpace:
                      seconds: {choice: [%s]}
                      rate: {choice: [%s]}
                      checkpointBytes: {choice: [%d]}
                      checkpointEvery: {choice: [10]}
                    scheduler: {type: asha, maxT: %d, gracePeriod: 1, reductionFactor: 2}
                    trial: {trainable: %s, holdAtMilestones: %s}
                    """.formatted(trials, concurrent, seconds, rate, checkpointBytes, steps + 1, SimulatedTrainable.class.getName(), hold);
        }

        void execute(KafkaClients clients) throws Exception {
            SimulatedTrainable.forgetAll();
            long submitted = System.nanoTime();
            submittedAt = Instant.now();
            try (KafkaProducer<String, byte[]> producer = clients.producer("load-submit", null)) {
                producer.send(new ProducerRecord<>(Topics.SUBMISSIONS, experimentId,
                        AvroBytes.encode(new SubmitExperiment(experimentId, spec(), "load-test")))).get();
            }
            try (LogReader reader = new LogReader(clients, experimentId)) {
                boolean finished = reader.follow(logged -> {
                    long now = System.nanoTime();
                    state.apply(logged);
                    String trialId = logged.event().trialId();
                    EventPayload payload = logged.event().payload();
                    if (payload instanceof TrialReported r) {
                        reportedAt.add(now);
                        // Keep the send time of a step ASHA judges (a power of two) for its decision.
                        Long sent = SimulatedTrainable.sentAt(trialId, r.step(), Long.bitCount(r.step()) != 1);
                        if (sent != null) {
                            admitted.add((now - sent) / 1_000);
                        }
                    } else if (payload instanceof EventPayload.TrialFailed) {
                        failedAttempts++;
                    } else if (payload instanceof TrialDecision d && d.rung() != null) {
                        Long sent = SimulatedTrainable.sentAt(trialId, Math.round(d.inputs().get("time")), true);
                        if (sent != null) {
                            decided.add((now - sent) / 1_000);
                        }
                    }
                    if (trialId != null) {
                        stages.computeIfAbsent(trialId, t -> new LinkedHashMap<>())
                                .putIfAbsent(payload.getClass().getSimpleName(), logged.event().timestamp());
                    }
                }, rejection -> {
                    rejections++;
                    rejectedFor.merge(rejection.getReason().replaceAll("[0-9]+", "N"), 1L, Long::sum);
                }, logged -> state.status().isFinished(), Duration.ofSeconds(120));
                if (!finished || state.status() != ExperimentStatus.COMPLETED) {
                    throw new IllegalStateException("the experiment did not complete: " + state.status());
                }
            }
            wallSeconds = (System.nanoTime() - submitted) / 1e9;
        }

        /** Results per second read back from the log over the middle 60% of the span from the first to the last. */
        double sustainedResultsPerSecond() {
            if (reportedAt.size() < 2) {
                return 0;
            }
            long first = reportedAt.get(0);
            long last = reportedAt.get(reportedAt.size() - 1);
            long from = first + (last - first) / 5;
            long to = last - (last - first) / 5;
            int count = 0;
            for (int i = 0; i < reportedAt.size(); i++) {
                long t = reportedAt.get(i);
                if (t >= from && t < to) {
                    count++;
                }
            }
            return count / ((to - from) / 1e9);
        }

        /**
         * Where the wall time beyond the ideal went: before the first trial started, after the last one ended, and
         * between, where the slots' busy share says how much of the time trials ran (the rest is the platform's own
         * time between one trial's end and the next one's start, or slots the experiment did not fill).
         */
        Map<String, Object> overhead(int slots) {
            Instant firstStart = null;
            Instant lastEnd = null;
            double busySeconds = 0;
            for (Map<String, Instant> m : stages.values()) {
                Instant start = m.get("TrialStarted");
                Instant end = m.containsKey("TrialCompleted") ? m.get("TrialCompleted") : m.get("TrialStopped");
                if (start == null || end == null) {
                    continue;
                }
                firstStart = firstStart == null || start.isBefore(firstStart) ? start : firstStart;
                lastEnd = lastEnd == null || end.isAfter(lastEnd) ? end : lastEnd;
                busySeconds += Duration.between(start, end).toNanos() / 1e9;
            }
            Map<String, Object> o = new LinkedHashMap<>();
            if (firstStart == null) {
                return o;
            }
            double running = Duration.between(firstStart, lastEnd).toNanos() / 1e9;
            o.put("submitToFirstStartSeconds", Duration.between(submittedAt, firstStart).toNanos() / 1e9);
            o.put("firstStartToLastEndSeconds", running);
            o.put("lastEndToCompletionSeconds", wallSeconds - Duration.between(submittedAt, lastEnd).toNanos() / 1e9);
            o.put("slotsBusyFraction", busySeconds / (slots * running));
            return o;
        }

        double idealSeconds(int slots) {
            return Math.ceil((double) trials / slots) * seconds;
        }

        Map<String, Object> summary(KafkaLimits.Measured limits, int slots) {
            Map<String, Object> s = new LinkedHashMap<>();
            s.put("experimentId", experimentId);
            s.put("wallSeconds", wallSeconds);
            s.put("idealSeconds", idealSeconds(slots));
            s.put("wallOverIdeal", wallSeconds / idealSeconds(slots));
            s.put("completedTrials", state.trials().stream().filter(TrialState::isCompleted).count());
            s.put("stoppedTrials", state.trials().stream().filter(t -> t.status() == TrialStatus.STOPPED).count());
            s.put("events", state.eventCount());
            s.put("results", reportedAt.size());
            s.put("rejectedCommands", rejections);
            s.put("failedAttempts", failedAttempts);
            s.put("rejectedFor", rejectedFor);
            double sustained = sustainedResultsPerSecond();
            s.put("sustainedResultsPerSecond", sustained);
            s.put("offeredResultsPerSecond", rate <= 0 ? null : Math.min(trials, concurrent) * rate);
            s.put("reportToLogMicros", Map.of("p50", admitted.quantile(0.5), "p99", admitted.quantile(0.99), "samples", admitted.size()));
            s.put("reportToDecisionMicros", Map.of("p50", decided.quantile(0.5), "p99", decided.quantile(0.99), "samples", decided.size()));
            if (limits.produce() != null) {
                s.put("sustainedOverKafkaProduce", sustained / limits.produce().recordsPerSecond());
                s.put("sustainedOverKafkaTransactionalHop", sustained / limits.hopFlatOut().recordsPerSecond());
                s.put("decisionP99OverKafkaEndToEndP99", decided.quantile(0.99) / 1000.0 / Math.max(1, limits.endToEnd().p99Ms()));
                if (limits.hopAtRate() != null) {
                    s.put("decisionP99OverKafkaTransactionalHopP99", decided.quantile(0.99) / 1000.0 / limits.hopAtRate().p99Ms());
                }
            }
            Map<String, Object> stageMillis = new LinkedHashMap<>();
            for (String[] step : STAGES) {
                Samples ms = stage(step[0], step[1]);
                stageMillis.put(step[0] + "->" + step[1], Map.of("p50", ms.quantile(0.5), "p99", ms.quantile(0.99)));
            }
            s.put("stageMillis", stageMillis);
            s.put("overhead", overhead(slots));
            return s;
        }

        private static final String[][] STAGES = {{"TrialCreated", "TrialQueued"}, {"TrialQueued", "TrialStarted"},
                {"TrialStarted", "TrialReported"}, {"TrialReported", "TrialCompleted"}};

        private Samples stage(String from, String to) {
            Samples ms = new Samples();
            for (Map<String, Instant> m : stages.values()) {
                if (m.containsKey(from) && m.containsKey(to)) {
                    ms.add(Duration.between(m.get(from), m.get(to)).toMillis());
                }
            }
            return ms;
        }

        void print(KafkaLimits.Measured limits, int slots) {
            KafkaLimits.Produce produce = limits.produce();
            KafkaLimits.EndToEnd e2e = limits.endToEnd();
            System.out.printf("%,d trials × %.2f s at %.0f results/s each, %d slots, %d concurrent: %.1f s wall against %.1f s ideal = %.3f×%n",
                    trials, seconds, rate, slots, concurrent, wallSeconds, idealSeconds(slots), wallSeconds / idealSeconds(slots));
            System.out.printf("  %,d results, %,d events, %,d commands rejected; sustained %,.0f results/s%s%n", reportedAt.size(),
                    state.eventCount(), rejections, sustainedResultsPerSecond(),
                    produce == null ? "" : String.format(" = %.2f of ProducerPerformance's %,.0f records/s (%d B, acks=all)",
                            sustainedResultsPerSecond() / produce.recordsPerSecond(), produce.recordsPerSecond(), produce.recordBytes())
                            + String.format(", %.2f of Kafka's transactional hop's %,.0f records/s",
                            sustainedResultsPerSecond() / limits.hopFlatOut().recordsPerSecond(), limits.hopFlatOut().recordsPerSecond()));
            rejectedFor.forEach((reason, n) -> System.out.printf("  rejected %,d: %s…%n", n, reason));
            System.out.printf("  report → its TrialReported read from the log: p50 %.1f ms, p99 %.1f ms (%,d)%n",
                    admitted.quantile(0.5) / 1000.0, admitted.quantile(0.99) / 1000.0, admitted.size());
            System.out.printf("  report → ASHA's decision read from the log:   p50 %.1f ms, p99 %.1f ms (%,d)%s%n",
                    decided.quantile(0.5) / 1000.0, decided.quantile(0.99) / 1000.0, decided.size(),
                    e2e == null ? "" : String.format("; Kafka EndToEndLatency p50 %d ms, p99 %d ms", e2e.p50Ms(), e2e.p99Ms()));
            if (limits.hopAtRate() != null) {
                TransactionalHop.Result hop = limits.hopAtRate();
                System.out.printf("  Kafka's transactional hop at %,.0f records/s: p50 %.1f ms, p99 %.1f ms (a decision makes two such hops)%n",
                        hop.offeredPerSecond(), hop.p50Ms(), hop.p99Ms());
            }
            for (String[] step : STAGES) {
                Samples ms = stage(step[0], step[1]);
                System.out.printf("  %-14s → %-14s p50 %,6d ms, p99 %,6d ms%n", step[0], step[1], ms.quantile(0.5), ms.quantile(0.99));
            }
            Map<String, Object> o = overhead(slots);
            if (!o.isEmpty()) {
                System.out.printf("  submit → first start %.2f s; first start → last end %.1f s with the slots %.1f%% busy; last end → completed %.2f s%n",
                        o.get("submitToFirstStartSeconds"), o.get("firstStartToLastEndSeconds"), 100 * (double) o.get("slotsBusyFraction"),
                        o.get("lastEndToCompletionSeconds"));
            }
        }
    }
}
