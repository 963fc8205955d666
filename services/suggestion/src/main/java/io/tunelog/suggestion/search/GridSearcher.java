package io.tunelog.suggestion.search;

import io.tunelog.domain.spec.Options;

import io.tunelog.domain.spec.ExperimentSpec;
import io.tunelog.domain.spec.ParamDomain;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Enumerates the Cartesian product of the grid parameters in spec order, the last parameter varying
 * fastest; other parameters are drawn at random for each point.
 */
public final class GridSearcher implements Searcher {

    @Override
    public void check(ExperimentSpec spec) {
        Options.of(spec.searcher()).refuseUnknown();
    }

    @Override
    public Map<String, Object> suggest(SuggestionRequest request) {
        ExperimentSpec spec = request.spec();
        List<String> gridNames = new ArrayList<>();
        spec.searchSpace().params().forEach((name, d) -> {
            if (d instanceof ParamDomain.Grid) {
                gridNames.add(name);
            }
        });
        // Mixed-radix digits of the index, least significant for the last grid parameter.
        Map<String, Object> gridValues = new LinkedHashMap<>();
        long rest = request.index() % spec.searchSpace().gridSize();
        for (int i = gridNames.size() - 1; i >= 0; i--) {
            List<Object> values = ((ParamDomain.Grid) spec.searchSpace().params().get(gridNames.get(i))).values();
            gridValues.put(gridNames.get(i), values.get((int) (rest % values.size())));
            rest /= values.size();
        }
        Map<String, Object> config = new LinkedHashMap<>();
        spec.searchSpace().params().forEach((name, domain) -> {
            if (spec.searchSpace().isActive(name, config)) {
                config.put(name, domain instanceof ParamDomain.Grid ? gridValues.get(name) : Sampling.sample(domain, request.random()));
            }
        });
        return config;
    }
}
