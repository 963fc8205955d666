package io.tunelog.suggestion.search;

import java.util.Map;

/** A searcher's options from the spec, read with defaults; a bad value names the option. */
final class Options {
    private final String searcher;
    private final Map<String, Object> options;

    Options(String searcher, Map<String, Object> options) {
        this.searcher = searcher;
        this.options = options;
    }

    int positiveInt(String name, int fallback) {
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
        Object v = options.get(name);
        if (v == null) {
            return fallback;
        }
        if (!allowed.contains(v)) {
            throw bad(name, "one of " + allowed, v);
        }
        return (String) v;
    }

    private IllegalArgumentException bad(String name, String expected, Object found) {
        return new IllegalArgumentException("searcher." + name + ": expected " + expected + " for the " + searcher
                + " searcher, found " + found);
    }
}
