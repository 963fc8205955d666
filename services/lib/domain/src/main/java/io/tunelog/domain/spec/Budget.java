package io.tunelog.domain.spec;

/**
 * How many trials to run in all, and how many at once; and, when set, the experiment's wall-clock {@code seconds} from
 * its submission and the {@code maxFailedTrials} it tolerates (trials failed for good: more ends it). Null: no limit.
 */
public record Budget(int trials, int concurrent, Double seconds, Integer maxFailedTrials) {

    public Budget(int trials, int concurrent) {
        this(trials, concurrent, null, null);
    }

    /** The wall-clock budget in milliseconds, or null. */
    public Long millis() {
        return seconds == null ? null : Seconds.millis(seconds);
    }
}
