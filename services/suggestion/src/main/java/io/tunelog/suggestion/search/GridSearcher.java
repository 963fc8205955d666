package io.tunelog.suggestion.search;

import io.tunelog.domain.spec.ExperimentSpec;
import io.tunelog.domain.spec.ParamDomain;
import io.tunelog.domain.state.ExperimentState;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.commons.math3.random.RandomGenerator;

/**
 * Enumerates the Cartesian product of the grid parameters in spec order, the last parameter varying
 * fastest; other parameters are drawn at random for each point.
 */
public final class GridSearcher implements Searcher {

    @Override
    public Map<String, Object> suggest(ExperimentSpec spec, ExperimentState state, int index, RandomGenerator random) {
        List<String> gridNames = new ArrayList<>();
        spec.searchSpace().params().forEach((name, d) -> {
            if (d instanceof ParamDomain.Grid) {
                gridNames.add(name);
            }
        });
        // Mixed-radix digits of the index, least significant for the last grid parameter.
        Map<String, Object> gridValues = new LinkedHashMap<>();
        long rest = index % spec.searchSpace().gridSize();
        for (int i = gridNames.size() - 1; i >= 0; i--) {
            List<Object> values = ((ParamDomain.Grid) spec.searchSpace().params().get(gridNames.get(i))).values();
            gridValues.put(gridNames.get(i), values.get((int) (rest % values.size())));
            rest /= values.size();
        }
        Map<String, Object> config = new LinkedHashMap<>();
        spec.searchSpace().params().forEach((name, domain) ->
                config.put(name, domain instanceof ParamDomain.Grid ? gridValues.get(name) : Sampling.sample(domain, random)));
        return config;
    }
}
