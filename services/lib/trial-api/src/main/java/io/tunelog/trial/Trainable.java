package io.tunelog.trial;

/**
 * A trial that runs inside the worker's JVM. The worker calls {@link #train} once per attempt, on a
 * thread of its own; the trainable reports through its context exactly as a child process would on stdout.
 *
 * <p>Implementations need a public no-argument constructor. They are named in a spec as
 * {@code trial: {trainable: com.example.MyTrainable}}.
 */
public interface Trainable {

    /**
     * Trains until done. Returning normally completes the attempt; throwing fails it (retryable).
     * When the trial is told to stop, the next {@link TrialContext#report} throws {@link TrialStopped};
     * let it propagate.
     */
    void train(TrialContext context) throws Exception;
}
