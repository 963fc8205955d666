package io.tunelog.suggestion.search;

import io.tunelog.domain.spec.SpecException;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * A searcher's options from the spec, read with defaults. A bad value, or an option the searcher does
 * not read, is a {@link SpecException} naming {@code searcher.<option>}.
 */
final class Options {
    private final String searcher;
    private final Map<String, Object> options;
    private final Set<String> read = new TreeSet<>();

    Options(String searcher, Map<String, Object> options) {
        this.searcher = searcher;
        this.options = options;
    }

    /** Call after reading every option: anything else in the spec is a mistake (a typo, another searcher's option). */
    void refuseUnknown() {
        for (String name : new TreeSet<>(options.keySet())) {
            if (!read.contains(name)) {
                throw new SpecException("searcher." + name, "expected an option of the " + searcher + " searcher, one of "
                        + read + ", found unknown option \"" + name + "\"");
            }
        }
    }

    int positiveInt(String name, int fallback) {
        read.add(name);
        Object v = options.get(name);
        if (v == null) {
            return fallback;
        }
        if (!(v instanceof Long l) || l < 1 || l > 1_000_000) {
            throw bad(name, "a whole number from 1 to 1000000", v);
        }
        return (int) (long) l;
    }

    double positiveDouble(String name, double fallback) {
        read.add(name);
        Object v = options.get(name);
        if (v == null) {
            return fallback;
        }
        if (!(v instanceof Number n) || !(n.doubleValue() > 0) || !Double.isFinite(n.doubleValue())) {
            throw bad(name, "a finite number > 0", v);
        }
        return n.doubleValue();
    }

    double fraction(String name, double fallback) {
        double v = positiveDouble(name, fallback);
        if (v > 1) {
            throw bad(name, "a number in (0, 1]", v);
        }
        return v;
    }

    boolean flag(String name, boolean fallback) {
        read.add(name);
        Object v = options.get(name);
        if (v == null) {
            return fallback;
        }
        if (!(v instanceof Boolean b)) {
            throw bad(name, "true or false", v);
        }
        return b;
    }

    String choice(String name, java.util.List<String> allowed, String fallback) {
        read.add(name);
        Object v = options.get(name);
        if (v == null) {
            return fallback;
        }
        if (!allowed.contains(v)) {
            throw bad(name, "one of " + allowed, v);
        }
        return (String) v;
    }

    private SpecException bad(String name, String expected, Object found) {
        return new SpecException("searcher." + name, "expected " + expected + " for the " + searcher + " searcher, found " + found);
    }
}
