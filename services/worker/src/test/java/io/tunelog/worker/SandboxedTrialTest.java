package io.tunelog.worker;

import static io.tunelog.worker.OneAttempt.kinds;
import static org.assertj.core.api.Assertions.assertThat;

import io.tunelog.avro.Assignment;
import io.tunelog.avro.TrialAction;
import io.tunelog.avro.TrialControl;
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
import java.util.Optional;
import java.util.UUID;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A hostile trial on a real worker, on a real broker: it tries to read the worker's Kafka client config and key file,
 * to write beside its own directories (another trial's, the worker's storage, /etc) and to see and signal the worker.
 * Under {@code --sandbox} each fails; the same trial on a worker without it reads both files and sees the worker.
 *
 * <p>Needs bubblewrap; without it (or where it cannot run) the test is skipped and says why, unless
 * {@code TUNELOG_SANDBOX_TESTS=required} (CI) makes that a failure.
 */
class SandboxedTrialTest {
    @RegisterExtension
    static final KafkaBrokerExtension KAFKA = new KafkaBrokerExtension();

    static final String PYTHON = "/usr/bin/python3";
    static final String TRIAL = "trial-00000";

    /**
     * Reports, as 1 or 0, what it managed: argv = mode (sandboxed, open), worker pid, client config, key file, another
     * trial's directory, the worker's storage, a marker file for /etc. A sandboxed run also sends the worker a TERM.
     */
    static final String HOSTILE = """
            import json, os, signal, sys
            mode, pid, config, key, other, storage, etc = sys.argv[1], int(sys.argv[2]), *sys.argv[3:]
            secret = os.environ.get("SECRET_MARK", "")
            def reads(path, mark):
                try:
                    with open(path) as f:
                        return 1.0 if mark in f.read() else 0.0
                except OSError:
                    return 0.0
            def writes(path):
                try:
                    with open(path, "w") as f:
                        f.write("pwned")
                    return 1.0
                except OSError:
                    return 0.0
            def signals(sig):
                try:
                    os.kill(pid, sig)
                    return 1.0
                except OSError:
                    return 0.0
            seen = {
                "read_config": reads(config, "s3cret"),
                "read_key": reads(key, "PRIVATE KEY"),
                "wrote_other_trial": writes(os.path.join(other, "model.bin")),
                "wrote_storage": writes(os.path.join(storage, "pwned")),
                "worker_in_proc": 1.0 if str(pid) in os.listdir("/proc") else 0.0,
                "signalled_worker_0": signals(0),
                "wrote_own": writes(os.path.join(os.environ["TUNELOG_CHECKPOINT_DIR"], "model.bin")),
            }
            if mode == "sandboxed":
                # Unsandboxed, these would succeed for a root test run: no /etc file, and no TERM to the test's own JVM.
                seen["wrote_etc"] = writes(etc)
                seen["signalled_worker_term"] = signals(signal.SIGTERM)
            print(json.dumps({"step": 1, **seen}), flush=True)
            """;

    static Path base;
    static Path workerFiles;
    static KafkaClients clients;
    static KafkaProducer<String, byte[]> scheduler;

    @BeforeAll
    static void start() throws Exception {
        // Under the build directory, not /tmp: the sandbox empties /tmp anyway, and must be seen hiding these itself.
        base = Files.createDirectories(Path.of("target", "sandboxed-trial-test-" + UUID.randomUUID()).toAbsolutePath());
        workerFiles = Files.createDirectories(base.resolve("worker"));
        clients = KafkaClients.of(KAFKA.bootstrapServers());
        try (Admin admin = clients.admin()) {
            Topics.ensure(admin, new Topics.Layout(1, (short) 1));
        }
        scheduler = clients.producer("test-scheduler", null);
    }

    @AfterAll
    static void stop() {
        if (scheduler != null) {
            scheduler.close();
        }
    }

    @Test
    void shouldKeepAHostileTrialFromTheWorkersSecretsOtherDirectoriesAndProcess() throws Exception {
        Path bwrap = usableBwrap();
        // As `tunelog worker --client-config client.properties` is configured: its SASL password in the file; a key beside it.
        Path config = Files.writeString(workerFiles.resolve("client.properties"), "security.protocol=PLAINTEXT\n"
                + "# sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username=\"w\" password=\"s3cret\";\n");
        Path key = Files.writeString(workerFiles.resolve("worker.key"), "-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEI\n");
        Path storage = base.resolve("storage");
        Path other = Files.createDirectories(storage.resolve("other-experiment").resolve(TRIAL).resolve("a1"));
        Path etc = Path.of("/etc", "tunelog-sandbox-test-" + UUID.randomUUID());
        Sandbox configured = new Sandbox(bwrap, List.of(config, key), true, Sandbox.gpuDevices(Path.of("/dev")));

        Map<String, Double> sandboxed;
        List<WorkerReport> jvm;
        try (WorkerAgent worker = worker("w-sandboxed", storage, configured)) {
            sandboxed = metrics(run(worker, "sandboxed", hostile("sandboxed", config, key, other, storage, etc), null));
            jvm = run(worker, "sandboxed-jvm", List.of(), OneStepTrainable.class.getName());
        }
        Map<String, Double> open;
        try (WorkerAgent worker = worker("w-open", storage, null)) {
            open = metrics(run(worker, "open", hostile("open", config, key, other, storage, etc), null));
        }

        assertThat(sandboxed).as("sandboxed").containsEntry("read_config", 0.0).containsEntry("read_key", 0.0)
                .containsEntry("wrote_other_trial", 0.0).containsEntry("wrote_storage", 0.0).containsEntry("wrote_etc", 0.0)
                .containsEntry("worker_in_proc", 0.0).containsEntry("signalled_worker_0", 0.0).containsEntry("signalled_worker_term", 0.0)
                .containsEntry("wrote_own", 1.0);
        assertThat(etc).as("/etc, untouched").doesNotExist();
        assertThat(open).as("the same trial unsandboxed").containsEntry("read_config", 1.0).containsEntry("read_key", 1.0)
                .containsEntry("wrote_other_trial", 1.0).containsEntry("worker_in_proc", 1.0).containsEntry("signalled_worker_0", 1.0)
                .containsEntry("wrote_own", 1.0);
        assertThat(kinds(jvm)).containsExactly("TrialStarted", "TrialFailed");
        TrialFailed refused = (TrialFailed) jvm.get(1).getPayload();
        assertThat(refused.getError()).isEqualTo("worker w-sandboxed runs trials in a sandbox (--sandbox) and does not run JVM trainable "
                + OneStepTrainable.class.getName() + ": it would run inside the worker, out of the sandbox's reach; give the trial a command");
        assertThat(refused.getRetryable()).as("retryable").isFalse();
    }

