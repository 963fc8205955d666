package io.tunelog.domain.spec;

import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;

/**
 * When a trial stops, whatever its scheduler says ({@code trial.stop}, as Ray Tune's {@code stop}): a report at or past
 * {@code step}, a running time of {@code seconds} (summed over its attempts, from each start to that attempt's end), or a
 * reported metric reaching its threshold. Each may be null (absent); at least one is set.
 */
public record TrialStop(Long step, Double seconds, Map<String, Threshold> metrics) {
    /** The keys of {@code trial.stop} that are not metric names. */
    public static final String STEP = "step";
    public static final String SECONDS = "seconds";

    public TrialStop {
        // Sorted: the canonical spec writes them in this order, and decisions take them in it.
        metrics = metrics == null ? Map.of() : Collections.unmodifiableMap(new TreeMap<>(metrics));
        if (step == null && seconds == null && metrics.isEmpty()) {
            throw new IllegalArgumentException("trial.stop needs at least one condition");
        }
    }

    /** The running time allowed, in milliseconds (the resolution of the log's times); null when not limited. */
    public Long millis() {
        return seconds == null ? null : Seconds.millis(seconds);
    }
}
