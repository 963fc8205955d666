package io.tunelog.worker;

import static io.tunelog.worker.OneAttempt.kinds;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tunelog.avro.Assignment;
import io.tunelog.avro.CheckpointRegistered;
import io.tunelog.avro.TrialCompleted;
import io.tunelog.avro.TrialFailed;
import io.tunelog.avro.TrialReported;
import io.tunelog.avro.WorkerReport;
import io.tunelog.codec.AvroBytes;
import io.tunelog.kafka.KafkaClients;
import io.tunelog.kafka.Topics;
import io.tunelog.kafka.testing.KafkaBrokerExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * An assignment is untrusted input: whatever its parameter values hold reaches the trial verbatim and never a shell, the
 * trial sees only the allowed part of the worker's environment, a worker with allow-lists runs nothing else, and a trial
 * registers no checkpoint outside its own directory. A real worker takes each assignment from the real queue and
 * reports to the real reports topic.
 */
class WorkerHostileInputTest {
    @RegisterExtension
    static final KafkaBrokerExtension KAFKA = new KafkaBrokerExtension();

    static final String PYTHON = "/usr/bin/python3";
    static final String WORKER = "w-hostile";
    static final String TRIAL = "trial-00000";
    static final TrialPolicy POLICY = new TrialPolicy(List.of(), List.of(PYTHON), List.of(OneStepTrainable.class.getName()));
    static final ObjectMapper JSON = new ObjectMapper();

    /** Copies the configuration file it is given and its environment to the directory named by its argument, then reports. */
    static final String COPY_CONFIG = """
            import json, os, shutil, sys
            out = sys.argv[1]
            os.makedirs(out, exist_ok=True)
            shutil.copyfile(os.environ["TUNELOG_CONFIG_FILE"], os.path.join(out, "config.json"))
            with open(os.path.join(out, "environ.json"), "w", encoding="utf-8") as f:
                json.dump(dict(os.environ), f)
            print(json.dumps({"step": 1, "score": 1.0}), flush=True)
            """;

    @TempDir
    static Path dir;

    static KafkaClients clients;
    static WorkerAgent worker;
    static KafkaProducer<String, byte[]> scheduler;

    @BeforeAll
    static void startWorker() throws Exception {
        clients = KafkaClients.of(KAFKA.bootstrapServers());
        try (Admin admin = clients.admin()) {
            Topics.ensure(admin, new Topics.Layout(1, (short) 1));
        }
        worker = new WorkerAgent(clients, new WorkerAgent.Settings(WORKER, "localhost", 2, dir.resolve("storage"), dir.resolve("logs"),
                null, WorkerAgent.Settings.DEFAULT_MAX_OUTPUT_BYTES).withPolicy(POLICY)).start();
        scheduler = clients.producer("test-scheduler", null);
    }

    @AfterAll
    static void stopWorker() {
        worker.close();
        scheduler.close();
    }

    /** Values a shell would run, split or choke on; a key too. */
    private static Map<String, Object> hostileConfig(Path scratch) {
        Map<String, Object> config = new TreeMap<>();
        config.put("subshell", "$(touch " + scratch.resolve("pwned1") + ")");
        config.put("chained", "; touch " + scratch.resolve("pwned2") + "; rm -rf " + scratch.resolve("canary"));
        config.put("backticks", "`touch " + scratch.resolve("pwned3") + "`");
        config.put("quotes", "line one\nline \"two\"\r\n'three' \\ \t$HOME %s {} ${PATH}");
        config.put("unicode", "héllo wörld, 日本語, emoji 🚀, nul \u0000 end");
        config.put("flag", "--help");
        config.put("$(touch " + scratch.resolve("pwned4") + ")", 0.5);
        config.put("lr", 0.001);
        return config;
    }

    @Test
    void shouldHandHostileValuesToTheTrialVerbatimAndNeverToAShell() throws Exception {
        Path scratch = Files.createDirectories(dir.resolve("scratch-hostile"));
        Files.createDirectories(scratch.resolve("canary"));
        Path out = dir.resolve("out-hostile");
        Map<String, Object> config = hostileConfig(scratch);

        List<WorkerReport> reports = run("hostile", List.of(PYTHON, "-c", COPY_CONFIG, out.toString()), null, config);

        assertThat(kinds(reports)).containsExactly("TrialStarted", "TrialReported", "TrialCompleted");
        assertThat(JSON.readValue(out.resolve("config.json").toFile(), new TypeReference<Map<String, Object>>() {}))
                .as("TUNELOG_CONFIG_FILE").isEqualTo(config);
        Map<String, String> environ = environ(out);
        assertThat(JSON.readValue(environ.get("TUNELOG_CONFIG"), new TypeReference<Map<String, Object>>() {}))
                .as("TUNELOG_CONFIG, small enough for the environment").isEqualTo(config);
        assertThat(environ.get("TUNELOG_CONFIG")).as("ASCII, whatever the locale").matches("\\p{ASCII}*");
        assertUntouched(scratch);
    }