    // Saves on TERM, taking a second as a checkpoint would, within the worker's grace; says when its handler is in place.
    private static final String SAVES_ON_TERM = """
            import os, signal, sys, time
            d = os.environ["TUNELOG_CHECKPOINT_DIR"]
            def save(*_):
                time.sleep(1)
                open(os.path.join(d, "saved"), "w").write("1")
                sys.exit(0)
            signal.signal(signal.SIGTERM, save)
            open(os.path.join(d, "ready"), "w").write("1")
            time.sleep(60)
            """;

    @Test
    void shouldGiveAStoppedSandboxedTrialItsGraceToSave() throws Exception {
        Path storage = base.resolve("storage-grace");
        String experiment = "sandboxed-stop";
        Path attemptDir = storage.resolve(experiment).resolve(TRIAL).resolve("a1");
        try (WorkerAgent worker = worker("w-grace", storage, new Sandbox(usableBwrap(), List.of(), true, List.of()))) {
            Assignment assignment = new Assignment(experiment, TRIAL, 1, Map.of(), List.of(PYTHON, "-c", SAVES_ON_TERM), null, null,
                    "score", null, null, null, 1, 0);
            scheduler.send(new ProducerRecord<>(Topics.ASSIGNMENTS, TRIAL, AvroBytes.encode(assignment))).get();
            awaitTrue(() -> Files.exists(attemptDir.resolve("ready")), "the trial started");

            scheduler.send(new ProducerRecord<>(Topics.CONTROL, experiment, AvroBytes.encode(
                    new TrialControl(experiment, TRIAL, 1, TrialAction.STOP, "test stop", "w-grace", null, null)))).get();
            awaitTrue(() -> worker.runningAttempts() == 0, "the attempt ended");
        }
        assertThat(attemptDir.resolve("saved")).as("written by the trial's TERM handler, inside the sandbox").exists();
    }

    private static void awaitTrue(java.util.function.BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.currentTimeMillis() + 30_000;
        while (!condition.getAsBoolean()) {
            if (System.currentTimeMillis() > deadline) {
                throw new AssertionError("within 30 s: " + what);
            }
            Thread.sleep(100);
        }
    }

    // ---- helpers ----

    private static WorkerAgent worker(String id, Path storage, Sandbox trialSandbox) {
        return new WorkerAgent(clients, new WorkerAgent.Settings(id, "localhost", 1, storage, base.resolve("logs"), null,
                WorkerAgent.Settings.DEFAULT_MAX_OUTPUT_BYTES).withSandbox(trialSandbox)).start();
    }

    private static List<String> hostile(String mode, Path config, Path key, Path other, Path storage, Path etc) {
        return List.of(PYTHON, "-c", HOSTILE, mode, Long.toString(ProcessHandle.current().pid()), config.toString(), key.toString(),
                other.toString(), storage.toString(), etc.toString());
    }

    private static List<WorkerReport> run(WorkerAgent worker, String experiment, List<String> command, String trainable) throws Exception {
        Assignment assignment = new Assignment(experiment, TRIAL, 1, Map.of(), command, trainable, null, "score", null, null, null, 1, 0);
        return OneAttempt.run(clients, scheduler, worker, assignment);
    }

    /** What the trial reported it managed, each 1 or 0. */
    private static Map<String, Double> metrics(List<WorkerReport> reports) {
        assertThat(kinds(reports)).containsExactly("TrialStarted", "TrialReported", "TrialCompleted");
        return ((TrialReported) reports.get(1).getPayload()).getMetrics();
    }

    /** A bwrap that runs here, or the test is skipped saying why (failed, when CI requires it). */
    private static Path usableBwrap() {
        Optional<Path> found = Sandbox.findBwrap(System.getenv("PATH"));
        String problem = found.isEmpty() ? "no bwrap on PATH (Debian: apt-get install bubblewrap)"
                : new Sandbox(found.get(), List.of(), true, List.of()).problem().map(p -> "bwrap cannot run here: " + p).orElse(null);
        if (problem != null && "required".equals(System.getenv("TUNELOG_SANDBOX_TESTS"))) {
            throw new AssertionError(problem + "; TUNELOG_SANDBOX_TESTS=required");
        }
        Assumptions.assumeTrue(problem == null, problem);
        return found.orElseThrow();
    }
}
