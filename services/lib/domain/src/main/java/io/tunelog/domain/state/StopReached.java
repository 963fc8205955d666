package io.tunelog.domain.state;

import io.tunelog.domain.spec.Threshold;
import io.tunelog.domain.spec.TrialStop;
import java.util.Map;

/**
 * The first report of a trial that reached one of its {@code trial.stop} conditions on steps or metrics: which
 * ({@code condition}: "step" or the metric's name), the report's attempt and step, the value that reached it and the
 * bound it reached ({@code side}: "above" or "below"; "step" reaches its bound from below, as "above").
 */
public record StopReached(String condition, int attempt, long step, double value, String side, double bound) {

    /** The condition a report reaches, the step first and then the metrics in name order; null when it reaches none. */
    public static StopReached of(TrialStop stop, int attempt, long step, Map<String, Double> metrics) {
        if (stop.step() != null && step >= stop.step()) {
            return new StopReached(TrialStop.STEP, attempt, step, step, "above", stop.step());
        }
        for (Map.Entry<String, Threshold> e : stop.metrics().entrySet()) {
            Double value = metrics.get(e.getKey());
            if (value != null && e.getValue().reachedBy(value)) {
                String side = e.getValue().side(value);
                return new StopReached(e.getKey(), attempt, step, value, side, e.getValue().bound(side));
            }
        }
        return null;
    }
}
