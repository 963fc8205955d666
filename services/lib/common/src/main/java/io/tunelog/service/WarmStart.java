package io.tunelog.service;

import io.tunelog.domain.event.EventPayload.ObservationImported;
import io.tunelog.domain.spec.ConfigCheck;
import io.tunelog.domain.spec.ExperimentSpec;
import io.tunelog.domain.spec.SpecException;
import io.tunelog.domain.state.ExperimentState;
import io.tunelog.domain.state.ExperimentStatus;
import io.tunelog.domain.state.Objectives;
import io.tunelog.domain.state.Report;
import io.tunelog.domain.state.TrialState;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * What a submission with {@code warmStart.from} imports: each source experiment's finished trials (ended, with a finite
 * value of the new experiment's metric, as a model-based searcher of the source saw them), their configs restricted to
 * the new search space. A trial whose config then lacks a parameter, or holds a value outside its domain, is skipped and
 * counted. Pure: the gate gives it the sources as folded from their own logs.
 */
final class WarmStart {

    /** The observations to log after the submission, in source order, and how many finished trials did not fit. */
    record Imports(List<ObservationImported> observations, int skipped) {}

    /** A source the spec names that cannot be imported from: the field and why. */
    static final class Refused extends Exception {
        Refused(String field, String why) {
            super(field + ": " + why);
        }
    }

    private WarmStart() {}

    /**
     * @param sources each source experiment as folded from its log (an empty state when nothing was logged for it)
     * @throws Refused naming {@code warmStart.from[i]} for a source that was never submitted or has not ended
     */
    static Imports imports(ExperimentSpec spec, Function<String, ExperimentState> sources) throws Refused {
        List<ObservationImported> observations = new ArrayList<>();
        int skipped = 0;
        for (int i = 0; i < spec.warmStartFrom().size(); i++) {
            String id = spec.warmStartFrom().get(i);
            String field = "warmStart.from[" + i + "]";
            ExperimentState source;
            try {
                source = sources.apply(id);
            } catch (RuntimeException unreadable) {
                // A log the gate cannot read refuses this submission; it must not stop the gate, which would meet it again.
                throw new Refused(field, "the log of experiment " + id + " could not be read: " + unreadable.getMessage());
            }
            if (source.status() == ExperimentStatus.UNKNOWN || source.spec() == null) {
                throw new Refused(field, "no experiment " + id + " was submitted");
            }
            if (!source.status().isFinished()) {
                throw new Refused(field, "experiment " + id + " is " + source.status() + ": only an ended experiment's trials are imported");
            }
            for (TrialState trial : source.trials()) {
                if (!trial.isTerminal(source.spec().trial().maxFailures())) {
                    continue;
                }
                Map<String, Double> metrics = lastMetrics(trial);
                if (Objectives.minimised(spec, metrics) == null || Objectives.violations(spec, metrics) == null) {
                    continue;
                }
                Map<String, Object> restricted = new LinkedHashMap<>(trial.config());
                restricted.keySet().retainAll(spec.searchSpace().params().keySet());
                try {
                    observations.add(new ObservationImported(id, trial.trialId(),
                            ConfigCheck.check(spec.searchSpace(), restricted, "config"), metrics));
                } catch (SpecException outsideTheSpace) {
                    skipped++;
                }
            }
        }
        return new Imports(observations, skipped);
    }

    /**
     * Each metric's last reported value, as {@link TrialState#lastValue} takes it, for those whose last value is finite.
     */
    private static Map<String, Double> lastMetrics(TrialState trial) {
        Map<String, Double> last = new LinkedHashMap<>();
        for (Report report : trial.reports()) {
            last.putAll(report.metrics());
        }
        last.values().removeIf(value -> !Double.isFinite(value));
        return last;
    }
}
