package io.tunelog.trial;

/** Thrown into a trainable when its trial was stopped; the worker ends the attempt quietly. */
public final class TrialStopped extends RuntimeException {
    public TrialStopped(String reason) {
        super(reason, null, false, false);
    }
}
