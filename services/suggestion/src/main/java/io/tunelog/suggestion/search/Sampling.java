package io.tunelog.suggestion.search;

import io.tunelog.domain.spec.ParamDomain;
import io.tunelog.domain.spec.SearchSpace;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.commons.math3.random.RandomGenerator;

/** Draws values from parameters' domains. */
public final class Sampling {

    private Sampling() {}

    /**
     * One value: a uniform coordinate through {@link UnitSpace#value}, or a uniform index for a
     * categorical domain. (These draws are in every recorded log: changing them breaks audits.)
     */
    public static Object sample(ParamDomain domain, RandomGenerator random) {
        List<Object> values = UnitSpace.categoricalValues(domain);
        return values != null ? values.get(random.nextInt(values.size())) : UnitSpace.value(domain, random.nextDouble());
    }

    /** A whole configuration, in spec order; parameters whose condition fails get no value and no draw. */
    public static Map<String, Object> sample(SearchSpace space, RandomGenerator random) {
        Map<String, Object> config = new LinkedHashMap<>();
        space.params().forEach((name, domain) -> {
            if (space.isActive(name, config)) {
                config.put(name, sample(domain, random));
            }
        });
        return config;
    }
}
