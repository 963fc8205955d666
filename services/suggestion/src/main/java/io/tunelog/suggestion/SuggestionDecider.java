package io.tunelog.suggestion;

import io.tunelog.domain.decide.Decided;
import io.tunelog.domain.decide.Decider;
import io.tunelog.domain.decide.SeededRandom;
import io.tunelog.domain.event.EventPayload.TrialCreated;
import io.tunelog.domain.event.EventPayload.TrialEnqueued;
import io.tunelog.domain.spec.ExperimentSpec;
import io.tunelog.domain.state.ExperimentState;
import io.tunelog.domain.state.ExperimentStatus;
import io.tunelog.domain.state.RobustStage;
import io.tunelog.suggestion.search.Searcher;
import io.tunelog.suggestion.search.Searchers;
import io.tunelog.suggestion.search.SuggestionRequest;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.commons.math3.random.RandomGenerator;

/**
 * Creates trials while the budget allows: never more than {@code budget.concurrent} unfinished at
 * once, never more than the planned total. The spec's {@code searcher.initial} configurations come first, in order, and
 * count against {@code budget.trials}; then the configurations enqueued while it runs, in log order, which take from the
 * budget too; the searcher suggests the rest of the search's trials; the robust
 * stage's trials, if the spec asks for it, follow from the search's best ({@link RobustTrials}).
 */
public final class SuggestionDecider implements Decider {
    public static final String SERVICE = "suggestion";
    /** The origin of a trial whose configuration the spec's {@code searcher.initial} gave. */
    public static final String INITIAL = "initial";

    @Override
    public String service() {
        return SERVICE;
    }

    @Override
    public List<Decided> decide(ExperimentState state) {
        if (state.status() != ExperimentStatus.RUNNING) {
            return List.of();
        }
        ExperimentSpec spec = state.spec();
        int created = state.trials().size();
        long free = spec.budget().concurrent() - state.busyTrials();
        int toCreate = (int) Math.min(free, RobustStage.plannedTrials(state) - created);
        Searcher searcher = Searchers.of(spec);
        List<Map<String, Object>> initial = spec.searcher().initial();
        List<Decided> decided = new ArrayList<>();
        List<Map<String, Object>> batch = new ArrayList<>();
        int enqueued = state.enqueuedTaken();
        for (int i = 0; i < toCreate; i++) {
            int index = created + i;
            String trialId = trialId(index);
            RandomGenerator random = SeededRandom.forDecision(spec.seed(), "suggest/" + index);
            TrialCreated trial = index < initial.size() ? new TrialCreated(initial.get(index), INITIAL, index)
                    : index < spec.plannedTrials() && enqueued < state.enqueued().size()
                    ? new TrialCreated(state.enqueued().get(enqueued++).config(), TrialEnqueued.ORIGIN, index)
                    : index < spec.plannedTrials()
                    ? new TrialCreated(searcher.suggest(new SuggestionRequest(spec, state, batch, index, random)), "suggested", index)
                    : RobustTrials.create(state, index, random);
            batch.add(trial.config());
            decided.add(new Decided(trialId, trialId + "/created", trial));
        }
        return decided;
    }

    /**
     * Refuses a spec whose searcher options this build cannot use, naming the option; the CLI calls it
     * before submitting, so a typo fails at once instead of at the first suggestion.
     */
    public static void check(ExperimentSpec spec) {
        Searchers.of(spec).check(spec);
    }

    /** Trial ids sort in creation order. */
    public static String trialId(int index) {
        return String.format("trial-%05d", index);
    }
}
