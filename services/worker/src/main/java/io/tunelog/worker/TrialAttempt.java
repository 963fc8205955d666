package io.tunelog.worker;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.tunelog.avro.Assignment;
import io.tunelog.domain.event.EventPayload;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One attempt of one trial on this worker: runs the trainable (a child process or a JVM class),
 * turns what it reports into worker reports, and ends it when told to stop.
 */
final class TrialAttempt {
    private static final Logger LOG = LoggerFactory.getLogger(TrialAttempt.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    /** How long a child gets between TERM and KILL. */
    static final Duration STOP_GRACE = Duration.ofSeconds(5);

    private final Assignment assignment;
    private final Reporter reporter;
    private final Path checkpointDir;
    private final Path logDir;
    private final Map<String, Object> config;
    private volatile String stopReason;
    /** Set when the worker, not the scheduler, ends the attempt: then it is reported as failed, to be retried. */
    private volatile boolean abandoned;
    private volatile Process process;
    private Map<String, Double> lastMetrics = Map.of();

    TrialAttempt(Assignment assignment, Reporter reporter, Path checkpointDir, Path logDir) {
        this.assignment = assignment;
        this.reporter = reporter;
        this.checkpointDir = checkpointDir;
        this.logDir = logDir;
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
        Process p = process;
        if (p != null) {
            p.descendants().forEach(ProcessHandle::destroy);
            p.destroy();
        }
    }

    /** Ends the attempt because this worker is going away; the attempt is reported failed (retryable). */
    void abandon(String reason) {
        abandoned = true;
        stop(reason);
    }

    /** Runs the attempt to its end, reporting start, results and outcome. Never throws. */
    void run(String workerId, String host, String slurmJobId) {
        try {
            Files.createDirectories(checkpointDir);
            Files.createDirectories(logDir);
            Files.writeString(logDir.resolve("params.json"), JSON.writerWithDefaultPrettyPrinter().writeValueAsString(config));
        } catch (IOException e) {
            reporter.send(new EventPayload.TrialFailed(assignment.getAttempt(), "worker cannot prepare directories: " + e.getMessage(), true));
            return;
        }
        reporter.send(new EventPayload.TrialStarted(assignment.getAttempt(), workerId, host, slurmJobId));
        Outcome outcome;
        try {
            outcome = assignment.getTrainable() != null ? runTrainable() : runProcess();
        } catch (RuntimeException | IOException e) {
            outcome = Outcome.failed(e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            stop("worker shutting down");
            outcome = Outcome.failed("worker shut down");
        }
        if (abandoned) {
            reporter.send(new EventPayload.TrialFailed(assignment.getAttempt(), "abandoned: " + stopReason, true));
        } else if (stopReason != null) {
            LOG.info("{} stopped: {}", key(), stopReason);
        } else if (outcome.error() == null) {
            reporter.send(new EventPayload.TrialCompleted(assignment.getAttempt(), lastMetrics));
        } else {
            reporter.send(new EventPayload.TrialFailed(assignment.getAttempt(), outcome.error(), true));
        }
    }

    private record Outcome(String error) {
        static final Outcome OK = new Outcome(null);

        static Outcome failed(String error) {
            return new Outcome(error);
        }
    }

    private Outcome runProcess() throws IOException, InterruptedException {
        List<String> command = assignment.getCommand();
        if (command.isEmpty()) {
            return Outcome.failed("assignment has neither a command nor a trainable");
        }
        String configJson = JSON.writeValueAsString(config);
        Path configFile = logDir.resolve("config.json");
        Files.writeString(configFile, configJson);
        // An argument list, never a shell: parameter values cannot be interpreted as commands.
        ProcessBuilder builder = new ProcessBuilder(command)
                .redirectError(logDir.resolve("stderr.log").toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        Map<String, String> env = builder.environment();
        env.put("TUNELOG_CONFIG", configJson);
        env.put("TUNELOG_CONFIG_FILE", configFile.toString());
        env.put("TUNELOG_CHECKPOINT_DIR", checkpointDir.toString());
        env.put("TUNELOG_EXPERIMENT_ID", assignment.getExperimentId());
        env.put("TUNELOG_TRIAL_ID", assignment.getTrialId());
        env.put("TUNELOG_ATTEMPT", String.valueOf(assignment.getAttempt()));
        env.put("PYTHONUNBUFFERED", "1");
        restoreFrom().ifPresentOrElse(p -> env.put("TUNELOG_RESTORE_FROM", p.toString()), () -> env.remove("TUNELOG_RESTORE_FROM"));
        Process started;
        try {
            started = builder.start();
        } catch (IOException e) {
            return Outcome.failed("cannot start " + command.get(0) + ": " + e.getMessage());
        }
        process = started;
        if (stopReason != null) {
            stop(stopReason);
        }
        try (BufferedReader out = new BufferedReader(new InputStreamReader(started.getInputStream(), StandardCharsets.UTF_8));
             PrintWriter log = new PrintWriter(Files.newBufferedWriter(logDir.resolve("stdout.log")))) {
            String line;
            while ((line = out.readLine()) != null) {
                ReportLine.Parsed parsed = ReportLine.parse(line);
                if (parsed instanceof ReportLine.Report r) {
                    onReport(r.line().step(), r.line().metrics(), r.line().checkpoint());
                } else if (parsed instanceof ReportLine.Output o) {
                    log.println(o.text());
                } else if (parsed instanceof ReportLine.Invalid i) {
                    LOG.warn("{}: refused report line: {}", key(), i.reason());
                    log.println("[tunelog] refused report line: " + i.reason());
                }
                log.flush();
            }
        }
        if (!started.waitFor(STOP_GRACE.toMillis(), TimeUnit.MILLISECONDS)) {
            started.descendants().forEach(ProcessHandle::destroyForcibly);
            started.destroyForcibly().waitFor();
        }
        int exit = started.exitValue();
        if (exit == 0) {
            return Outcome.OK;
        }
        return Outcome.failed("exit code " + exit + lastLine(logDir.resolve("stderr.log")).map(l -> ": " + l).orElse(""));
    }

    private Outcome runTrainable() throws InterruptedException {
        Trainable trainable;
        try {
            trainable = (Trainable) Class.forName(assignment.getTrainable()).getDeclaredConstructor().newInstance();
        } catch (ReflectiveOperationException | ClassCastException e) {
            return Outcome.failed("cannot instantiate trainable " + assignment.getTrainable() + ": " + e);
        }
        try {
            trainable.train(new Context());
            return Outcome.OK;
        } catch (TrialStopped e) {
            return Outcome.OK;
        } catch (InterruptedException e) {
            throw e;
        } catch (Exception e) {
            return Outcome.failed(e.toString());
        }
    }

    private void onReport(long step, Map<String, Double> metrics, String checkpoint) {
        reporter.send(new EventPayload.TrialReported(assignment.getAttempt(), step, metrics, null));
        lastMetrics = metrics;
        if (checkpoint != null) {
            Path dir = checkpointDir.resolve(checkpoint).normalize();
            if (!dir.startsWith(checkpointDir) || !Files.isDirectory(dir)) {
                LOG.warn("{}: checkpoint {} is not a directory inside {}", key(), checkpoint, checkpointDir);
                return;
            }
            String id = assignment.getTrialId() + "/a" + assignment.getAttempt() + "/" + checkpointDir.relativize(dir);
            reporter.send(new EventPayload.CheckpointRegistered(assignment.getAttempt(), id, step, dir.toUri().toString(),
                    sizeOf(dir), metrics));
        }
    }

    private Optional<Path> restoreFrom() {
        String uri = assignment.getRestoreFromUri();
        return uri == null ? Optional.empty() : Optional.of(Path.of(URI.create(uri)));
    }

    private static long sizeOf(Path dir) {
        try (Stream<Path> files = Files.walk(dir)) {
            return files.filter(Files::isRegularFile).mapToLong(p -> p.toFile().length()).sum();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Optional<String> lastLine(Path file) {
        try (Stream<String> lines = Files.lines(file)) {
            return lines.filter(l -> !l.isBlank()).reduce((a, b) -> b).map(String::strip);
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
            if (stopReason != null) {
                throw new TrialStopped(stopReason);
            }
            onReport(step, new TreeMap<>(metrics), checkpoint == null ? null : checkpointDir.relativize(checkpoint.toAbsolutePath().normalize()).toString());
        }
    }
}
