package io.tunelog.domain.spec;

/**
 * The optional stage after the budget that checks whether the best configurations are really best.
 * Stochastic training makes the empirical best an outlier candidate; so the {@code top} configurations
 * are run again {@code seeds} times, with the trial's {@code seedParam} set to 1..seeds, and
 * {@code probes} points within {@code radius} of each (in the unit cube of the search space) are run once.
 */
public record RobustSpec(int top, int seeds, int probes, double radius, String seedParam) {

    /** Trials the stage adds when at least {@code top} configurations finished with a value. */
    public int trialsPerConfiguration() {
        return seeds + probes;
    }
}
