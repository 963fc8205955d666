package io.tunelog.domain.spec;

/** Whether a metric is better when smaller or larger. */
public enum Mode {
    MIN, MAX;

    /** True when {@code candidate} is strictly better than {@code incumbent} in this mode. */
    public boolean better(double candidate, double incumbent) {
        return this == MIN ? candidate < incumbent : candidate > incumbent;
    }
}
