package io.tunelog.scheduler.rule;

import io.tunelog.domain.decide.Decided;
import io.tunelog.domain.event.EventPayload.Action;
import io.tunelog.domain.event.EventPayload.TrialDecision;
import io.tunelog.domain.spec.ExperimentSpec;
import io.tunelog.domain.spec.Options;
import io.tunelog.domain.spec.SpecException;
import io.tunelog.domain.state.ExperimentState;
import io.tunelog.domain.state.Report;
import io.tunelog.domain.state.TrialState;
import io.tunelog.domain.state.TrialStatus;
import io.tunelog.suggestion.SuggestionDecider;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Synchronous Hyperband (Li et al., 2018), with the successive halving in each bracket done by pausing.
 *
 * <p>With {@code η = reductionFactor} and {@code sMax = ⌊log_η(maxT / gracePeriod)⌋}, one band is the
 * brackets {@code s = sMax … 0}; bracket {@code s} takes {@code n = ⌈(sMax+1)/(s+1) · η^s⌉} trials, in
 * creation order, and has rungs at {@code maxT · η^(k-s)}, {@code k = 0 … s}. A trial that reaches its
 * bracket's next rung is paused there with its score recorded. When every trial promoted to that rung has
 * reached it (or ended), the best {@code ⌊m/η⌋} of the {@code m} recorded (at least one) resume from their
 * checkpoints and the others stop. A trial that reaches {@code maxT} stops. Bands repeat while the budget
 * lasts; a last bracket the budget cuts short halves what it has.
 */
public final class Hyperband implements TrialRule {
    static final String RULE_RUNG = "hyperband.rung";
    static final String RULE_PROMOTE = "hyperband.promote";
    static final String RULE_CUT = "hyperband.cut";
    static final String RULE_MAX_T = "hyperband.max_t";

    record Settings(Progress progress, double maxT, double gracePeriod, double eta) {

        static Settings of(ExperimentSpec spec) {
            Options o = Options.of(spec.scheduler());
            Settings s = new Settings(Progress.of(spec, o), o.positiveDouble("maxT", 81), o.positiveDouble("gracePeriod", 1),
                    o.positiveDouble("reductionFactor", 3));
            o.refuseUnknown();
            if (s.gracePeriod > s.maxT) {
                throw new SpecException("scheduler.gracePeriod", "expected at most maxT (" + Progress.label(s.maxT)
                        + "), found " + Progress.label(s.gracePeriod));
            }
            if (s.eta < 2) {
                throw new SpecException("scheduler.reductionFactor", "expected a number >= 2, found " + s.eta);
            }
            return s;
        }

        int sMax() {
            return (int) StrictMath.floor(StrictMath.log(maxT / gracePeriod) / StrictMath.log(eta) + 1e-9);
        }

        int bracketSize(int s) {
            return (int) StrictMath.ceil((sMax() + 1.0) / (s + 1) * StrictMath.pow(eta, s));
        }

        List<Double> milestones(int s) {
            List<Double> milestones = new ArrayList<>();
            for (int k = 0; k <= s; k++) {
                milestones.add(k == s ? maxT : maxT * StrictMath.pow(eta, k - s));
            }
            return milestones;
        }

        /** The bracket that the trial with this creation index belongs to. */
        Bracket bracketOf(int index) {
            int band = 0;
            for (int s = sMax(); s >= 0; s--) {
                band += bracketSize(s);
            }
            int number = (index / band) * (sMax() + 1);
            int first = (index / band) * band;
            for (int s = sMax(); ; s--, number++) {
                int size = bracketSize(s);
                if (index < first + size) {
                    return new Bracket(number, s, first, size, milestones(s));
                }
                first += size;
            }
        }
    }

    /** One bracket: its trials are those created with indexes {@code first .. first+size-1}. */
    record Bracket(int number, int s, int first, int size, List<Double> milestones) {
        String rungName(int rung) {
            return "hyperband/b" + number + "/r" + Progress.label(milestones.get(rung));
        }
    }

    @Override
    public void check(ExperimentSpec spec) {
        Settings.of(spec);
    }

    @Override
    public boolean onlyStops() {
        return false;
    }

    @Override
    public List<Decided> decide(ExperimentState state) {
        ExperimentSpec spec = state.spec();
        Settings settings = Settings.of(spec);
        List<Decided> decided = new ArrayList<>();
        Map<Integer, Bracket> waiting = new TreeMap<>();
        for (TrialState trial : state.openTrials()) {
            if (!Progress.searched(spec, trial)) {
                continue;
            }
            Bracket bracket = settings.bracketOf(trial.index());
            if (trial.status() == TrialStatus.RUNNING) {
                reachRung(state, settings, bracket, trial, decided);
            } else if (trial.status() == TrialStatus.PAUSED && !trial.resumeApproved()) {
                waiting.put(bracket.number(), bracket);
            }
        }
        for (Bracket bracket : waiting.values()) {
            halve(state, settings, bracket, decided);
        }
        return decided;
    }

