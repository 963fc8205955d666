package io.tunelog.domain.spec;

import java.util.List;

/**
 * The set a hyperparameter's values are drawn from.
 *
 * <p>Values are {@link Double} for continuous domains, {@link Long} for integer domains, and the
 * scalars as written (String, Long, Double, Boolean) for {@code choice} and {@code grid}.
 */
public sealed interface ParamDomain {

    /** The spec keyword, e.g. {@code loguniform}. */
    String type();

    /** Uniform on [low, high). */
    record Uniform(double low, double high) implements ParamDomain {
        public String type() { return "uniform"; }
    }

    /** Log-uniform on [low, high), low &gt; 0. */
    record LogUniform(double low, double high) implements ParamDomain {
        public String type() { return "loguniform"; }
    }

    /** Integers in [low, high): the upper bound is exclusive, as in Ray Tune's randint. */
    record RandInt(long low, long high) implements ParamDomain {
        public String type() { return "randint"; }
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
