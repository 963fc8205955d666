package io.tunelog.domain.state;

/** Where an experiment stands, as the log tells it. */
public enum ExperimentStatus {
    /** Nothing accepted yet under this id. */
    UNKNOWN,
    RUNNING,
    COMPLETED,
    CANCELLED;

    public boolean isFinished() {
        return this == COMPLETED || this == CANCELLED;
    }
}
