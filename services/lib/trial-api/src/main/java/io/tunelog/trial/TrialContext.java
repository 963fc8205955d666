package io.tunelog.trial;

import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

/** What a trainable sees of its trial: the configuration, where to checkpoint, and how to report. */
public interface TrialContext {

    String experimentId();

    String trialId();

    int attempt();

    /** The hyperparameters: Double, Long, String or Boolean values by name. */
    Map<String, Object> config();

    /** A directory for this trial's checkpoints; it exists and survives the attempt. */
    Path checkpointDir();

    /** The checkpoint to resume from when this attempt continues an earlier one. */
    Optional<Path> restoreFrom();

    /**
     * Reports metrics for a training step (steps increase within an attempt).
     *
     * @throws TrialStopped when the scheduler has stopped this trial
     */
    void report(long step, Map<String, Double> metrics);

    /**
     * Reports metrics for a step together with a checkpoint directory written for it
     * (a directory inside {@link #checkpointDir()}).
     *
     * @throws TrialStopped when the scheduler has stopped this trial
     */
    void report(long step, Map<String, Double> metrics, Path checkpoint);
}
