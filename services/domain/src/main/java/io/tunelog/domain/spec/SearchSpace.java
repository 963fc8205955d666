package io.tunelog.domain.spec;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/** Named hyperparameter domains, in the order the spec lists them (the order matters for grids). */
public record SearchSpace(Map<String, ParamDomain> params) {

    public SearchSpace {
        params = Collections.unmodifiableMap(new LinkedHashMap<>(params));
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
