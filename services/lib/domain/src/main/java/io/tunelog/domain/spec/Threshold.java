package io.tunelog.domain.spec;

/**
 * A value for a metric to reach: {@code above} is reached by a value at or above it, {@code below} by one at or below it.
 * At least one is set; a trial stop may set both (either ends the trial), an experiment's goal sets one.
 */
public record Threshold(Double above, Double below) {

    public Threshold {
        if (above == null && below == null) {
            throw new IllegalArgumentException("a threshold needs above or below");
        }
    }

    /** Whether {@code value} reaches it. */
    public boolean reachedBy(double value) {
        return (above != null && value >= above) || (below != null && value <= below);
    }

    /** The bound {@code value} reached, "above" or "below"; null when it reaches neither. */
    public String side(double value) {
        return above != null && value >= above ? "above" : below != null && value <= below ? "below" : null;
    }

    /** The bound on that side. */
    public double bound(String side) {
        return side.equals("above") ? above : below;
    }
}
