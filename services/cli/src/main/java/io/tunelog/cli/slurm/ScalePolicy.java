package io.tunelog.cli.slurm;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;

/**
 * How many worker jobs an elastic launcher should have: enough slots for every trial that runs or waits in the
 * queue, between a minimum and a maximum. It grows at once (jobs it submitted count while they are pending, so
 * it never submits twice for the same backlog) and shrinks only once the surplus has lasted a while, cancelling
 * pending jobs first and then jobs that run no trial: it never cancels a job that is running a trial. After
 * {@code sbatch} fails it waits before trying again, twice as long after each failure in a row, up to a limit.
 *
 * <p>Pure: it reads the time only from its arguments, so every decision can be tested and explained.
 */
public final class ScalePolicy {
    /** The bounds on worker jobs, and the trial slots each job's agent has. */
    public record Bounds(int min, int max, int slotsPerJob) {
        public Bounds {
            if (min < 0 || max < min || max < 1) {
                throw new IllegalArgumentException("need 0 <= min <= max and max >= 1, got min " + min + ", max " + max);
            }
            if (slotsPerJob < 1) {
                throw new IllegalArgumentException("slots per job must be at least 1, got " + slotsPerJob);
            }
        }
    }

    /** One of the launcher's jobs, as the queue shows it. */
    public record Job(String id, boolean pending) {}

    /**
     * What the launcher sees at one moment.
     *
     * @param queuedTrials  attempts queued for a worker, in experiments that run
     * @param runningTrials attempts running
     * @param jobs          the launcher's jobs, pending or running
     * @param busyJobs      the ids of jobs whose agents run at least one trial
     */
    public record Observation(int queuedTrials, int runningTrials, List<Job> jobs, Set<String> busyJobs) {}

    /** What to do now: submit this many jobs and cancel these; {@code reason} says why, for the launcher's log. */
    public record Action(int submit, List<String> cancel, int wanted, String reason) {
        public boolean isNothing() {
            return submit == 0 && cancel.isEmpty();
        }
    }

    /** Slurm's job ids are numbers that grow: a longer id is newer, and so is a larger one of the same length. */
    private static final Comparator<String> NEWEST_FIRST =
            Comparator.comparingInt(String::length).thenComparing(Comparator.naturalOrder()).reversed();

    private final Bounds bounds;
    private final Duration scaleDownAfter;
    private final Duration maxBackoff;
    private Instant surplusSince;
    private Instant retryAt = Instant.MIN;
    private Duration backoff = Duration.ZERO;

    /**
     * @param scaleDownAfter how long the launcher must have had more jobs than wanted before it cancels any
     * @param maxBackoff     the longest wait after failed submissions
     */
    public ScalePolicy(Bounds bounds, Duration scaleDownAfter, Duration maxBackoff) {
        this.bounds = bounds;
        this.scaleDownAfter = scaleDownAfter;
        this.maxBackoff = maxBackoff;
    }

    public Action decide(Observation seen, Instant now) {
        int trials = seen.queuedTrials() + seen.runningTrials();
        int needed = (trials + bounds.slotsPerJob() - 1) / bounds.slotsPerJob();
        int wanted = Math.max(bounds.min(), Math.min(bounds.max(), needed));
        int have = seen.jobs().size();
        String why = trials + " trial(s) (" + seen.queuedTrials() + " queued, " + seen.runningTrials() + " running) need "
                + needed + " job(s) of " + bounds.slotsPerJob() + " slot(s); bounds " + bounds.min() + ".." + bounds.max();
        if (have >= wanted) {
            // A submission went through: the jobs it asked for exist.
            backoff = Duration.ZERO;
        }
        if (have < wanted) {
            surplusSince = null;
            if (now.isBefore(retryAt)) {
                return new Action(0, List.of(), wanted, why + "; sbatch failed, retrying at " + retryAt);
            }
            return new Action(wanted - have, List.of(), wanted, why);
        }
        if (have == wanted) {
            surplusSince = null;
            return new Action(0, List.of(), wanted, why);
        }
        if (surplusSince == null) {
            surplusSince = now;
        }
        if (Duration.between(surplusSince, now).compareTo(scaleDownAfter) < 0) {
            return new Action(0, List.of(), wanted, why + "; " + (have - wanted) + " job(s) too many since " + surplusSince);
        }
        List<Job> idle = new ArrayList<>(seen.jobs().stream().filter(j -> !seen.busyJobs().contains(j.id())).toList());
        // Pending jobs cost nothing to cancel; of the running ones, the newest go first.
        idle.sort(Comparator.comparing((Job j) -> !j.pending()).thenComparing(Job::id, NEWEST_FIRST));
        List<String> cancel = idle.stream().limit(have - wanted).map(Job::id).toList();
        if (!cancel.isEmpty()) {
            surplusSince = null;
        }
        return new Action(0, cancel, wanted, why + (cancel.size() < have - wanted ? "; the other jobs run trials" : ""));
    }

    /** Records that a submission failed: the next waits twice as long as the last, from 1 s up to the limit. */
    public void submissionFailed(Instant now) {
        backoff = backoff.isZero() ? Duration.ofSeconds(1) : backoff.multipliedBy(2);
        if (backoff.compareTo(maxBackoff) > 0) {
            backoff = maxBackoff;
        }
        retryAt = now.plus(backoff);
    }
}
