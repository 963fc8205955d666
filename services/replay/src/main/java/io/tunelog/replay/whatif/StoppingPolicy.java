package io.tunelog.replay.whatif;

/**
 * A trial scheduler's stopping rule, applied to recorded results in simulated time. Implementations keep
 * whatever history the rule needs; they see each result once, in time order across all trials.
 */
public interface StoppingPolicy {

    /** The policy's name as the CLI knows it. */
    String name();

    /**
     * Whether the trial should stop after this result.
     *
     * @param score the metric, oriented so that larger is better
     */
    boolean stopAfter(String trialId, long step, double score);
}
