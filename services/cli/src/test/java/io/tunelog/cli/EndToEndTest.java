package io.tunelog.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.tunelog.avro.CommandRejected;
import io.tunelog.avro.DeadLetter;
import io.tunelog.avro.WorkerReport;
import io.tunelog.codec.AvroBytes;
import io.tunelog.codec.EventCodec;
import io.tunelog.domain.event.EventPayload;
import io.tunelog.domain.event.LoggedEvent;
import io.tunelog.domain.spec.SearcherChoice;
import io.tunelog.domain.spec.SearcherSpec;
import io.tunelog.domain.state.ExperimentState;
import io.tunelog.domain.state.ExperimentStatus;
import io.tunelog.domain.state.TrialState;
import io.tunelog.domain.state.TrialStatus;
import io.tunelog.kafka.Topics;
import io.tunelog.log.LogReader;
import io.tunelog.platform.testing.PlatformExtension;
import io.tunelog.replay.Audit;
import io.tunelog.replay.AuditReport;
import io.tunelog.replay.ExperimentLog;
import io.tunelog.replay.Replay;
import io.tunelog.results.Json;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The whole path on a real broker: submit → suggest → queue → workers → gate → complete. */
class EndToEndTest {
    @RegisterExtension
    static final PlatformExtension PLATFORM = PlatformExtension.inProcess().workers("it-worker-", 4, 1);

    private static SpecFile spec(String yaml) throws Exception {
        Path file = Files.writeString(Files.createTempFile(PLATFORM.storage(), "spec", ".yaml"), yaml);
        return SpecFile.read(file);
    }

    @Test
    void shouldRunTwentyTrialsOnFourWorkersToCompletion() throws Exception {
        SpecFile spec = spec("""
                name: e2e-quadratic
                metric: {name: score, mode: max}
                seed: 11
                budget: {trials: 20, concurrent: 4}
                searchSpace:
                  x: {uniform: [-1, 1]}
                  y: {uniform: [-1, 1]}
                trial:
                  trainable: io.tunelog.cli.QuadraticTrainable
                  checkpoint: {keep: 1, scoreAttribute: score}
                """);
        String id = "e2e-" + System.nanoTime();
        ExperimentFollower.submit(PLATFORM.clients(), id, spec);

        ExperimentState state = new ExperimentFollower(PLATFORM.clients(), new java.io.PrintWriter(System.err, true)).follow(id, Duration.ofSeconds(120));

        assertThat(state.status()).isEqualTo(ExperimentStatus.COMPLETED);
        assertThat(state.anomalies()).isEmpty();
        assertThat(state.trials()).hasSize(20).allSatisfy(t -> {
            assertThat(t.status()).isEqualTo(TrialStatus.COMPLETED);
            assertThat(t.reports()).extracting(r -> r.step()).containsExactly(1L, 2L, 3L, 4L, 5L);
            assertThat(t.checkpoints()).hasSize(1);
        });
        assertThat(state.trials().stream().map(TrialState::workerId).distinct().count())
                .as("work spread over the four workers").isGreaterThan(1);
        TrialState best = state.trials().stream()
                .max((a, b) -> Double.compare(score(a), score(b))).orElseThrow();
        assertThat(state.completion().orElseThrow().bestTrialId()).isEqualTo(best.trialId());
        assertThat(state.completion().orElseThrow().bestMetric())
                .isEqualTo(QuadraticTrainable.finalScore((Double) best.config().get("x"), (Double) best.config().get("y")));
        // The spec names no searcher: the rule picked one, the CLI says which and why, and the log records it.
        assertThat(spec.searcherLine()).isEqualTo("searcher gp, chosen by auto/1: 20 trials and 2 model inputs, within the gp's 300 and 20");
        assertThat(state.spec().searcher()).isEqualTo(new SearcherSpec("gp", Map.of(), SearcherChoice.RULE));
        assertThat(Json.summary(state, null).get("searcher")).hasToString("{\"type\":\"gp\",\"chosenBy\":\"auto/1\"}");
        assertAuditPasses(id, state, PLATFORM.storage());
    }

