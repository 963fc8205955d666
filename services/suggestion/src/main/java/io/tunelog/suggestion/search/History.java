package io.tunelog.suggestion.search;

import io.tunelog.domain.spec.ExperimentSpec;
import io.tunelog.domain.spec.Mode;
import io.tunelog.domain.state.ExperimentState;
import io.tunelog.domain.state.TrialState;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The experiment as a model-based searcher sees it: finished trials with a loss (the metric, negated
 * when the mode is max, so that lower is always better), in creation order after those imported from earlier
 * experiments (warmStart), and the configurations
 * still pending (running, queued, or suggested earlier in this decision).
 */
public record History(List<Observation> observations, List<Map<String, Object>> pending) {

    public record Observation(Map<String, Object> config, double loss) {}

    public History {
        observations = List.copyOf(observations);
        pending = List.copyOf(pending);
    }

    static History of(ExperimentSpec spec, ExperimentState state, List<Map<String, Object>> batch) {
        int maxFailures = spec.trial().maxFailures();
        String metric = spec.metric().name();
        boolean max = spec.metric().mode() == Mode.MAX;
        List<Observation> observations = new ArrayList<>();
        List<Map<String, Object>> pending = new ArrayList<>();
        // Imported observations (warmStart) first: finished trials of earlier experiments, admitted with a finite metric.
        state.imported().forEach(o -> observations.add(new Observation(o.config(), max ? -o.metrics().get(metric) : o.metrics().get(metric))));
        for (TrialState t : state.trials()) {
            if (!t.isTerminal(maxFailures)) {
                pending.add(t.config());
                continue;
            }
            Optional<Double> value = t.lastValue(metric);
            if (value.isPresent() && Double.isFinite(value.get())) {
                observations.add(new Observation(t.config(), max ? -value.get() : value.get()));
            }
        }
        pending.addAll(batch);
        return new History(observations, pending);
    }
}
