package io.tunelog.suggestion.search;

import io.tunelog.domain.event.EventPayload.TrialDecision;
import io.tunelog.domain.spec.ExperimentSpec;
import io.tunelog.domain.spec.Options;
import io.tunelog.domain.spec.SchedulerType;
import io.tunelog.domain.spec.SpecException;
import io.tunelog.domain.state.TrialState;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * BOHB (Falkner et al., 2018): the model-based half of Bayesian optimisation and Hyperband. It runs beside
 * the {@code hyperband} (or {@code asha}) scheduler and models the scores recorded at the scheduler's rungs:
 * it takes the highest rung (the largest budget) with at least {@code minPointsInModel} scores (default: the
 * number of parameters + 1, as the paper's), fits TPE's two densities to those configurations (the
 * multivariate Parzen estimator, good = the best γ), and proposes the candidate with the highest ratio.
 * A {@code randomFraction} of suggestions, and every one before some rung has enough scores, are random.
 *
 * <p>Like every searcher it is a pure function of the log: the rung scores are the scheduler's own logged
 * decisions, read back from the state.
 */
public final class BohbSearcher implements Searcher {

    private record Settings(double randomFraction, int minPoints, int candidates) {
        static Settings of(ExperimentSpec spec) {
            Options options = Options.of(spec.searcher());
            Settings settings = new Settings(options.probability("randomFraction", 1.0 / 3),
                    options.positiveInt("minPointsInModel", spec.searchSpace().params().size() + 1),
                    options.positiveInt("candidates", 64));
            options.refuseUnknown();
            if (!spec.scheduler().is(SchedulerType.HYPERBAND) && !spec.scheduler().is(SchedulerType.ASHA)) {
                throw new SpecException("searcher.type", "expected the hyperband or asha scheduler with the bohb searcher, whose"
                        + " model reads their rungs, found scheduler " + spec.scheduler().type());
            }
            return settings;
        }
    }

    @Override
    public void check(ExperimentSpec spec) {
        Searchers.requireOneObjective(spec);
        Settings.of(spec);
    }

    @Override
    public Map<String, Object> suggest(SuggestionRequest request) {
        Settings settings = Settings.of(request.spec());
        boolean random = request.random().nextDouble() < settings.randomFraction();
        History rung = highestRungWithEnoughScores(request, settings.minPoints());
        if (random || rung == null) {
            return Sampling.sample(request.spec().searchSpace(), request.random());
        }
        return TpeSearcher.fromModel(request, rung, settings.candidates(), true, 1.0);
    }

    /**
     * The observations at the highest milestone where at least {@code minPoints} trials have a score, as
     * losses (the schedulers' scores are higher-is-better), with the open trials as pending.
     */
    private static History highestRungWithEnoughScores(SuggestionRequest request, int minPoints) {
        // By milestone (every bracket's rung at the same budget counts together), highest first.
        TreeMap<Double, List<History.Observation>> byBudget = new TreeMap<>();
        for (TrialState trial : request.state().trials()) {
            for (TrialDecision d : trial.decisions()) {
                Double milestone = d.inputs().get("milestone");
                if (d.rung() != null && milestone != null) {
                    byBudget.computeIfAbsent(milestone, m -> new ArrayList<>())
                            .add(new History.Observation(trial.config(), -d.inputs().get(TrialDecision.SCORE)));
                }
            }
        }
        for (Map.Entry<Double, List<History.Observation>> budget : byBudget.descendingMap().entrySet()) {
            if (budget.getValue().size() >= minPoints) {
                return new History(budget.getValue(), request.history().pending());
            }
        }
        return null;
    }
}
