package io.tunelog.domain.spec;

import static io.tunelog.domain.spec.SpecChecks.*;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads the stop conditions of a spec: {@code trial.stop}, the experiment's {@code goal} and {@code plateau}, and the
 * budget's {@code seconds}. Each problem names its field, as {@link SpecParser} does.
 */
final class StopParser {
    /** Long enough for any experiment (31 years), short enough that its milliseconds fit a long many times over. */
    private static final double MAX_SECONDS = 1e9;

    private StopParser() {}

    static TrialStop trialStop(Field f) {
        mapping(f);
        if (f.node().isEmpty()) {
            throw f.error("expected at least one condition (step, seconds, or a metric with {above: x} or {below: x}), found an empty mapping");
        }
        Long step = optional(f.get(TrialStop.STEP), StopParser::step, null);
        Double seconds = optional(f.get(TrialStop.SECONDS), StopParser::seconds, null);
        Map<String, Threshold> metrics = new LinkedHashMap<>();
        for (String key : keys(f)) {
            if (SpecKeys.TRIAL_STOP.contains(key)) {
                continue;
            }
            if (key.isBlank()) {
                throw f.get(key).error("expected a metric name, found " + quote(key));
            }
            metrics.put(key, threshold(f.get(key), false));
        }
        return new TrialStop(step, seconds, metrics);
    }

    /** {@code goal}: one bound, on the side the metric improves towards (a goal on the other side is a slip). */
    static Threshold goal(Field f, List<Metric> objectives) {
        singleObjective(f, objectives, "a value of the one metric to reach");
        Metric metric = objectives.get(0);
        Threshold goal = threshold(f, true);
        String wrong = metric.mode() == Mode.MAX ? "below" : "above";
        if (f.node().has(wrong)) {
            throw f.get(wrong).error("expected " + (wrong.equals("below") ? "above" : "below") + " for metric " + quote(metric.name())
                    + ", which is " + (metric.mode() == Mode.MAX ? "maximised" : "minimised") + ", found " + wrong);
        }
        return goal;
    }

    static Plateau plateau(Field f, List<Metric> objectives) {
        singleObjective(f, objectives, "the spread of the best scores of one metric");
        fields(f, SpecKeys.PLATEAU);
        int top = optional(f.get("top"), t -> intAtLeast(t, 2), Plateau.DEFAULT_TOP);
        double std = optional(f.get("std"), SpecChecks::finite, Plateau.DEFAULT_STD);
        if (!(std > 0)) {
            throw f.get("std").error("expected a standard deviation > 0, found " + describe(f.get("std").node()));
        }
        int patience = optional(f.get("patience"), SpecChecks::positiveInt, Plateau.DEFAULT_PATIENCE);
        return new Plateau(top, std, patience);
    }

    /**
     * Refuses a condition defined on one metric when there are several objectives: no single value is "the best" then.
     * {@code trial.stop} on a metric stays, since it is about one reported metric of one trial.
     */
    private static void singleObjective(Field f, List<Metric> objectives, String what) {
        if (objectives.size() > 1) {
            throw f.error("is " + what + ", and this spec has " + objectives.size() + " objectives: remove it (trial.stop"
                    + " stops a trial on any reported metric; budget.trials and budget.seconds end the experiment)");
        }
    }

    /** A duration in seconds: a number, whole milliseconds at least. */
    static double seconds(Field f) {
        double seconds = finite(f);
        if (seconds < Seconds.MIN || seconds > MAX_SECONDS) {
            throw f.error("expected a number of seconds from " + Seconds.MIN + " to " + (long) MAX_SECONDS + ", found " + describe(f.node()));
        }
        return seconds;
    }

    private static long step(Field f) {
        long step = integer(f);
        if (step < 1) {
            throw f.error("expected an integer >= 1, found " + step);
        }
        return step;
    }

    /** {@code {above: x}} or {@code {below: x}}; both when {@code one} is false. */
    private static Threshold threshold(Field f, boolean one) {
        if (f.node() == null || !f.node().isObject()) {
            throw f.error("expected {above: x} or {below: x}, found " + describe(f.node()));
        }
        fields(f, SpecKeys.THRESHOLD);
        Double above = optional(f.get("above"), SpecChecks::finite, null);
        Double below = optional(f.get("below"), SpecChecks::finite, null);
        if (above == null && below == null) {
            throw f.error("expected {above: x} or {below: x}, found " + describe(f.node()));
        }
        if (one && above != null && below != null) {
            throw f.error("expected one of above or below, found both");
        }
        return new Threshold(above, below);
    }
}
