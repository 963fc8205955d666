package io.tunelog.worker;

import static io.tunelog.worker.OneAttempt.kinds;
import static org.assertj.core.api.Assertions.assertThat;

import io.tunelog.avro.Assignment;
import io.tunelog.avro.TrialCompleted;
import io.tunelog.avro.TrialFailed;
import io.tunelog.avro.TrialReported;
import io.tunelog.avro.WorkerReport;
import io.tunelog.kafka.KafkaClients;
import io.tunelog.kafka.Topics;
import io.tunelog.kafka.testing.KafkaBrokerExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Trials that misbehave end as a retryable {@code TrialFailed} whose reason says what happened, and leave no
 * process behind. A real worker takes each assignment from the real queue and reports to the real reports topic.
 */
class WorkerPoisonTest {
    @RegisterExtension
    static final KafkaBrokerExtension KAFKA = new KafkaBrokerExtension();

    /** The worker's stdout limit here: small, so a flood is quick. */
    static final long MAX_OUTPUT = 512 * 1024;
    static final String PYTHON = "/usr/bin/python3";
    static final String TRIAL = "trial-00000";

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
        worker = new WorkerAgent(clients, new WorkerAgent.Settings("w-poison", "localhost", 2, dir, dir, null, MAX_OUTPUT)).start();
        scheduler = clients.producer("test-scheduler", null);
    }

    @AfterAll
    static void stopWorker() {
        worker.close();
        scheduler.close();
    }

    @Test
    void shouldFailAnAttemptWhoseCommandIsNotFoundNamingTheCommand() throws Exception {
        List<WorkerReport> reports = run("not-found", List.of("/nonexistent/tunelog-trainer", "--epochs", "3"), null, null);

        assertThat(kinds(reports)).containsExactly("TrialStarted", "TrialFailed");
        assertFailed(reports, "cannot start /nonexistent/tunelog-trainer: error=2, No such file or directory");
    }

    @Test
    void shouldFailANonZeroExitWithTheCodeAndTheLastLineOfStderr() throws Exception {
        String trial = """
                import json, os, sys
                open(os.path.join(os.environ["TUNELOG_CHECKPOINT_DIR"], "pid"), "w").write(str(os.getpid()))
                print(json.dumps({"step": 1, "score": 0.5}), flush=True)
                print("loading data", file=sys.stderr)
                print("ValueError: learning rate must be positive", file=sys.stderr)
                sys.exit(3)
                """;

        List<WorkerReport> reports = run("exit-3", List.of(PYTHON, "-c", trial), null, null);

        assertThat(kinds(reports)).containsExactly("TrialStarted", "TrialReported", "TrialFailed");
        assertFailed(reports, "exit code 3: ValueError: learning rate must be positive");
        assertThat(((TrialFailed) reports.get(2).getPayload()).getPreempted()).as("preempted").isFalse();
        assertGone(pid("exit-3", "pid"));
    }

    @Test
    void shouldReportATrialEndedBySigtermFromOutsideTheWorkerAsPreempted() throws Exception {
        // What scancel does: SIGTERM to every process of the job, the trial included, maybe before the worker itself.
        String trial = """
                import json, os, signal
                print(json.dumps({"step": 1, "score": 0.5}), flush=True)
                os.kill(os.getpid(), signal.SIGTERM)
                """;

        List<WorkerReport> reports = run("sigterm", List.of(PYTHON, "-c", trial), null, null);

        assertThat(kinds(reports)).containsExactly("TrialStarted", "TrialReported", "TrialFailed");
        assertFailed(reports, "exit code 143 (SIGTERM from outside the worker: preempted)");
        assertThat(((TrialFailed) reports.get(2).getPayload()).getPreempted()).as("preempted").isTrue();
    }

    @Test
    void shouldEndAChildThatStopsReportingAndItsDescendantsEvenOneThatIgnoresTerm() throws Exception {
        // Reports every 0.5 s, within the 1 s timeout, then goes quiet. Its child ignores TERM and holds stdout open.
        String trial = """
                import json, os, subprocess, sys, time
                d = os.environ["TUNELOG_CHECKPOINT_DIR"]
                open(os.path.join(d, "pid"), "w").write(str(os.getpid()))
                grandchild = os.path.join(d, "grandchild")
                subprocess.Popen([sys.executable, "-c",
                    "import os, signal, sys, time\\n"
                    "signal.signal(signal.SIGTERM, signal.SIG_IGN)\\n"
                    "open(sys.argv[1] + '.tmp', 'w').write(str(os.getpid()))\\n"
                    "os.rename(sys.argv[1] + '.tmp', sys.argv[1])\\n"
                    "time.sleep(60)\\n", grandchild])
                while not os.path.exists(grandchild):
                    time.sleep(0.02)
                for step in (1, 2, 3):
                    print(json.dumps({"step": step, "score": step / 10}), flush=True)
                    time.sleep(0.5)
                time.sleep(60)
                """;
        long started = System.nanoTime();

        List<WorkerReport> reports = run("hangs", List.of(PYTHON, "-c", trial), null, 1);

        assertThat(kinds(reports)).containsExactly("TrialStarted", "TrialReported", "TrialReported", "TrialReported", "TrialFailed");
        assertThat(reports).filteredOn(r -> r.getPayload() instanceof TrialReported)
                .extracting(r -> ((TrialReported) r.getPayload()).getStep()).as("a report restarts the clock").containsExactly(1L, 2L, 3L);
        assertFailed(reports, "no report for 1 s since step 3 (trial.reportTimeoutSeconds)");
        assertGone(pid("hangs", "pid"));
        assertGone(pid("hangs", "grandchild"));
        assertThat(Duration.ofNanos(System.nanoTime() - started)).as("KILLed after the grace, not left for the minute it sleeps")
                .isBetween(TrialAttempt.STOP_GRACE, Duration.ofSeconds(30));
    }

    @Test
    void shouldGiveUpOnAJvmTrainableThatNeverReports() throws Exception {
        List<WorkerReport> reports = run("jvm-silent", List.of(), SilentTrainable.class.getName(), 1);

        assertThat(kinds(reports)).containsExactly("TrialStarted", "TrialFailed");
        assertFailed(reports, "no report for 1 s since the start (trial.reportTimeoutSeconds)");
        assertThat(SilentTrainable.INTERRUPTED.await(5, TimeUnit.SECONDS)).as("its thread was interrupted").isTrue();
        SilentTrainable.THREAD.get().join(5000);
        assertThat(SilentTrainable.THREAD.get().isAlive()).as("its thread ended").isFalse();
    }

    @Test
    void shouldEndAChildThatFloodsStdoutAndCapItsLog() throws Exception {
        String trial = """
                import os
                open(os.path.join(os.environ["TUNELOG_CHECKPOINT_DIR"], "pid"), "w").write(str(os.getpid()))
                line = "x" * 999
                while True:
                    print(line)
                """;

        List<WorkerReport> reports = run("flood", List.of(PYTHON, "-c", trial), null, null);

        assertThat(kinds(reports)).containsExactly("TrialStarted", "TrialFailed");
        assertFailed(reports, "stdout flood: more than " + MAX_OUTPUT + " bytes on stdout (the worker's limit, tunelog worker --max-output-bytes)");
        assertGone(pid("flood", "pid"));
        long logged = Files.size(logDir("flood").resolve("stdout.log"));
        assertThat(logged).as("stdout.log holds what came within the limit and no more").isBetween(MAX_OUTPUT - 1000, MAX_OUTPUT);
    }

    @Test
    void shouldEndAChildThatFloodsStderrAndCapItsLog() throws Exception {
        // 100 MB on stderr, then a clean exit: without a cap it all lands in stderr.log and the trial "completes".
        String trial = "echo $$ > \"$TUNELOG_CHECKPOINT_DIR/pid\"; yes 'an error, again' | head -c 104857600 >&2; exit 0";

        List<WorkerReport> reports = run("stderr-flood", List.of("/bin/sh", "-c", trial), null, null);

        assertThat(kinds(reports)).containsExactly("TrialStarted", "TrialFailed");
        assertFailed(reports, "stderr flood: more than " + MAX_OUTPUT + " bytes on stderr (the worker's limit, tunelog worker --max-output-bytes)");
        assertGone(pid("stderr-flood", "pid"));
        assertThat(Files.size(logDir("stderr-flood").resolve("stderr.log"))).as("stderr.log holds what came within the limit and no more")
                .isBetween(MAX_OUTPUT - 1000, MAX_OUTPUT);
    }

    @Test
    void shouldEndADescendantThatOutlivesTheTrialHoldingItsStdoutAndNotWaitForIt() throws Exception {
        // The shell reports, leaves a sleep behind that holds its stdout, and exits: the trial is over.
        String trial = "echo '{\"step\": 1, \"score\": 0.5}'; sleep 1000 & echo $! > \"$TUNELOG_CHECKPOINT_DIR/sleeper\"; exit 0";
        long started = System.nanoTime();

        List<WorkerReport> reports = run("orphan", List.of("/bin/sh", "-c", trial), null, null);

        assertThat(kinds(reports)).containsExactly("TrialStarted", "TrialReported", "TrialCompleted");
        assertGone(pid("orphan", "sleeper"));
        assertThat(Duration.ofNanos(System.nanoTime() - started)).as("not waiting on the sleeper's open stdout")
                .isLessThan(Duration.ofSeconds(20));
    }

    @Test
    void shouldEndWithAStoppedTrialAProcessThatLeftItsTreeButNotItsGroup() throws Exception {
        // A subshell starts the sleep and exits at once, so the sleep is nobody's descendant; then the trial goes quiet.
        String trial = "(sleep 1000 & echo $! > \"$TUNELOG_CHECKPOINT_DIR/sleeper\"); echo '{\"step\": 1, \"score\": 0.5}'; exec sleep 1000";

        List<WorkerReport> reports = run("double-fork", List.of("/bin/sh", "-c", trial), null, 1);

        assertThat(kinds(reports)).containsExactly("TrialStarted", "TrialReported", "TrialFailed");
        assertFailed(reports, "no report for 1 s since step 1 (trial.reportTimeoutSeconds)");
        assertGone(pid("double-fork", "sleeper"));
    }

    @Test
    void shouldKeepOnlyTheHeadOfOverlongLinesAndNeverTakeOneAsAReport() throws Exception {
        // A long plain line, a valid report padded past the line limit, a good report, and a long line with no line break.
        String trial = """
                import json, sys
                sys.stdout.write("p" * 100000 + "\\n")
                sys.stdout.write('{"step": 1, "score": 0.1' + " " * 80000 + "}\\n")
                sys.stdout.write(json.dumps({"step": 2, "score": 0.2}) + "\\n")
                sys.stdout.write("{" + "9" * 200000)
                """;

        List<WorkerReport> reports = run("long-lines", List.of(PYTHON, "-c", trial), null, null);

        assertThat(kinds(reports)).containsExactly("TrialStarted", "TrialReported", "TrialCompleted");
        assertThat(((TrialReported) reports.get(1).getPayload()).getStep()).isEqualTo(2L);
        List<String> log = Files.readAllLines(logDir("long-lines").resolve("stdout.log"));
        assertThat(log).containsExactly(
                "p".repeat(ReportLine.MAX_LENGTH),
                "[tunelog] the line above had 100000 bytes; only the first 65536 are kept",
                "[tunelog] refused report line: report line of 80025 bytes exceeds 65536",
                "[tunelog] refused report line: report line of 200001 bytes exceeds 65536");
    }

    // ---- helpers ----

    /** Queues one attempt of a fresh experiment and returns its reports, up to the one that ends it. */
    private static List<WorkerReport> run(String experiment, List<String> command, String trainable, Integer reportTimeoutSeconds)
            throws Exception {
        Assignment assignment = new Assignment(experiment, TRIAL, 1, Map.of("x", 1.0), command, trainable, null, "score",
                reportTimeoutSeconds, null, null, 1, 0);
        return OneAttempt.run(clients, scheduler, worker, assignment);
    }



    private static void assertFailed(List<WorkerReport> reports, String reason) {
        TrialFailed failed = (TrialFailed) reports.get(reports.size() - 1).getPayload();
        assertThat(failed.getError()).isEqualTo(reason);
        assertThat(failed.getRetryable()).as("retryable").isTrue();
    }

    private static long pid(String experiment, String file) throws Exception {
        return Long.parseLong(Files.readString(dir.resolve(experiment).resolve(TRIAL).resolve("a1").resolve(file)).strip());
    }

    private static Path logDir(String experiment) {
        return dir.resolve(experiment).resolve(TRIAL).resolve("attempt-1");
    }

    /** The process has ended (allowing a moment for an orphan to be reaped). */
    private static void assertGone(long pid) throws InterruptedException {
        long deadline = System.currentTimeMillis() + 3000;
        while (isAlive(pid) && System.currentTimeMillis() < deadline) {
            Thread.sleep(50);
        }
        assertThat(isAlive(pid)).as("process %d ended", pid).isFalse();
    }

    private static boolean isAlive(long pid) {
        return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
    }
}
