package io.tunelog.domain.state;

/** Where a trial stands, as the log tells it. */
public enum TrialStatus {
    /** Suggested, not yet queued. */
    CREATED,
    /** An attempt is waiting for a worker. */
    QUEUED,
    /** A worker started the current attempt. */
    RUNNING,
    /** The trainable finished. */
    COMPLETED,
    /** The current attempt failed; the scheduler may queue another. */
    FAILED,
    /**
     * A scheduler paused it (Hyperband waiting for its rung, PBT exploiting); it holds no worker and
     * resumes from a checkpoint once the scheduler approves.
     */
    PAUSED,
    /** A scheduler decision ended it. */
    STOPPED,
    /** Its experiment was cancelled before the trial ended. */
    CANCELLED
}