    @Test
    void shouldPassAMegabyteValueInTheConfigFileAlone() throws Exception {
        Path scratch = Files.createDirectories(dir.resolve("scratch-huge"));
        Files.createDirectories(scratch.resolve("canary"));
        Path out = dir.resolve("out-huge");
        Map<String, Object> config = hostileConfig(scratch);
        StringBuilder big = new StringBuilder(1_000_000);
        while (big.length() < 1_000_000) {
            big.append("0123456789abcdefghijklmnopqrstuvwxyz$`'\"\\;|&\n");
        }
        big.setLength(1_000_000);
        config.put("big", big.toString());
        List<String> command = List.of(PYTHON, "-c", COPY_CONFIG, out.toString());
        // Kafka's default limit on a record (max.request.size, message.max.bytes) is 1 MiB; the batch around it takes a little more.
        assertThat(AvroBytes.encode(new Assignment("huge", TRIAL, 1, config, command, null, null, "score", null, null, null, 1, 0)).length)
                .as("the assignment's encoded size").isLessThan(1024 * 1024 - 4096);

        List<WorkerReport> reports = run("huge", command, null, config);

        assertThat(kinds(reports)).as("started, where a megabyte in one environment variable failed exec")
                .containsExactly("TrialStarted", "TrialReported", "TrialCompleted");
        assertThat(JSON.readValue(out.resolve("config.json").toFile(), new TypeReference<Map<String, Object>>() {}))
                .as("TUNELOG_CONFIG_FILE").isEqualTo(config);
        assertThat(environ(out)).as("too large for the environment").doesNotContainKey("TUNELOG_CONFIG").containsKey("TUNELOG_CONFIG_FILE");
        assertUntouched(scratch);
    }

    @Test
    void shouldGiveTheTrialOnlyTheAllowedPartOfTheWorkersEnvironment() throws Exception {
        // The worker's environment is this JVM's, which a test cannot change: take a variable it has that is not allowed.
        String notAllowed = System.getenv().containsKey("JAVA_HOME") ? "JAVA_HOME"
                : System.getenv().keySet().stream().filter(n -> !POLICY.passes(n) && !n.startsWith("TUNELOG_")).sorted().findFirst().orElse(null);
        Assumptions.assumeTrue(notAllowed != null, "the test JVM has no variable outside the allow-list");
        Path out = dir.resolve("out-env");

        List<WorkerReport> reports = run("env", List.of(PYTHON, "-c", COPY_CONFIG, out.toString()), null, Map.of("x", 1.0));

        assertThat(kinds(reports)).containsExactly("TrialStarted", "TrialReported", "TrialCompleted");
        Map<String, String> environ = environ(out);
        assertThat(environ).as("a variable of the worker outside the allow-list").doesNotContainKey(notAllowed);
        assertThat(environ).containsEntry("PATH", System.getenv("PATH"));
        Set<String> setByWorker = Set.of("TUNELOG_CONFIG", "TUNELOG_CONFIG_FILE", "TUNELOG_CHECKPOINT_DIR", "TUNELOG_EXPERIMENT_ID",
                "TUNELOG_TRIAL_ID", "TUNELOG_ATTEMPT", "PYTHONUNBUFFERED");
        assertThat(environ.keySet()).as("only allowed variables and the trial's own").allMatch(n -> POLICY.passes(n) || setByWorker.contains(n));
        assertThat(environ).containsEntry("TUNELOG_EXPERIMENT_ID", "env").containsEntry("TUNELOG_TRIAL_ID", TRIAL);
    }

    @Test
    void shouldRefuseACommandOutsideItsAllowListWithoutRunningIt() throws Exception {
        Path scratch = Files.createDirectories(dir.resolve("scratch-allow"));

        List<WorkerReport> shell = run("sh", List.of("/bin/sh", "-c", "touch " + scratch.resolve("pwned-sh")), null, Map.of());
        List<WorkerReport> unresolved = run("python3", List.of("python3", "-c", "print(1)"), null, Map.of());

        assertThat(kinds(shell)).containsExactly("TrialStarted", "TrialFailed");
        assertNotRetryable(shell, "worker w-hostile does not run /bin/sh: not in its --allow-command list");
        assertThat(scratch.resolve("pwned-sh")).doesNotExist();
        assertNotRetryable(unresolved, "worker w-hostile does not run python3: not in its --allow-command list");
    }

    @Test
    void shouldRunOnlyTheTrainablesInItsAllowList() throws Exception {
        List<WorkerReport> refused = run("jvm-refused", List.of(), SilentTrainable.class.getName(), Map.of());
        List<WorkerReport> allowed = run("jvm-allowed", List.of(), OneStepTrainable.class.getName(), Map.of());

        assertNotRetryable(refused, "worker w-hostile does not run trainable io.tunelog.worker.SilentTrainable: not in its --allow-trainable list");
        assertThat(kinds(allowed)).containsExactly("TrialStarted", "TrialReported", "TrialCompleted");
    }

