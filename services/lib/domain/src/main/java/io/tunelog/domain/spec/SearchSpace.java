package io.tunelog.domain.spec;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Named hyperparameter domains, in the order the spec lists them (the order matters for grids), and
 * the conditions under which some of them are active. Nested groups in the spec are flattened to
 * dotted names ({@code model.layers}).
 */
public record SearchSpace(Map<String, ParamDomain> params, Map<String, Condition> conditions) {

    /**
     * A parameter is active only when an earlier parameter took one of the listed values; an inactive
     * parameter is left out of the trial's config.
     */
    public record Condition(String parent, List<Object> values) {
        public Condition { values = List.copyOf(values); }
    }

    public SearchSpace {
        params = Collections.unmodifiableMap(new LinkedHashMap<>(params));
        conditions = Collections.unmodifiableMap(new LinkedHashMap<>(conditions));
    }

    public SearchSpace(Map<String, ParamDomain> params) {
        this(params, Map.of());
    }

    /** Whether {@code name} is active given the values of the parameters before it (a parent must itself be active). */
    public boolean isActive(String name, Map<String, Object> earlierValues) {
        Condition c = conditions.get(name);
        return c == null || (earlierValues.containsKey(c.parent()) && c.values().contains(earlierValues.get(c.parent())));
    }

    /** Number of points in the Cartesian product of the grid parameters; 1 when there are none. */
    public long gridSize() {
        long size = 1;
        for (ParamDomain d : params.values()) {
            if (d instanceof ParamDomain.Grid g) {
                size = Math.multiplyExact(size, g.values().size());
            }
        }
        return size;
    }
}
