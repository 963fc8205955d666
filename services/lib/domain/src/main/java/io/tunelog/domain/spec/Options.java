package io.tunelog.domain.spec;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;

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
        return read(name, fallback, "a whole number from 1 to 1000000",
                v -> v instanceof Long l && l >= 1 && l <= 1_000_000 ? (int) (long) l : null);
    }

    public double positiveDouble(String name, double fallback) {
        return read(name, fallback, "a finite number > 0", Options::positive);
    }

    public double fraction(String name, double fallback) {
        double v = positiveDouble(name, fallback);
        if (v > 1) {
            throw bad(name, "a number in (0, 1]", v);
        }
        return v;
    }

    public boolean flag(String name, boolean fallback) {
        return read(name, fallback, "true or false", v -> v instanceof Boolean b ? b : null);
    }

    public String choice(String name, List<String> allowed, String fallback) {
        return read(name, fallback, "one of " + allowed, v -> allowed.contains(v) ? (String) v : null);
    }

    /** A whole number from 0 up. */
    public long nonNegativeLong(String name, long fallback) {
        return read(name, fallback, "a whole number >= 0", v -> v instanceof Long l && l >= 0 ? l : null);
    }

    /** A number in [0, 1]. */
    public double probability(String name, double fallback) {
        return read(name, fallback, "a number from 0 to 1",
                v -> v instanceof Number n && n.doubleValue() >= 0 && n.doubleValue() <= 1 ? n.doubleValue() : null);
    }

    public String text(String name, String fallback) {
        return read(name, fallback, "a name", v -> v instanceof String text && !text.isBlank() ? text : null);
    }

    /** A list of finite numbers > 0, at least one. */
    public List<Double> positiveDoubles(String name, List<Double> fallback) {
        return read(name, fallback, "a list of finite numbers > 0", v -> each(v, Options::positive));
    }

    /** A list of names, at least one. */
    public List<String> texts(String name, List<String> fallback) {
        return read(name, fallback, "a list of names", v -> each(v, item -> item instanceof String text ? text : null));
    }

    /**
     * The option's value as {@code valid} reads it, or the fallback when the spec leaves it out; {@code valid}
     * answers null for a value it refuses, which is then reported as not what was {@code expected}.
     */
    private <T> T read(String name, T fallback, String expected, Function<Object, T> valid) {
        read.add(name);
        Object v = options.get(name);
        if (v == null) {
            return fallback;
        }
        T value = valid.apply(v);
        if (value == null) {
            throw bad(name, expected, v);
        }
        return value;
    }

    private static Double positive(Object v) {
        return v instanceof Number n && n.doubleValue() > 0 && Double.isFinite(n.doubleValue()) ? n.doubleValue() : null;
    }

    /** Every item of a list (a lone value counts as a list of one) as {@code item} reads it, or null if it refuses one. */
    private static <T> List<T> each(Object v, Function<Object, T> item) {
        List<T> values = new ArrayList<>();
        for (Object o : v instanceof List<?> list ? list : List.of(v)) {
            T value = item.apply(o);
            if (value == null) {
                return null;
            }
            values.add(value);
        }
        return values;
    }

    private SpecException bad(String name, String expected, Object found) {
        return new SpecException(section + "." + name, "expected " + expected + " for the " + type + " " + section + ", found " + found);
    }
}
