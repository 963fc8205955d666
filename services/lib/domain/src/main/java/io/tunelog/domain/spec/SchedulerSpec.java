package io.tunelog.domain.spec;

import java.util.Map;

/** Which trial scheduler decides trials' fates, with its options. */
public record SchedulerSpec(String type, Map<String, Object> options) {

    public SchedulerSpec {
        options = Map.copyOf(options);
    }

    public boolean is(SchedulerType scheduler) {
        return scheduler.specName().equals(type);
    }
}
