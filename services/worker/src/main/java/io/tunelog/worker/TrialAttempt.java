package io.tunelog.worker;

import com.fasterxml.jackson.core.json.JsonWriteFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectWriter;
import io.tunelog.avro.Assignment;
import io.tunelog.domain.event.EventPayload;
import io.tunelog.trial.Trainable;
import io.tunelog.trial.TrialContext;
import io.tunelog.trial.TrialStopped;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.apache.kafka.clients.producer.Callback;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One attempt of one trial on this worker: runs the trainable (a child process or a JVM class),
 * turns what it reports into worker reports, and ends it when told to stop.
 *
 * <p>The worker also ends an attempt on its own account, and reports it failed (retryable), when it goes
 * {@code trial.reportTimeoutSeconds} without a report, or when a child writes more than the worker's
 * output limit to stdout or to stderr. Ending a child means TERM to it, every descendant it has then and its
 * process group, and KILL to those still alive after {@link #STOP_GRACE}; a child that ends by itself takes its
 * group with it.
 */
final class TrialAttempt {
    private static final Logger LOG = LoggerFactory.getLogger(TrialAttempt.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    /**
     * The configuration as it goes into {@code TUNELOG_CONFIG}: ASCII, every other character escaped. Java encodes an
     * environment string in the platform charset, which under the C locale of many containers and batch jobs is ASCII:
     * "héllo" would reach the trial as "h?llo". The file is written as UTF-8 whatever the locale.
     */
    private static final ObjectWriter ASCII_JSON = JSON.writer().with(JsonWriteFeature.ESCAPE_NON_ASCII);
    /** How long a child gets between TERM and KILL. */
    static final Duration STOP_GRACE = Duration.ofSeconds(5);
    /**
     * The largest configuration also passed in {@code TUNELOG_CONFIG}, in bytes (it is ASCII there);
     * {@code TUNELOG_CONFIG_FILE} always has it. Linux refuses to start a program with any one environment string
     * over 128 KiB (MAX_ARG_STRLEN), and all of them and the arguments share ARG_MAX: one parameter value of a
     * megabyte made the start fail.
     */
    static final int MAX_CONFIG_IN_ENVIRONMENT = 32 * 1024;

    private final Assignment assignment;
    private final Reporter reporter;
    private final Path checkpointDir;
    private final Path logDir;
    private final long maxOutputBytes;
    /** Runs the report watchdog and the KILL after a TERM's grace. */
    private final ScheduledExecutorService timers;
    private final String workerId;
    private final TrialPolicy policy;
    private final PythonHelper pythonHelper;
    private final Hold hold;
    /** Where a process trial on the Python helper reads the answers to its held reports. */
    private volatile HoldAnswers holdAnswers = HoldAnswers.NONE;
    /** The devices the worker gave this attempt: exactly these reach the trial (see {@link DeviceEnvironment}). */
    private final List<String> devices;
    /** What a child process runs in, or null for none. */
    private final Sandbox sandbox;
    private final Map<String, Object> config;
    private volatile String stopReason;
    /** Set when the worker, not the scheduler, ends the attempt: then it is reported as failed, to be retried. */
    private volatile boolean abandoned;
    /** Why the worker ended the attempt on its own account (no report in time, a stdout flood), or null. */
    private volatile String failure;
    /** Completed when {@link #failure} is set, for whoever waits on a JVM trainable. */
    private final CompletableFuture<String> failed = new CompletableFuture<>();
    private volatile boolean finished;
    private volatile Process process;
    private volatile Thread trainableThread;
    private volatile ScheduledFuture<?> watchdog;
    private volatile long lastReportNanos;
    /** While a report waits for room in the worker's window or for the gate's answer: not silence. */
    private volatile boolean waiting;
    private volatile Long lastStep;
    private Map<String, Double> lastMetrics = Map.of();

    TrialAttempt(Assignment assignment, Reporter reporter, Hold hold, Path checkpointDir, Path logDir, long maxOutputBytes,
                 ScheduledExecutorService timers, String workerId, TrialPolicy policy, PythonHelper pythonHelper,
                 List<String> devices, Sandbox sandbox) {
        this.assignment = assignment;
        this.reporter = reporter;
        this.checkpointDir = checkpointDir;
        this.logDir = logDir;
        this.maxOutputBytes = maxOutputBytes;
        this.timers = timers;
        this.workerId = workerId;
        this.policy = policy;
        this.pythonHelper = pythonHelper;
        this.hold = hold;
        this.devices = List.copyOf(devices);
        this.sandbox = sandbox;
        this.config = new TreeMap<>(assignment.getConfig());
    }

    String key() {
        return key(assignment.getExperimentId(), assignment.getTrialId(), assignment.getAttempt());
    }

    static String key(String experimentId, String trialId, int attempt) {
        return experimentId + "/" + trialId + "/" + attempt;
    }

    /** Asks the attempt to end: a child gets TERM, then KILL after the grace period; a JVM trainable stops at its next report. */
    void stop(String reason) {
        stopReason = reason;
        terminate();
        // After the TERM: a held child is continued only once the signal that ends it is pending.
        hold.end();
    }

    /** The gate's CONTINUE for the report this attempt is held at: it goes on, and holds next where the gate says. */
    void resume(long step, Double nextHoldAt) {
        hold.resume(step, nextHoldAt);
    }

    /** How often and how long this attempt was held for decisions. */
    Hold hold() {
        return hold;
    }

    /**
     * Ends the attempt on the worker's own account, to be reported as a retryable failure with this reason.
     * Does nothing when the attempt is already ending for another reason (a STOP, an earlier failure).
     */
    private void fail(String reason) {
        synchronized (this) {
            if (finished || stopReason != null || failure != null) {
                return;
            }
            failure = reason;
        }
        LOG.warn("{}: {}", key(), reason);
        terminate();
        hold.end();
        Thread t = trainableThread;
        if (t != null) {
            t.interrupt();
        }
        failed.complete(reason);
    }

    /** TERM to the child, its descendants and its group, then KILL to any of them still alive after the grace. */
    private void terminate() {
        Process p = process;
        if (p == null) {
            return;
        }
        // Taken now: once the child is gone, its orphans are no longer its descendants (they stay in its group).
        List<ProcessHandle> tree = Stream.concat(p.descendants(), Stream.of(p.toHandle())).toList();
        if (sandbox == null) {
            tree.forEach(ProcessHandle::destroy);
            ProcessTree.signalGroup("TERM", p);
        } else {
            // The trial's processes only: bubblewrap's would end at once and take the trial with them, graceless.
            tree.stream().filter(h -> !sandbox.isBwrap(h)).forEach(ProcessHandle::destroy);
        }
        try {
            timers.schedule(() -> {
                Stream.concat(tree.stream(), p.descendants()).filter(ProcessHandle::isAlive).forEach(ProcessHandle::destroyForcibly);
                ProcessTree.signalGroup("KILL", p);
            }, STOP_GRACE.toMillis(), TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            // The worker is closing; runProcess still kills the child after the grace.
        }
    }

    /** Starts watching for reports when the spec sets {@code trial.reportTimeoutSeconds}. */
    private void watchReports() {
        Integer timeout = assignment.getReportTimeoutSeconds();
        if (timeout == null || timeout < 1) {
            return;
        }
        lastReportNanos = System.nanoTime();
        checkReportsIn(TimeUnit.SECONDS.toNanos(timeout), timeout);
    }

    private void checkReportsIn(long nanos, int timeout) {
        try {
            watchdog = timers.schedule(() -> checkReports(timeout), nanos, TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException e) {
            // The worker is closing and abandons its attempts anyway.
        }
    }

    private void checkReports(int timeout) {
        if (finished) {
            return;
        }
        long silent = waiting ? 0 : System.nanoTime() - lastReportNanos;
        long limit = TimeUnit.SECONDS.toNanos(timeout);
        if (silent < limit) {
            checkReportsIn(limit - silent, timeout);
            return;
        }
        Long step = lastStep;
        fail("no report for " + timeout + " s " + (step == null ? "since the start" : "since step " + step)
                + " (trial.reportTimeoutSeconds)");
    }

    /** Ends the attempt because this worker is going away; the attempt is reported failed (retryable). */
    void abandon(String reason) {
        abandoned = true;
        stop(reason);
    }

    /** Tells the gate this worker starts the attempt on its devices; {@code onSent} hears when the broker has it, or why not. */
    void announce(String workerId, String host, String slurmJobId, Callback onSent) {
        reporter.send(new EventPayload.TrialStarted(assignment.getAttempt(), workerId, host, slurmJobId, devices), onSent);
    }

    /** Runs an {@link #announce announced} attempt to its end, reporting results and outcome. Never throws. */
    void run() {
        Optional<String> refused = policy.refusal(workerId, assignment.getCommand(), assignment.getTrainable());
        if (refused.isPresent()) {
            // Not retryable: every worker of a pool is meant to have the same lists, and another try would spend a slot
            // to be refused again.
            LOG.warn("{}: {}", key(), refused.get());
            reporter.send(new EventPayload.TrialFailed(assignment.getAttempt(), refused.get(), false));
            return;
        }
        if (sandbox != null && assignment.getTrainable() != null) {
            // A JVM trainable runs on a thread of the worker, with the worker's files and credentials at hand.
            String why = "worker " + workerId + " runs trials in a sandbox (--sandbox) and does not run JVM trainable "
                    + assignment.getTrainable() + ": it would run inside the worker, out of the sandbox's reach; give the trial a command";
            LOG.warn("{}: {}", key(), why);
            reporter.send(new EventPayload.TrialFailed(assignment.getAttempt(), why, false));
            return;
        }
        try {
            Files.createDirectories(checkpointDir);
            Files.createDirectories(logDir);
            Files.writeString(logDir.resolve("params.json"), JSON.writerWithDefaultPrettyPrinter().writeValueAsString(config));
        } catch (IOException e) {
            reporter.send(new EventPayload.TrialFailed(assignment.getAttempt(), "worker cannot prepare directories: " + e.getMessage(), true));
            return;
        }
        Outcome outcome;
        try {
            outcome = assignment.getTrainable() != null ? runTrainable() : runProcess();
        } catch (RuntimeException | IOException e) {
            outcome = Outcome.failed(e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            stop("worker shutting down");
            outcome = Outcome.failed("worker shut down");
        } finally {
            synchronized (this) {
                finished = true;
            }
            ScheduledFuture<?> w = watchdog;
            if (w != null) {
                w.cancel(false);
            }
        }
        if (abandoned) {
            reporter.send(new EventPayload.TrialFailed(assignment.getAttempt(), "abandoned: " + stopReason, true, true));
        } else if (failure != null) {
            reporter.send(new EventPayload.TrialFailed(assignment.getAttempt(), failure, true));
        } else if (stopReason != null) {
            LOG.info("{} stopped: {}", key(), stopReason);
        } else if (outcome.error() == null) {
            reporter.send(new EventPayload.TrialCompleted(assignment.getAttempt(), lastMetrics));
        } else {
            reporter.send(new EventPayload.TrialFailed(assignment.getAttempt(), outcome.error(), true, outcome.preempted()));
        }
    }

    /** How an attempt ended: {@code error} is null when it succeeded; a preempted one was ended from outside. */
    private record Outcome(String error, boolean preempted) {
        static final Outcome OK = new Outcome(null, false);

        static Outcome failed(String error) {
            return new Outcome(error, false);
        }
    }

    /** 128 + SIGTERM: how a process ended by SIGTERM exits, as Java reports it and as shells pass it on. */
    private static final int TERMINATED_EXIT = 143;

    private Outcome runProcess() throws IOException, InterruptedException {
        List<String> command = assignment.getCommand();
        if (command.isEmpty()) {
            return Outcome.failed("assignment has neither a command nor a trainable");
        }
        String configJson = JSON.writeValueAsString(config);
        Path configFile = logDir.resolve("config.json");
        Files.writeString(configFile, configJson);
        // An argument list, never a shell: parameter values cannot be interpreted as commands.
        // In a group of its own, so that the trial ends whole (see ProcessTree); stderr through the worker, capped.
        List<String> launched = sandbox == null ? command
                : sandbox.command(command, checkpointDir, logDir, restoreFrom(), Path.of("").toAbsolutePath());
        ProcessBuilder builder = new ProcessBuilder(ProcessTree.inOwnGroup(launched))
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        Map<String, String> env = builder.environment();
        // Built from the allow-list, never inherited whole: the worker's environment holds its Kafka settings and any
        // credentials it was started with, and the command is whatever a spec said.
        Map<String, String> allowed = policy.trialEnvironment(Map.copyOf(env));
        env.clear();
        env.putAll(allowed);
        DeviceEnvironment.apply(env, devices);
        // First, so that `import tunelog` finds the worker's own copy of the helper before any other installed.
        String pythonPath = pythonHelper.pythonPath(allowed.get("PYTHONPATH"));
        if (pythonPath != null) {
            env.put("PYTHONPATH", pythonPath);
        }
        env.put("TUNELOG_CONFIG_FILE", configFile.toString());
        // Escaping only lengthens it: a configuration already too long as written is not escaped.
        String asciiJson = configJson.length() <= MAX_CONFIG_IN_ENVIRONMENT ? ASCII_JSON.writeValueAsString(config) : null;
        if (asciiJson != null && asciiJson.length() <= MAX_CONFIG_IN_ENVIRONMENT) {
            env.put("TUNELOG_CONFIG", asciiJson);
        }
        env.put("TUNELOG_CHECKPOINT_DIR", checkpointDir.toString());
        env.put("TUNELOG_EXPERIMENT_ID", assignment.getExperimentId());
        env.put("TUNELOG_TRIAL_ID", assignment.getTrialId());
        env.put("TUNELOG_ATTEMPT", String.valueOf(assignment.getAttempt()));
        env.put("PYTHONUNBUFFERED", "1");
        restoreFrom().ifPresent(p -> env.put("TUNELOG_RESTORE_FROM", p.toString()));
        holdAnswers = HoldAnswers.offer(hold, logDir, env);
        Optional<String> unstartable = ProcessTree.whyNotStartable(command.get(0), env.get("PATH"));
        if (unstartable.isPresent()) {
            return Outcome.failed("cannot start " + command.get(0) + ": " + unstartable.get());
        }
        Process started;
        try {
            started = builder.start();
        } catch (IOException e) {
            // The cause says why without repeating the command: "error=2, No such file or directory".
            String why = e.getCause() != null && e.getCause().getMessage() != null ? e.getCause().getMessage() : e.getMessage();
            return Outcome.failed("cannot start " + launched.get(0) + ": " + why);
        }
        process = started;
        // The trial is its process: what it leaves behind (a daemon, a forgotten `sleep &` holding its stdout) ends
        // with it, even once it is no longer its descendant.
        started.onExit().thenRun(() -> ProcessTree.signalGroup("KILL", started));
        Thread stderr = captureStderr(started);
        if (stopReason != null) {
            stop(stopReason);
        }
        watchReports();
        try {
            readStdout(started);
        } catch (IOException | RuntimeException e) {
            terminate();
            throw e;
        }
        if (!started.waitFor(STOP_GRACE.toMillis(), TimeUnit.MILLISECONDS)) {
            started.descendants().forEach(ProcessHandle::destroyForcibly);
            started.destroyForcibly().waitFor();
        }
        // Before the attempt is finished, so that a flood it saw at the end still fails it.
        stderr.join(STOP_GRACE.toMillis());
        int exit = started.exitValue();
        if (exit == 0) {
            return Outcome.OK;
        }
        String error = "exit code " + exit + lastLine(logDir.resolve("stderr.log")).map(l -> ": " + l).orElse("");
        // SIGTERM that this worker did not send came from the trial's environment: Slurm's scancel or a node drain
        // signals every process of the job at once, the trial as well as this worker, and the trial may end before
        // the worker has begun to shut down. Like the worker's own drain, that is a preemption, not the trial's
        // failure: it is retried from the checkpoint and does not count against maxFailures.
        return exit == TERMINATED_EXIT && stopReason == null
                ? new Outcome(error + " (SIGTERM from outside the worker: preempted)", true)
                : Outcome.failed(error);
    }

    /**
     * Reads the child's stdout to its end: reports go to the gate, other lines to {@code stdout.log}. Past the
     * worker's output limit it stops reading and ends the attempt as a flood; the log never exceeds the limit.
     */
    private void readStdout(Process started) throws IOException {
        try (InputStream out = started.getInputStream();
             CappedLog log = new CappedLog(logDir.resolve("stdout.log"), maxOutputBytes)) {
            boolean whole = new StdoutReader(maxOutputBytes, ReportLine.MAX_LENGTH).readAll(out, new StdoutReader.Lines() {
                @Override
                public void line(String text) {
                    ReportLine.Parsed parsed = ReportLine.parse(text);
                    if (parsed instanceof ReportLine.Report r) {
                        onReport(r.line().step(), r.line().metrics(), r.line().checkpoint(),
                                why -> write(log, "[tunelog] refused checkpoint: " + why));
                    } else if (parsed instanceof ReportLine.Output o) {
                        write(log, o.text());
                    } else if (parsed instanceof ReportLine.Invalid i) {
                        refused(log, i.reason());
                    }
                }

                @Override
                public void overlong(String head, long length) {
                    if (head.strip().startsWith("{")) {
                        refused(log, "report line of " + length + " bytes exceeds " + ReportLine.MAX_LENGTH);
                    } else {
                        write(log, head);
                        write(log, "[tunelog] the line above had " + length + " bytes; only the first " + ReportLine.MAX_LENGTH + " are kept");
                    }
                }

                @Override
                public void caughtUp() {
                    try {
                        log.flush();
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                }
            });
            if (!whole) {
                // Ended before the pipe is closed under it, so the child gets TERM, not a broken pipe.
                fail("stdout flood: more than " + maxOutputBytes + " bytes on stdout (the worker's limit, tunelog worker --max-output-bytes)");
            }
        }
    }

    /**
     * Copies the child's stderr to {@code stderr.log}, capped like stdout: past the worker's output limit it stops
     * reading and ends the attempt as a flood.
     */
    private Thread captureStderr(Process started) {
        Thread copier = new Thread(() -> {
            try (InputStream err = started.getErrorStream();
                 CappedLog log = new CappedLog(logDir.resolve("stderr.log"), maxOutputBytes)) {
                byte[] buffer = new byte[8192];
                for (int n = err.read(buffer); n >= 0; n = err.read(buffer)) {
                    if (!log.write(buffer, 0, n)) {
                        fail("stderr flood: more than " + maxOutputBytes
                                + " bytes on stderr (the worker's limit, tunelog worker --max-output-bytes)");
                        return;
                    }
                    if (err.available() == 0) {
                        log.flush(); // so that a trial's errors can be read as they come
                    }
                }
            } catch (IOException e) {
                LOG.warn("{}: cannot keep stderr: {}", key(), e.toString());
            }
        }, "stderr-" + key());
        copier.setDaemon(true);
        copier.start();
        return copier;
    }

    private void refused(CappedLog log, String reason) {
        LOG.warn("{}: refused report line: {}", key(), reason);
        write(log, "[tunelog] refused report line: " + reason);
    }

    private static void write(CappedLog log, String line) {
        try {
            log.println(line);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private Outcome runTrainable() throws InterruptedException {
        Trainable trainable;
        try {
            trainable = (Trainable) Class.forName(assignment.getTrainable()).getDeclaredConstructor().newInstance();
        } catch (ReflectiveOperationException | ClassCastException e) {
            return Outcome.failed("cannot instantiate trainable " + assignment.getTrainable() + ": " + e);
        }
        // On a thread of its own, so that a trainable that never reports can be given up on.
        CompletableFuture<Outcome> result = new CompletableFuture<>();
        Thread thread = new Thread(() -> {
            try {
                trainable.train(new Context());
                result.complete(Outcome.OK);
            } catch (TrialStopped e) {
                result.complete(Outcome.OK);
            } catch (Throwable e) {
                result.complete(Outcome.failed(e.toString()));
            }
        }, Thread.currentThread().getName() + "-" + assignment.getTrialId());
        thread.setDaemon(true);
        trainableThread = thread;
        watchReports();
        thread.start();
        try {
            CompletableFuture.anyOf(result, failed).get();
            if (result.isDone()) {
                return result.join();
            }
            // The worker gave up on it (it was interrupted, and its next report throws TrialStopped).
            return result.get(STOP_GRACE.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            LOG.warn("{}: trainable thread {} did not end within {} s of its interrupt; left running", key(), thread.getName(),
                    STOP_GRACE.toSeconds());
            return Outcome.failed(failure);
        } catch (ExecutionException e) {
            return Outcome.failed(e.getCause().toString());
        } catch (InterruptedException e) {
            thread.interrupt();
            throw e;
        }
    }

    /**
     * Sends a report, and registers its checkpoint when that is a directory confined to the attempt's checkpoint
     * directory; {@code refusedCheckpoint} hears why one is not (the trial's own log), as does the worker's log. Waits
     * while the worker's window of reports is full, and holds the attempt at a report its rule will judge until the
     * gate answers; neither wait counts as silence.
     */
    private void onReport(long step, Map<String, Double> metrics, String checkpoint, Consumer<String> refusedCheckpoint) {
        lastReportNanos = System.nanoTime();
        lastStep = step;
        EventPayload.CheckpointRegistered registered = checkpoint == null ? null : registration(step, metrics, checkpoint, refusedCheckpoint);
        if (ending()) {
            return; // stopped meanwhile: nothing more is reported for it, and the gate would refuse it anyway
        }
        boolean held = hold.reaches(step, metrics);
        Process p = process;
        waiting = true;
        try {
            if (held) {
                // Before the report goes: the process stops as soon as possible after reaching the milestone, and the
                // gate's answer cannot arrive before the hold is in place.
                hold.begin(step, p == null ? () -> { } : () -> ProcessTree.stop(p));
            }
            try {
                // The hold mark goes on the step's last report, so the gate judges the step with its checkpoint in.
                if (reporter.sendProgress(new EventPayload.TrialReported(assignment.getAttempt(), step, metrics, null, hold.takeHeldMillis()),
                        held && registered == null, this::ending)) {
                    lastMetrics = metrics;
                    if (registered != null) {
                        reporter.sendProgress(registered, held, this::ending);
                    }
                }
            } finally {
                if (held) {
                    hold.await(this::ending, p == null ? () -> { } : () -> {
                        // Before the process goes on: a trial on the helper waits for this answer, not for the signal.
                        holdAnswers.answer(step, ending(), hold.at());
                        ProcessTree.resume(p);
                    });
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            waiting = false;
            lastReportNanos = System.nanoTime();
        }
    }

    /** Whether the attempt is ending: stopped, failed or finished. */
    private boolean ending() {
        return stopReason != null || failure != null || finished;
    }

    /** The registration of a reported checkpoint, or null (and why, to {@code refused}) when it is not confined to the attempt's directory. */
    private EventPayload.CheckpointRegistered registration(long step, Map<String, Double> metrics, String checkpoint, Consumer<String> refused) {
        Path dir = null;
        CheckpointConfinement.Confined confined;
        try {
            dir = checkpointDir.resolve(checkpoint).normalize();
            confined = CheckpointConfinement.confine(checkpointDir, dir);
        } catch (InvalidPathException e) {
            confined = CheckpointConfinement.Confined.refused("is not a path: " + e.getMessage()); // a NUL in it, say
        }
        if (confined.problem() != null) {
            String why = checkpoint + " " + confined.problem() + "; nothing is registered";
            LOG.warn("{}: refused checkpoint {}", key(), why);
            refused.accept(why);
            return null;
        }
        String id = assignment.getTrialId() + "/a" + assignment.getAttempt() + "/" + checkpointDir.relativize(dir);
        return new EventPayload.CheckpointRegistered(assignment.getAttempt(), id, step, dir.toUri().toString(), confined.sizeBytes(), metrics);
    }

    private Optional<Path> restoreFrom() {
        String uri = assignment.getRestoreFromUri();
        return uri == null ? Optional.empty() : Optional.of(Path.of(URI.create(uri)));
    }

    /**
     * The last non-blank line of a file, read from its last 8 KiB only (stderr.log may be one enormous line), cut to
     * 500 characters: it goes into a failure reason, which the log keeps forever.
     */
    static Optional<String> lastLine(Path file) {
        try (SeekableByteChannel channel = Files.newByteChannel(file)) {
            long size = channel.size();
            ByteBuffer tail = ByteBuffer.allocate((int) Math.min(size, 8192));
            channel.position(size - tail.capacity());
            while (tail.hasRemaining() && channel.read(tail) >= 0) {
                // read until the buffer is full
            }
            String text = new String(tail.array(), 0, tail.position(), StandardCharsets.UTF_8);
            return text.lines().filter(l -> !l.isBlank()).reduce((a, b) -> b).map(String::strip)
                    .map(l -> l.length() <= 500 ? l : l.substring(0, 497) + "...");
        } catch (IOException | UncheckedIOException e) {
            return Optional.empty();
        }
    }

    /** The context a JVM trainable reports through. */
    private final class Context implements TrialContext {
        @Override public String experimentId() { return assignment.getExperimentId(); }
        @Override public String trialId() { return assignment.getTrialId(); }
        @Override public int attempt() { return assignment.getAttempt(); }
        @Override public Map<String, Object> config() { return java.util.Collections.unmodifiableMap(config); }
        @Override public Path checkpointDir() { return checkpointDir; }
        @Override public Optional<Path> restoreFrom() { return TrialAttempt.this.restoreFrom(); }

        @Override
        public void report(long step, Map<String, Double> metrics) {
            report(step, metrics, null);
        }

        @Override
        public void report(long step, Map<String, Double> metrics, Path checkpoint) {
            String ended = stopReason != null ? stopReason : failure;
            if (ended != null) {
                throw new TrialStopped(ended);
            }
            onReport(step, new TreeMap<>(metrics), checkpoint == null ? null : checkpointDir.relativize(checkpoint.toAbsolutePath().normalize()).toString(),
                    why -> { });
            // Stopped while its report waited or was held: the trainable learns it now, not a step later.
            ended = stopReason != null ? stopReason : failure;
            if (ended != null) {
                throw new TrialStopped(ended);
            }
        }
    }
}
