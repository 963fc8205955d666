package io.tunelog.examples;

import io.tunelog.trial.TrialContext;
import io.tunelog.trial.TrialStopped;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** A trial context for tests: a configuration and directories in, the reports recorded in a list. */
public final class RecordingContext implements TrialContext {
    /** One report as the trainable made it. */
    public record Report(long step, Map<String, Double> metrics, Path checkpoint) {}

    private final Map<String, Object> config;
    private final Path checkpointDir;
    private final Path restoreFrom;
    private final long stopAtStep;
    public final List<Report> reports = new ArrayList<>();

    public RecordingContext(Map<String, Object> config, Path checkpointDir, Path restoreFrom) {
        this(config, checkpointDir, restoreFrom, Long.MAX_VALUE);
    }

    /** A context whose trial is stopped when the trainable reports {@code stopAtStep}, as a worker's would be. */
    public RecordingContext(Map<String, Object> config, Path checkpointDir, Path restoreFrom, long stopAtStep) {
        this.config = Map.copyOf(config);
        this.checkpointDir = checkpointDir;
        this.restoreFrom = restoreFrom;
        this.stopAtStep = stopAtStep;
    }

    @Override public String experimentId() { return "test-experiment"; }
    @Override public String trialId() { return "t0001"; }
    @Override public int attempt() { return restoreFrom == null ? 1 : 2; }
    @Override public Map<String, Object> config() { return config; }
    @Override public Path checkpointDir() { return checkpointDir; }
    @Override public Optional<Path> restoreFrom() { return Optional.ofNullable(restoreFrom); }

    @Override
    public void report(long step, Map<String, Double> metrics) {
        report(step, metrics, null);
    }

    @Override
    public void report(long step, Map<String, Double> metrics, Path checkpoint) {
        if (step >= stopAtStep) {
            throw new TrialStopped("stopped by the test at step " + step);
        }
        reports.add(new Report(step, Map.copyOf(metrics), checkpoint));
    }

    public Report last() {
        return reports.get(reports.size() - 1);
    }

    public List<Long> steps() {
        return reports.stream().map(Report::step).toList();
    }
}
