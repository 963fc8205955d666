package io.tunelog.domain.spec;

import java.util.List;

/**
 * How to run one trial: either a child process ({@code command}, an argument list, never a shell
 * string) or a JVM class implementing the trial API's Trainable ({@code trainable}). Exactly one is set, unless
 * {@code askAndTell}: then no worker runs the trials; clients outside Tunelog take them over HTTP (the gateway's
 * leases), so neither is set.
 * {@code reportTimeoutSeconds}, when set, is how long an attempt may go without reporting before its
 * worker ends it and reports it failed; null means no limit. {@code holdAtMilestones}: the worker holds a
 * trial at a report its scheduler's rule will judge (an ASHA rung, say) until the decision arrives, so a
 * trial stopped there trains no step past it; on unless switched off. {@code resources}: what each attempt holds of a
 * worker while it runs. {@code stop}: when a trial stops whatever its scheduler says; null: never.
 */
public record TrialSpec(List<String> command, String trainable, int maxFailures, CheckpointSpec checkpoint,
                        Integer reportTimeoutSeconds, boolean holdAtMilestones, Resources resources, boolean askAndTell,
                        TrialStop stop) {

    public TrialSpec {
        command = command == null ? List.of() : List.copyOf(command);
        if (reportTimeoutSeconds != null && reportTimeoutSeconds < 1) {
            throw new IllegalArgumentException("reportTimeoutSeconds must be positive, found " + reportTimeoutSeconds);
        }
        resources = resources == null ? Resources.DEFAULT : resources;
    }

    /** A trial without stop conditions. */
    public TrialSpec(List<String> command, String trainable, int maxFailures, CheckpointSpec checkpoint,
                     Integer reportTimeoutSeconds, boolean holdAtMilestones, Resources resources, boolean askAndTell) {
        this(command, trainable, maxFailures, checkpoint, reportTimeoutSeconds, holdAtMilestones, resources, askAndTell, null);
    }

    /** A trial that workers run, with the given resources. */
    public TrialSpec(List<String> command, String trainable, int maxFailures, CheckpointSpec checkpoint,
                     Integer reportTimeoutSeconds, boolean holdAtMilestones, Resources resources) {
        this(command, trainable, maxFailures, checkpoint, reportTimeoutSeconds, holdAtMilestones, resources, false);
    }

    /** A trial that workers run, with the default resources: one CPU, no GPU. */
    public TrialSpec(List<String> command, String trainable, int maxFailures, CheckpointSpec checkpoint,
                     Integer reportTimeoutSeconds, boolean holdAtMilestones) {
        this(command, trainable, maxFailures, checkpoint, reportTimeoutSeconds, holdAtMilestones, Resources.DEFAULT, false);
    }
}