    /** Every searcher, with four concurrent trials and the robust stage, passes the audit suggestion by suggestion. */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"sobol", "tpe", "gp", "cmaes", "evolution"})
    void shouldRunEverySearcherWithTheRobustStageAndPassTheAudit(String searcher) throws Exception {
        SpecFile spec = spec("""
                name: e2e-%s
                metric: {name: score, mode: max}
                seed: 5
                budget: {trials: 14, concurrent: 4}
                searchSpace:
                  x: {uniform: [-1, 1]}
                  y: {uniform: [-1, 1]}
                  kind: {choice: [plain, shifted]}
                  shift: {quniform: [0, 0.5, 0.1], when: {kind: [shifted]}}
                searcher: {type: %s}
                robust: {top: 2, seeds: 1, probes: 1}
                trial:
                  trainable: io.tunelog.cli.QuadraticTrainable
                """.formatted(searcher, searcher));
        String id = "e2e-" + searcher + "-" + System.nanoTime();
        ExperimentFollower.submit(PLATFORM.clients(), id, spec);

        ExperimentState state = new ExperimentFollower(PLATFORM.clients(), new java.io.PrintWriter(System.err, true)).follow(id, Duration.ofSeconds(180));

        assertThat(state.status()).isEqualTo(ExperimentStatus.COMPLETED);
        assertThat(state.trials()).hasSize(14 + 2 * 2).allSatisfy(t -> assertThat(t.status()).isEqualTo(TrialStatus.COMPLETED));
        assertThat(state.trials()).allSatisfy(t ->
                assertThat(t.config().containsKey("shift")).as(t.trialId() + " " + t.config()).isEqualTo("shifted".equals(t.config().get("kind"))));
        assertThat(state.trials()).filteredOn(t -> t.origin().startsWith("robust-")).hasSize(4);
        assertAuditPasses(id, state, PLATFORM.storage());
    }

    @Test
    void shouldRunPythonTrialsAsChildProcessesWithCheckpoints() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(pythonHasSklearn(), "/usr/bin/python3 with scikit-learn is not installed");
        Path script = Path.of("../examples/python/sklearn_digits.py").toAbsolutePath().normalize();
        SpecFile spec = spec("""
                name: e2e-python
                metric: {name: val_accuracy, mode: max}
                seed: 3
                budget: {trials: 4, concurrent: 4}
                searchSpace:
                  alpha: {loguniform: [0.00001, 0.001]}
                  epochs: {choice: [6]}
                trial:
                  command: [/usr/bin/python3, %s]
                  checkpoint: {keep: 1}
                """.formatted(script));
        String id = "py-" + System.nanoTime();
        ExperimentFollower.submit(PLATFORM.clients(), id, spec);

        ExperimentState state = new ExperimentFollower(PLATFORM.clients(), new java.io.PrintWriter(System.err, true)).follow(id, Duration.ofSeconds(120));

        assertThat(state.status()).isEqualTo(ExperimentStatus.COMPLETED);
        assertThat(state.anomalies()).isEmpty();
        assertThat(state.trials()).hasSize(4).allSatisfy(t -> {
            assertThat(t.status()).isEqualTo(TrialStatus.COMPLETED);
            assertThat(t.reports()).hasSize(6);
            assertThat(t.lastValue("val_accuracy").orElseThrow()).isGreaterThan(0.8);
            assertThat(t.checkpoints().stream().filter(c -> !c.deleted())).as("keep: 1").hasSize(1);
            assertThat(t.checkpoints()).hasSize(2);
        });
        TrialState any = state.trials().iterator().next();
        assertThat(PLATFORM.storage().resolve(id).resolve(any.trialId()).resolve("a1").resolve("checkpoint_000006")).isDirectory();
        assertThat(PLATFORM.storage().resolve(id).resolve(any.trialId()).resolve("a1").resolve("checkpoint_000005")).as("deleted by retention").doesNotExist();
        assertAuditPasses(id, state, PLATFORM.storage());
    }

    private static boolean pythonHasSklearn() {
        try {
            return new ProcessBuilder("/usr/bin/python3", "-c", "import sklearn").start().waitFor() == 0;
        } catch (Exception e) {
            return false;
        }
    }

    /** A producer that skips the CLI's checks still cannot submit searcher options the suggestion service would choke on. */
    @Test
    void shouldRejectAtTheGateASearcherOptionTheCliWouldHaveRefused() throws Exception {
        String text = """
                name: e2e-bad-option
                metric: {name: score, mode: max}
                budget: {trials: 1}
                searchSpace: {x: {uniform: [0, 1]}, y: {uniform: [0, 1]}}
                searcher: {type: tpe, candidate: 3}
                trial: {trainable: io.tunelog.cli.QuadraticTrainable}
                """;
        Path file = Files.writeString(Files.createTempFile(PLATFORM.storage(), "spec", ".yaml"), text);
        SpecFile unchecked = new SpecFile(file, text, io.tunelog.domain.spec.SpecParser.parse(text));
        String id = "bad-option-" + System.nanoTime();
        ExperimentFollower.submit(PLATFORM.clients(), id, unchecked);

        assertThat(firstRejection(id)).contains("invalid spec at searcher.candidate:");
        try (LogReader reader = new LogReader(PLATFORM.clients(), id)) {
            List<LoggedEvent> events = new ArrayList<>();
            reader.readToEnd(events::add);
            assertThat(events).as("nothing of the experiment reached the log").isEmpty();
        }
    }

    @Test
    void shouldSetUndecodableRecordsAsideOnTheDeadLetterTopicAndGoOn() throws Exception {
        String id = "poison-" + System.nanoTime();
        long reportOffset;
        long logOffset;
        try (KafkaProducer<String, byte[]> producer = PLATFORM.clients().producer("poison-" + id, null)) {
            byte[] garbage = "not avro at all".getBytes(java.nio.charset.StandardCharsets.UTF_8);
            reportOffset = producer.send(new ProducerRecord<>(Topics.REPORTS, id, garbage)).get().offset();
            logOffset = producer.send(new ProducerRecord<>(Topics.EVENTS, id, garbage)).get().offset();
        }

        List<DeadLetter> letters = new ArrayList<>();
        try (var consumer = PLATFORM.clients().consumer("dead-letters-" + id, null)) {
            var partitions = consumer.partitionsFor(Topics.DEAD_LETTERS).stream()
                    .map(p -> new org.apache.kafka.common.TopicPartition(p.topic(), p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (letters.stream().filter(l -> id.equals(l.getKey())).count() < 2 && System.nanoTime() < deadline) {
                for (var record : consumer.poll(Duration.ofMillis(200))) {
                    letters.add(AvroBytes.decode(DeadLetter.class, record.value()));
                }
            }
        }
        assertThat(letters).filteredOn(l -> id.equals(l.getKey()))
                .extracting(l -> l.getTopic() + "@" + l.getOffset() + " by " + l.getService().split("/")[0])
                .containsExactlyInAnyOrder(Topics.REPORTS + "@" + reportOffset + " by scheduler", Topics.EVENTS + "@" + logOffset + " by scheduler");
        assertThat(letters).filteredOn(l -> id.equals(l.getKey())).allSatisfy(l -> {
            assertThat(l.getReason()).contains("not a");
            assertThat(new String(l.getValue().array(), java.nio.charset.StandardCharsets.UTF_8)).isEqualTo("not avro at all");
        });

        SpecFile spec = spec("""
                name: after-poison
                metric: {name: score, mode: max}
                budget: {trials: 2, concurrent: 2}
                searchSpace: {x: {uniform: [0, 1]}, y: {uniform: [0, 1]}}
                trial: {trainable: io.tunelog.cli.QuadraticTrainable}
                """);
        String after = "after-poison-" + System.nanoTime();
        ExperimentFollower.submit(PLATFORM.clients(), after, spec);
        ExperimentState state = new ExperimentFollower(PLATFORM.clients(), new java.io.PrintWriter(System.err, true)).follow(after, Duration.ofSeconds(60));
        assertThat(state.status()).as("the services went on").isEqualTo(ExperimentStatus.COMPLETED);
    }

    @Test
    void shouldRejectUnsafeExperimentIdsAndReusedOnes() throws Exception {
        SpecFile spec = spec("""
                name: e2e-gate
                metric: {name: score, mode: max}
                budget: {trials: 1}
                searchSpace: {x: {uniform: [0, 1]}}
                trial: {trainable: io.tunelog.cli.QuadraticTrainable}
                """.replace("{x: {uniform: [0, 1]}}", "{x: {uniform: [0, 1]}, y: {uniform: [0, 1]}}"));
        String unsafe = "../escape";
        ExperimentFollower.submit(PLATFORM.clients(), unsafe, spec);
        assertThat(firstRejection(unsafe)).contains("experiment id \"../escape\" must be");

        String id = "reused-" + System.nanoTime();
        ExperimentFollower.submit(PLATFORM.clients(), id, spec);
        new ExperimentFollower(PLATFORM.clients(), new java.io.PrintWriter(System.err, true)).follow(id, Duration.ofSeconds(60));
        ExperimentFollower.submit(PLATFORM.clients(), id, spec);
        assertThat(firstRejection(id)).contains("experiment " + id + " already exists");
        assertThat(Audit.withAllServices().run(ExperimentLog.fromKafka(PLATFORM.clients(), id)).passed()).isTrue();
    }

    private static String firstRejection(String experimentId) {
        List<CommandRejected> rejections = new CopyOnWriteArrayList<>();
        try (LogReader reader = new LogReader(PLATFORM.clients(), experimentId)) {
            reader.follow(e -> {}, rejections::add, e -> false, Duration.ofSeconds(3));
            long deadline = System.currentTimeMillis() + 30_000;
            while (rejections.isEmpty() && System.currentTimeMillis() < deadline) {
                reader.follow(e -> {}, rejections::add, e -> false, Duration.ofSeconds(1));
            }
        }
        assertThat(rejections).as("a rejection for " + experimentId).isNotEmpty();
        return rejections.get(0).getReason();
    }

    /**
     * Every experiment the end-to-end tests run must pass the audit, from Kafka and from its archive,
     * and replaying either must give the state the follower folded live.
     */
    private static void assertAuditPasses(String id, ExperimentState live, Path dir) throws Exception {
        ExperimentLog fromKafka = ExperimentLog.fromKafka(PLATFORM.clients(), id);
        AuditReport report = Audit.withAllServices().run(fromKafka);
        assertThat(report.failures()).as("audit failures").isEmpty();
        assertThat(report.passed()).isTrue();
        assertThat(report.decisionsVerified()).containsKeys("TrialCreated", "TrialQueued", "ExperimentCompleted");
        assertThat(report.decisionsTotal()).isGreaterThanOrEqualTo(2L * live.trials().size() + 1);
        Path archive = dir.resolve(id + ".avro");
        fromKafka.writeAvro(archive);
        ExperimentLog fromFile = ExperimentLog.fromFile(archive);
        assertThat(Audit.withAllServices().run(fromFile).passed()).isTrue();
        assertThat(Json.summary(Replay.state(fromKafka), null)).isEqualTo(Json.summary(live, null));
        assertThat(Json.summary(Replay.state(fromFile), null)).isEqualTo(Json.summary(live, null));
    }

    private static double score(TrialState t) {
        return t.lastValue("score").orElseThrow();
    }

    /**
     * A cancellation stops real trial processes: the four running ones by the gate's STOPs, and the two queued ones
     * when a worker takes them after the cancellation and the gate refuses their start. Nothing is decided after it.
     */
    @Test
    void shouldCancelARunningExperimentStopItsTrialProcessesAndPassTheAudit() throws Exception {
        Path pids = Files.createDirectories(PLATFORM.storage().resolve("cancel-pids"));
        Path script = Files.writeString(PLATFORM.storage().resolve("sleepy.py"), """
                import json, os, sys, time
                with open(os.path.join(sys.argv[1], os.environ["TUNELOG_TRIAL_ID"] + "-" + os.environ["TUNELOG_ATTEMPT"]), "w") as f:
                    f.write(str(os.getpid()))
                print(json.dumps({"step": 1, "score": 0.5}), flush=True)
                time.sleep(300)
                print(json.dumps({"step": 2, "score": 0.9}), flush=True)
                """);
        SpecFile spec = spec("""
                name: e2e-cancel
                metric: {name: score, mode: max}
                budget: {trials: 12, concurrent: 6}
                searchSpace: {x: {uniform: [0, 1]}}
                trial: {command: [/usr/bin/python3, %s, %s]}
                """.formatted(script, pids));
        String id = "cancel-" + System.nanoTime();
        ExperimentFollower.submit(PLATFORM.clients(), id, spec);
        ExperimentState state = new ExperimentState(id);
        List<CommandRejected> rejections = new CopyOnWriteArrayList<>();
        List<LoggedEvent> events = new ArrayList<>();
        java.util.function.Consumer<LoggedEvent> fold = e -> {
            events.add(e);
            state.apply(e);
        };
        try (LogReader reader = new LogReader(PLATFORM.clients(), id)) {
            reader.follow(fold, rejections::add, e -> state.trials().stream()
                    .filter(t -> t.status() == TrialStatus.RUNNING && !t.reports().isEmpty()).count() == 4, Duration.ofSeconds(60));
            assertThat(state.trials()).as("four running on the four workers, two queued").hasSize(6)
                    .filteredOn(t -> t.status() == TrialStatus.QUEUED).hasSize(2);
            List<String> queued = state.trials().stream().filter(t -> t.status() == TrialStatus.QUEUED).map(TrialState::trialId).toList();
            long deadline = System.currentTimeMillis() + 30_000;
            while (pidsOf(pids).size() < 4 && System.currentTimeMillis() < deadline) {
                Thread.sleep(100);
            }
            List<Long> running = pidsOf(pids);
            assertThat(running).as("the running four's processes").hasSize(4).allMatch(EndToEndTest::alive);

            StringWriter out = new StringWriter();
            int exit = Tunelog.commandLine().setOut(new PrintWriter(out)).setErr(new PrintWriter(System.err, true))
                    .execute("cancel", id, "--reason", "enough seen", "--bootstrap-servers", PLATFORM.bootstrapServers());
            assertThat(exit).isZero();
            assertThat(out.toString()).contains("experiment " + id + " cancelled: 6 open trial(s) cancelled");

            // The queued two start once slots free up; the gate refuses their starts and stops them in turn (a STOP can
            // beat the process, which then never writes its pid).
            deadline = System.currentTimeMillis() + 60_000;
            while (System.currentTimeMillis() < deadline && (running.stream().anyMatch(EndToEndTest::alive)
                    || !queued.stream().allMatch(t -> rejections.stream().anyMatch(r -> t.equals(r.getTrialId()))))) {
                reader.follow(fold, rejections::add, e -> false, Duration.ofMillis(200));
            }
            assertThat(running).as("the running four stopped").noneMatch(EndToEndTest::alive);
            assertThat(queued).as("the queued two's starts refused").allSatisfy(t -> assertThat(rejections)
                    .anySatisfy(r -> assertThat(r.getTrialId()).isEqualTo(t)));
            reader.follow(fold, rejections::add, e -> false, Duration.ofSeconds(3));
            assertThat(pidsOf(pids)).as("whatever process the queued two began has ended too").noneMatch(EndToEndTest::alive);
        }
        assertThat(state.status()).isEqualTo(ExperimentStatus.CANCELLED);
        assertThat(state.cancellation().orElseThrow().reason()).isEqualTo("enough seen");
        assertThat(state.cancellation().orElseThrow().cancelledBy()).isEqualTo(System.getProperty("user.name"));
        assertThat(state.trials()).hasSize(6).allSatisfy(t -> assertThat(t.status()).isEqualTo(TrialStatus.CANCELLED));
        assertThat(state.anomalies()).isEmpty();
        assertThat(rejections).extracting(CommandRejected::getReason).as("everything sent after the cancellation")
                .containsOnly("experiment " + id + " is CANCELLED");
        List<String> afterCancel = events.stream().map(e -> e.event().payload())
                .dropWhile(p -> !(p instanceof EventPayload.ExperimentCancelled)).skip(1)
                .map(p -> p.getClass().getSimpleName()).toList();
        assertThat(afterCancel).as("nothing enters the log after the cancellation").isEmpty();
        AuditReport audit = Audit.withAllServices().run(ExperimentLog.fromKafka(PLATFORM.clients(), id));
        assertThat(audit.failures()).isEmpty();
        assertThat(audit.passed()).isTrue();

        StringWriter err = new StringWriter();
        int again = Tunelog.commandLine().setOut(new PrintWriter(new StringWriter())).setErr(new PrintWriter(err))
                .execute("cancel", id, "--bootstrap-servers", PLATFORM.bootstrapServers());
        assertThat(again).isEqualTo(Tunelog.BAD_INPUT);
        assertThat(err.toString()).contains("experiment " + id + " is CANCELLED");
    }

    private static boolean alive(long pid) {
        return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
    }

    private static List<Long> pidsOf(Path dir) throws java.io.IOException {
        try (var files = Files.list(dir)) {
            return files.map(f -> {
                try {
                    return Long.parseLong(Files.readString(f).strip());
                } catch (java.io.IOException | NumberFormatException e) {
                    return -1L; // still being written
                }
            }).filter(pid -> pid > 0).toList();
        }
    }

    @Test
    void shouldRefuseReportFromStaleAttempt() throws Exception {
        SpecFile spec = spec("""
                name: e2e-stale
                metric: {name: score, mode: max}
                budget: {trials: 1, concurrent: 1}
                searchSpace:
                  x: {uniform: [0, 1]}
                trial:
                  trainable: io.tunelog.cli.FlakyTrainable
                  maxFailures: 1
                """);
        String id = "stale-" + System.nanoTime();
        ExperimentFollower.submit(PLATFORM.clients(), id, spec);
        List<CommandRejected> rejections = new CopyOnWriteArrayList<>();
        List<LoggedEvent> events = new ArrayList<>();
        boolean sent = false;
        try (LogReader reader = new LogReader(PLATFORM.clients(), id);
             KafkaProducer<String, byte[]> zombie = PLATFORM.clients().producer("zombie-worker", null)) {
            // Follow the log; once attempt 2 is queued, a zombie of attempt 1 reports.
            ExperimentState state = new ExperimentState(id);
            boolean[] attempt2Queued = {false};
            reader.follow(e -> {
                events.add(e);
                state.apply(e);
                if (e.event().payload() instanceof EventPayload.TrialQueued q && q.attempt() == 2) {
                    attempt2Queued[0] = true;
                }
            }, rejections::add, e -> attempt2Queued[0], Duration.ofSeconds(60));
            assertThat(attempt2Queued[0]).as("attempt 2 queued").isTrue();
            String trialId = state.trials().iterator().next().trialId();
            WorkerReport stale = new WorkerReport(id, trialId, 1, "zombie", Instant.now(),
                    EventCodec.payloadToAvro(new EventPayload.TrialReported(1, 99, Map.of("score", 100.0), null)), false);
            zombie.send(new ProducerRecord<>(Topics.REPORTS, id, AvroBytes.encode(stale))).get();
            sent = true;
            reader.follow(e -> {
                events.add(e);
                state.apply(e);
            }, rejections::add, e -> state.status().isFinished(), Duration.ofSeconds(60));
            assertThat(state.status()).isEqualTo(ExperimentStatus.COMPLETED);
            assertThat(state.anomalies()).isEmpty();
            assertThat(state.best().orElseThrow().value()).as("the zombie's 100.0 never counted").isEqualTo(0.6, org.assertj.core.data.Offset.offset(1e-9));
            assertAuditPasses(id, state, PLATFORM.storage());
        }
        assertThat(sent).isTrue();
        assertThat(rejections).extracting(CommandRejected::getReason)
                .anySatisfy(r -> assertThat(r).contains("stale attempt 1").contains("current attempt is 2"));
        assertThat(events.stream().map(e -> e.event().payload())
                .filter(p -> p instanceof EventPayload.TrialReported r && r.step() == 99).collect(Collectors.toList())).isEmpty();
    }
}
