package io.tunelog.domain.spec;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * A searcher's or scheduler's options from the spec, read with defaults. A bad value, or an option the
 * component does not read, is a {@link SpecException} naming {@code searcher.<option>} or
 * {@code scheduler.<option>}.
 */
public final class Options {
    private final String section;
    private final String type;
    private final Map<String, Object> options;
    private final Set<String> read = new TreeSet<>();

    public static Options of(SearcherSpec searcher) {
        return new Options("searcher", searcher.type(), searcher.options());
    }

    public static Options of(SchedulerSpec scheduler) {
        return new Options("scheduler", scheduler.type(), scheduler.options());
    }

    private Options(String section, String type, Map<String, Object> options) {
        this.section = section;
        this.type = type;
        this.options = options;
    }

    /** Call after reading every option: anything else in the spec is a mistake (a typo, another searcher's option). */
    public void refuseUnknown() {
        for (String name : new TreeSet<>(options.keySet())) {
            if (!read.contains(name)) {
                throw new SpecException(section + "." + name, "expected an option of the " + type + " " + section + ", one of "
                        + read + ", found unknown option \"" + name + "\"");
            }
        }
    }

    public int positiveInt(String name, int fallback) {
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

    public double positiveDouble(String name, double fallback) {
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

    public double fraction(String name, double fallback) {
        double v = positiveDouble(name, fallback);
        if (v > 1) {
            throw bad(name, "a number in (0, 1]", v);
        }
        return v;
    }

    public boolean flag(String name, boolean fallback) {
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

    public String choice(String name, List<String> allowed, String fallback) {
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

    /** A whole number from 0 up. */
    public long nonNegativeLong(String name, long fallback) {
        read.add(name);
        Object v = options.get(name);
        if (v == null) {
            return fallback;
        }
        if (!(v instanceof Long l) || l < 0) {
            throw bad(name, "a whole number >= 0", v);
        }
        return l;
    }

    /** A number in [0, 1]. */
    public double probability(String name, double fallback) {
        read.add(name);
        Object v = options.get(name);
        if (v == null) {
            return fallback;
        }
        if (!(v instanceof Number n) || !(n.doubleValue() >= 0 && n.doubleValue() <= 1)) {
            throw bad(name, "a number from 0 to 1", v);
        }
        return n.doubleValue();
    }

    public String text(String name, String fallback) {
        read.add(name);
        Object v = options.get(name);
        if (v == null) {
            return fallback;
        }
        if (!(v instanceof String text) || text.isBlank()) {
            throw bad(name, "a name", v);
        }
        return text;
    }

    /** A list of finite numbers > 0, at least one. */
    public List<Double> positiveDoubles(String name, List<Double> fallback) {
        read.add(name);
        Object v = options.get(name);
        if (v == null) {
            return fallback;
        }
        List<Double> values = new ArrayList<>();
        for (Object item : v instanceof List<?> list ? list : List.of(v)) {
            if (!(item instanceof Number n) || !(n.doubleValue() > 0) || !Double.isFinite(n.doubleValue())) {
                throw bad(name, "a list of finite numbers > 0", v);
            }
            values.add(n.doubleValue());
        }
        return values;
    }

    /** A list of names, at least one. */
    public List<String> texts(String name, List<String> fallback) {
        read.add(name);
        Object v = options.get(name);
        if (v == null) {
            return fallback;
        }
        List<String> values = new ArrayList<>();
        for (Object item : v instanceof List<?> list ? list : List.of(v)) {
            if (!(item instanceof String text)) {
                throw bad(name, "a list of names", v);
            }
            values.add(text);
        }
        return values;
    }

    private SpecException bad(String name, String expected, Object found) {
        return new SpecException(section + "." + name, "expected " + expected + " for the " + type + " " + section + ", found " + found);
    }
}