    /** Pauses a running trial at the first report that reaches its next rung, or stops it at maxT. */
    private static void reachRung(ExperimentState state, Settings settings, Bracket bracket, TrialState trial, List<Decided> decided) {
        int rung = nextRung(state, bracket, trial);
        double milestone = bracket.milestones().get(rung);
        Progress progress = settings.progress();
        for (Report report : trial.reports()) {
            double time = progress.time(report);
            double score = progress.score(report);
            if (Double.isNaN(time) || Double.isNaN(score) || time < milestone) {
                continue;
            }
            boolean last = rung == bracket.milestones().size() - 1;
            Map<String, Double> inputs = new LinkedHashMap<>();
            inputs.put("time", time);
            inputs.put("milestone", milestone);
            inputs.put(TrialDecision.SCORE, score);
            inputs.put("bracket", (double) bracket.number());
            String where = progress.timeAttr() + " " + Progress.label(time) + ", rung " + Progress.label(milestone)
                    + " of bracket " + bracket.number() + " (s=" + bracket.s() + ")";
            decided.add(new Decided(trial.trialId(), trial.trialId() + "/" + bracket.rungName(rung), last
                    ? new TrialDecision(trial.attempt(), Action.STOP, RULE_MAX_T, "reached maxT at " + where, bracket.rungName(rung), inputs)
                    : new TrialDecision(trial.attempt(), Action.PAUSE, RULE_RUNG, "score " + score + " at " + where
                            + ": paused until the rung is complete", bracket.rungName(rung), inputs)));
            return;
        }
    }

    /** The lowest rung of the bracket where the trial has no recorded score. */
    /** The rung where the trial will be paused (or, at the last one, stopped). */
    @Override
    public OptionalDouble nextMilestone(ExperimentState state, TrialState trial) {
        Settings settings = Settings.of(state.spec());
        Bracket bracket = settings.bracketOf(trial.index());
        return OptionalDouble.of(bracket.milestones().get(nextRung(state, bracket, trial)));
    }

    @Override
    public String timeAttr(ExperimentSpec spec) {
        return Settings.of(spec).progress().timeAttrOrNull();
    }

    private static int nextRung(ExperimentState state, Bracket bracket, TrialState trial) {
        int rung = 0;
        while (rung < bracket.milestones().size() - 1 && state.hasDecided(trial.trialId() + "/" + bracket.rungName(rung))) {
            rung++;
        }
        return rung;
    }

    /**
     * When every trial promoted to the rung where the bracket's paused trials wait has reached it or
     * ended, keeps the best ⌊m/η⌋ of the m recorded there and stops the rest.
     */
    private static void halve(ExperimentState state, Settings settings, Bracket bracket, List<Decided> decided) {
        int planned = state.spec().plannedTrials();
        int end = Math.min(bracket.first() + bracket.size(), planned);
        if (state.trials().size() < end) {
            return; // members not created yet
        }
        List<TrialState> members = new ArrayList<>();
        for (int i = bracket.first(); i < end; i++) {
            members.add(state.trial(SuggestionDecider.trialId(i)));
        }
        int rung = 0;
        while (rung < bracket.milestones().size() - 1 && isDecided(state, bracket, members, rung)) {
            rung++;
        }
        String rungName = bracket.rungName(rung);
        List<TrialState> recorded = new ArrayList<>();
        // Each member's score at the rung, read from its decision once rather than at every comparison.
        Map<TrialState, Double> scores = new HashMap<>();
        for (TrialState member : members) {
            boolean promoted = rung == 0 || state.hasDecided(member.trialId() + "/" + bracket.rungName(rung - 1) + "/promoted");
            if (!promoted) {
                continue;
            }
            Optional<TrialDecision> at = decisionAt(member, rungName);
            if (at.isPresent()) {
                recorded.add(member);
                scores.put(member, at.get().inputs().get(TrialDecision.SCORE));
            } else if (!member.isTerminal(state.spec().trial().maxFailures())) {
                return; // still on its way to the rung
            }
        }
        if (recorded.isEmpty()) {
            return;
        }
        recorded.sort(Comparator.comparingDouble((TrialState t) -> -scores.get(t)).thenComparingInt(TrialState::index));
        int keep = Math.max(1, (int) StrictMath.floor(recorded.size() / settings.eta()));
        double cutoff = scores.get(recorded.get(keep - 1));
        for (int rank = 0; rank < recorded.size(); rank++) {
            TrialState t = recorded.get(rank);
            if (t.status() != TrialStatus.PAUSED) {
                continue;
            }
            boolean kept = rank < keep;
            Map<String, Double> inputs = new LinkedHashMap<>();
            inputs.put(TrialDecision.SCORE, scores.get(t));
            inputs.put("rank", rank + 1.0);
            inputs.put("kept", (double) keep);
            inputs.put("recorded", (double) recorded.size());
            inputs.put("cutoff", cutoff);
            String reason = "rank " + (rank + 1) + " of " + recorded.size() + " at rung " + Progress.label(bracket.milestones().get(rung))
                    + " of bracket " + bracket.number() + "; the best " + keep + (kept ? " go on" : " go on, the rest stop");
            decided.add(kept
                    ? new Decided(t.trialId(), t.trialId() + "/" + rungName + "/promoted",
                            new TrialDecision(t.attempt(), Action.CONTINUE, RULE_PROMOTE, reason, inputs))
                    : new Decided(t.trialId(), t.trialId() + "/stopped",
                            new TrialDecision(t.attempt(), Action.STOP, RULE_CUT, reason, inputs)));
        }
    }

    /** Whether the rung's halving is done: some member was promoted past it or cut at it. */
    private static boolean isDecided(ExperimentState state, Bracket bracket, List<TrialState> members, int rung) {
        for (TrialState member : members) {
            if (state.hasDecided(member.trialId() + "/" + bracket.rungName(rung) + "/promoted")) {
                return true;
            }
        }
        return false;
    }

    private static Optional<TrialDecision> decisionAt(TrialState trial, String rungName) {
        for (TrialDecision d : trial.decisions()) {
            if (rungName.equals(d.rung())) {
                return Optional.of(d);
            }
        }
        return Optional.empty();
    }
}
