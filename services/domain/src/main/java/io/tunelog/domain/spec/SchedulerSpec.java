package io.tunelog.domain.spec;

import java.util.Map;
import java.util.Set;

/** Which trial scheduler decides trials' fates, with its options. */
public record SchedulerSpec(String type, Map<String, Object> options) {

    /** Schedulers this build implements. */
    public static final Set<String> TYPES = Set.of("fifo", "asha", "hyperband", "median", "pbt", "pb2", "racing");

    public SchedulerSpec {
        options = Map.copyOf(options);
    }
}
