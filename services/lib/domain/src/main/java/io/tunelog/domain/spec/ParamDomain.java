package io.tunelog.domain.spec;

import java.util.List;

/**
 * The set a hyperparameter's values are drawn from, with Ray Tune's names and semantics.
 *
 * <p>Values are {@link Double} for real domains, {@link Long} for integer domains, and the scalars as
 * written (String, Long, Double, Boolean) for {@code choice} and {@code grid}.
 */
public sealed interface ParamDomain {

    /** The spec keyword, e.g. {@code qloguniform}. */
    String type();

    /**
     * A real number on [low, high): uniform, or uniform in log space when {@code log}; rounded to the
     * nearest multiple of {@code q} when {@code q > 0} ({@code quniform}, {@code qloguniform}).
     */
    record Uniform(double low, double high, boolean log, double q) implements ParamDomain {
        public String type() { return (q > 0 ? "q" : "") + (log ? "loguniform" : "uniform"); }
    }

    /** A normal distribution; rounded to the nearest multiple of {@code q} when {@code q > 0} ({@code qnormal}). */
    record Normal(double mean, double sd, double q) implements ParamDomain {
        public String type() { return q > 0 ? "qnormal" : "normal"; }
    }

    /**
     * An integer. {@code randint} and {@code lograndint} draw from [low, high) with high exclusive, as
     * Ray Tune does; {@code qrandint} ({@code q > 0}) draws multiples of q from low up to high inclusive.
     */
    record IntRange(long low, long high, boolean log, long q) implements ParamDomain {
        public String type() { return q > 0 ? "qrandint" : log ? "lograndint" : "randint"; }

        /** The largest value the domain holds. */
        public long max() {
            return q > 0 ? low + (high - low) / q * q : high - 1;
        }

        /** How many values the domain holds. */
        public long size() {
            return q > 0 ? (high - low) / q + 1 : high - low;
        }
    }

    /** One of the given values, each equally likely. */
    record Choice(List<Object> values) implements ParamDomain {
        public Choice { values = List.copyOf(values); }
        public String type() { return "choice"; }
    }

    /** Every one of the given values, enumerated by the grid searcher. */
    record Grid(List<Object> values) implements ParamDomain {
        public Grid { values = List.copyOf(values); }
        public String type() { return "grid"; }
    }
}
