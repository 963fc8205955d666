package io.tunelog.domain.spec;

import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * The trial schedulers a spec may name in {@code scheduler.type}: the one list of them. The parser accepts
 * these names and no others; the scheduling service maps each to its rule with an exhaustive switch, so a
 * name without one does not compile.
 */
public enum SchedulerType {
    FIFO, ASHA, HYPERBAND, MEDIAN, PBT, PB2, RACING;

    /** The name a spec uses: {@code scheduler: {type: asha}}. */
    public String specName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The scheduler a spec names, or empty when this build has none by that name. */
    public static Optional<SchedulerType> named(String name) {
        return Arrays.stream(values()).filter(t -> t.specName().equals(name)).findFirst();
    }

    /** Every name, sorted, as errors list them. */
    public static SortedSet<String> names() {
        TreeSet<String> names = new TreeSet<>();
        Arrays.stream(values()).forEach(t -> names.add(t.specName()));
        return names;
    }
}
