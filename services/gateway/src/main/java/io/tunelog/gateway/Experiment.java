package io.tunelog.gateway;

import io.tunelog.domain.event.EventPayload.TrialDecision;
import io.tunelog.domain.event.LoggedEvent;
import io.tunelog.domain.state.ExperimentState;
import io.tunelog.domain.state.ParetoFront;
import io.tunelog.domain.state.TrialState;
import io.tunelog.domain.state.TrialStatus;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * One experiment as the gateway keeps it: besides the folded {@link ExperimentState}, its events (for paging and
 * streaming), its scheduler decisions, and counts of trials by status and of decisions by rule, kept up event by
 * event so that no request has to walk the log. Every method must be called under the experiment's lock, as
 * {@link ExperimentCatalog#read} does.
 */
public final class Experiment {
    private final ExperimentState state;
    private final List<LoggedEvent> events = new ArrayList<>();
    private final List<LoggedEvent> decisions = new ArrayList<>();
    private final Map<TrialStatus, Integer> trialsByStatus = new EnumMap<>(TrialStatus.class);
    private final Map<String, Integer> decisionsByRule = new TreeMap<>();
    private Optional<ExperimentState.Best> best = Optional.empty();
    private long bestAtOffset = Long.MIN_VALUE;
    private List<ParetoFront.Member> front = List.of();
    private long frontAtOffset = Long.MIN_VALUE;

    Experiment(String experimentId) {
        this.state = new ExperimentState(experimentId);
    }

    /** The folded state: read it only under the lock, and copy out what outlives the read. */
    public ExperimentState state() {
        return state;
    }

    /** Trials by status; statuses no trial has are absent. */
    public Map<TrialStatus, Integer> trialsByStatus() {
        return Collections.unmodifiableMap(trialsByStatus);
    }

    /** Scheduler decisions by {@code <rule>.<action>}, as {@code Json.summary} counts them. */
    public Map<String, Integer> decisionsByRule() {
        return Collections.unmodifiableMap(decisionsByRule);
    }

    /** The TrialDecision events the fold took, in log order. */
    public List<LoggedEvent> decisions() {
        return Collections.unmodifiableList(decisions);
    }

    /**
     * The best trial, computed at most once per change of the log: it looks at every trial, and a listing asks for it
     * of every experiment.
     */
    public Optional<ExperimentState.Best> best() {
        if (bestAtOffset != state.lastOffset()) {
            best = state.best();
            bestAtOffset = state.lastOffset();
        }
        return best;
    }

    /** The Pareto front ({@link ExperimentState#front()}), computed at most once per change of the log, as {@link #best()}. */
    public List<ParetoFront.Member> front() {
        if (frontAtOffset != state.lastOffset()) {
            front = state.front();
            frontAtOffset = state.lastOffset();
        }
        return front;
    }

    /** Up to {@code limit} events from the first at or after {@code offset}: a binary search, then a copy. */
    public List<LoggedEvent> eventsFrom(long offset, int limit) {
        return eventsAt(firstIndexAtOrAfter(offset), limit);
    }

    /** Up to {@code limit} events from the {@code index}-th the experiment has (its events only ever grow). */
    public List<LoggedEvent> eventsAt(int index, int limit) {
        int from = Math.min(index, events.size());
        return List.copyOf(events.subList(from, Math.min(events.size(), from + limit)));
    }

    /** The index of the first event at or after {@code offset}. */
    public int firstIndexAtOrAfter(long offset) {
        int lo = 0;
        int hi = events.size();
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (events.get(mid).offset() < offset) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo;
    }

    void fold(LoggedEvent logged) {
        events.add(logged);
        String trialId = logged.event().trialId();
        TrialState before = trialId == null ? null : state.trial(trialId);
        TrialStatus was = before == null ? null : before.status();
        int decided = before == null ? 0 : before.decisions().size();
        state.apply(logged);
        if (trialId == null) {
            // An experiment's own event: a cancellation ends every open trial at once. These are few; count anew.
            trialsByStatus.clear();
            state.trials().forEach(t -> trialsByStatus.merge(t.status(), 1, Integer::sum));
            return;
        }
        // Only the event's own trial can change, so the counts follow from its status before and after.
        TrialState after = state.trial(trialId);
        if (after == null) {
            return;
        }
        if (was != after.status()) {
            if (was != null) {
                trialsByStatus.merge(was, -1, Integer::sum);
                trialsByStatus.remove(was, 0);
            }
            trialsByStatus.merge(after.status(), 1, Integer::sum);
        }
        if (after.decisions().size() > decided) {
            // Counted only when the fold took it: a decision it refused is an anomaly, not a decision.
            TrialDecision d = after.decisions().get(after.decisions().size() - 1);
            decisions.add(logged);
            decisionsByRule.merge(d.rule() + "." + d.action().name().toLowerCase(Locale.ROOT), 1, Integer::sum);
        }
    }
}
