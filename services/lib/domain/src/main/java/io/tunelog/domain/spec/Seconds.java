package io.tunelog.domain.spec;

/** Durations a spec gives in seconds, as the log measures them: whole milliseconds. */
public final class Seconds {
    /** The shortest duration a spec may give: one millisecond. */
    public static final double MIN = 0.001;

    private Seconds() {}

    public static long millis(double seconds) {
        return Math.round(seconds * 1000);
    }
}