    @Test
    void shouldRegisterOnlyCheckpointsConfinedToTheAttemptsDirectory() throws Exception {
        Path outside = Files.createDirectories(dir.resolve("outside"));
        Files.writeString(outside.resolve("secret.txt"), "not the trial's");
        String trial = """
                import json, os, sys
                d = os.environ["TUNELOG_CHECKPOINT_DIR"]
                outside = sys.argv[1]
                def report(step, checkpoint):
                    print(json.dumps({"step": step, "score": step / 10, "checkpoint": checkpoint}), flush=True)
                elsewhere = os.path.join(os.path.dirname(d), "elsewhere")
                os.makedirs(elsewhere)
                open(os.path.join(elsewhere, "model.bin"), "w").write("x")
                report(1, "../elsewhere")
                os.symlink(outside, os.path.join(d, "linked"))
                report(2, "linked")
                holds = os.path.join(d, "holds_link")
                os.makedirs(os.path.join(holds, "data"))
                open(os.path.join(holds, "model.bin"), "w").write("weights")
                os.symlink(outside, os.path.join(holds, "data", "everything"))
                report(3, "holds_link")
                ok = os.path.join(d, "checkpoint_000004")
                os.makedirs(ok)
                open(os.path.join(ok, "model.bin"), "w").write("0123456789")
                os.symlink("model.bin", os.path.join(ok, "latest"))
                report(4, "checkpoint_000004")
                """;

        List<WorkerReport> reports = run("confined", List.of(PYTHON, "-c", trial, outside.toString()), null, Map.of());

        assertThat(kinds(reports)).containsExactly("TrialStarted", "TrialReported", "TrialReported", "TrialReported", "TrialReported",
                "CheckpointRegistered", "TrialCompleted");
        assertThat(reports).filteredOn(r -> r.getPayload() instanceof TrialReported).as("each report counts, its checkpoint or not")
                .extracting(r -> ((TrialReported) r.getPayload()).getStep()).containsExactly(1L, 2L, 3L, 4L);
        CheckpointRegistered registered = (CheckpointRegistered) reports.get(5).getPayload();
        assertThat(registered.getCheckpointId()).isEqualTo(TRIAL + "/a1/checkpoint_000004");
        assertThat(registered.getStep()).isEqualTo(4L);
        assertThat(registered.getSizeBytes()).as("its file; a link inside is not counted").isEqualTo(10L);
        assertThat(registered.getUri()).endsWith("/confined/" + TRIAL + "/a1/checkpoint_000004/");

        Path attemptDir = dir.resolve("storage").resolve("confined").resolve(TRIAL).resolve("a1").toAbsolutePath();
        assertThat(Files.readAllLines(dir.resolve("logs").resolve("confined").resolve(TRIAL).resolve("attempt-1").resolve("stdout.log")))
                .containsExactly(
                        "[tunelog] refused checkpoint: ../elsewhere is not inside the attempt's checkpoint directory (TUNELOG_CHECKPOINT_DIR "
                                + attemptDir + "); nothing is registered",
                        "[tunelog] refused checkpoint: linked leads outside the attempt's checkpoint directory (TUNELOG_CHECKPOINT_DIR "
                                + attemptDir + ") through a symbolic link, to " + outside.toRealPath() + "; nothing is registered",
                        "[tunelog] refused checkpoint: holds_link holds data/everything, a symbolic link leading outside the attempt's "
                                + "checkpoint directory, to " + outside.toRealPath() + "; nothing is registered");
        assertThat(outside.resolve("secret.txt")).hasContent("not the trial's");
    }

    // ---- helpers ----

    /** Queues one attempt of a fresh experiment and returns its reports, up to the one that ends it. */
    private static List<WorkerReport> run(String experiment, List<String> command, String trainable, Map<String, Object> config)
            throws Exception {
        Assignment assignment = new Assignment(experiment, TRIAL, 1, config, command, trainable, null, "score", null, null, null, 1, 0);
        return OneAttempt.run(clients, scheduler, worker, assignment);
    }



    private static void assertNotRetryable(List<WorkerReport> reports, String reason) {
        assertThat(kinds(reports)).containsExactly("TrialStarted", "TrialFailed");
        TrialFailed failed = (TrialFailed) reports.get(1).getPayload();
        assertThat(failed.getError()).isEqualTo(reason);
        assertThat(failed.getRetryable()).as("retryable").isFalse();
    }

    private static Map<String, String> environ(Path out) throws Exception {
        return JSON.readValue(out.resolve("environ.json").toFile(), new TypeReference<Map<String, String>>() {});
    }

    /** No value was run by a shell: nothing was created, nothing removed. */
    private static void assertUntouched(Path scratch) throws Exception {
        try (var files = Files.list(scratch)) {
            assertThat(files.map(p -> p.getFileName().toString())).containsExactly("canary");
        }
    }
}
