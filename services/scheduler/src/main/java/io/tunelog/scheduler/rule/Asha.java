package io.tunelog.scheduler.rule;

import io.tunelog.domain.decide.Decided;
import io.tunelog.domain.decide.SeededRandom;
import io.tunelog.domain.event.EventPayload.Action;
import io.tunelog.domain.event.EventPayload.TrialDecision;
import io.tunelog.domain.spec.ExperimentSpec;
import io.tunelog.domain.spec.Options;
import io.tunelog.domain.spec.SpecException;
import io.tunelog.domain.state.ExperimentState;
import io.tunelog.domain.state.Report;
import io.tunelog.domain.state.RungScores;
import io.tunelog.domain.state.TrialState;
import io.tunelog.domain.state.TrialStatus;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;

/**
 * Asynchronous successive halving with Ray Tune's semantics ({@code AsyncHyperBandScheduler}).
 *
 * <p>Bracket {@code s} has rungs at {@code gracePeriod * reductionFactor^(k+s)}. A trial whose report
 * reaches a rung it has not been judged at is judged there once, at the highest such rung below its time,
 * with the first report that got there: it stops when its score is below the {@code (1 - 1/reductionFactor)}
 * quantile of the scores recorded at that rung before it, and its score is recorded either way. Every
 * trial stops at {@code maxT}. Each trial joins one of {@code brackets} brackets, drawn uniformly from the
 * experiment seed (Ray's weights are equal because every bracket has the same number of rungs).
 */
public final class Asha implements TrialRule {
    static final String RULE_RUNG = "asha.rung";
    static final String RULE_MAX_T = "asha.max_t";

    record Settings(Progress progress, double maxT, double gracePeriod, double reductionFactor, int brackets) {

        static Settings of(ExperimentSpec spec) {
            Options o = Options.of(spec.scheduler());
            Settings s = new Settings(Progress.of(spec, o), o.positiveDouble("maxT", 100), o.positiveDouble("gracePeriod", 1),
                    o.positiveDouble("reductionFactor", 4), o.positiveInt("brackets", 1));
            o.refuseUnknown();
            if (s.gracePeriod > s.maxT) {
                throw new SpecException("scheduler.gracePeriod", "expected at most maxT (" + Progress.label(s.maxT)
                        + "), found " + Progress.label(s.gracePeriod));
            }
            if (s.reductionFactor <= 1) {
                throw new SpecException("scheduler.reductionFactor", "expected a number > 1, found " + s.reductionFactor);
            }
            return s;
        }

        /** Bracket {@code s}'s milestones, lowest first. */
        List<Double> milestones(int bracket) {
            int rungs = (int) (StrictMath.log(maxT / gracePeriod) / StrictMath.log(reductionFactor) - bracket + 1);
            List<Double> milestones = new ArrayList<>();
            for (int k = 0; k < rungs; k++) {
                milestones.add(gracePeriod * StrictMath.pow(reductionFactor, k + bracket));
            }
            return milestones;
        }

        int bracketOf(ExperimentSpec spec, TrialState trial) {
            return brackets == 1 ? 0 : SeededRandom.forDecision(spec.seed(), trial.trialId() + "/asha-bracket").nextInt(brackets);
        }
    }

    @Override
    public void check(ExperimentSpec spec) {
        Settings.of(spec);
    }

    @Override
    public boolean onlyStops() {
        return true;
    }

    @Override
    public List<Decided> decide(ExperimentState state) {
        ExperimentSpec spec = state.spec();
        Settings settings = Settings.of(spec);
        List<Decided> decided = new ArrayList<>();
        Map<String, RungScores.Round> recordedNow = new HashMap<>();
        Map<Integer, Rungs> rungs = new HashMap<>();
        for (TrialState trial : state.openTrials()) {
            if (trial.status() == TrialStatus.RUNNING && Progress.searched(spec, trial)) {
                judge(state, settings, rungs.computeIfAbsent(settings.bracketOf(spec, trial), b -> new Rungs(b, settings.milestones(b))),
                        trial, recordedNow, decided);
            }
        }
        return decided;
    }

    /** A bracket's milestones and the names of their rungs, worked out once per decision rather than once per trial. */
    private record Rungs(int bracket, List<Double> milestones, List<String> names) {
        Rungs(int bracket, List<Double> milestones) {
            this(bracket, milestones, milestones.stream().map(m -> ("asha/b" + bracket + "/r" + Progress.label(m)).intern()).toList());
        }
    }

    /**
     * Walks the trial's reports in order, as Ray sees them one by one, judging each rung not yet judged.
     * Scores recorded earlier in the same round count, as they would have in Ray, through
     * {@code recordedNow}; within a round, trials are taken in creation order.
     */
    private static void judge(ExperimentState state, Settings settings, Rungs rungs, TrialState trial,
                              Map<String, RungScores.Round> recordedNow, List<Decided> decided) {
        Progress progress = settings.progress();
        List<Double> milestones = rungs.milestones();
        // A report can lead to a decision only if it reached maxT or a rung the trial was not judged at before this
        // call; every other report is passed over below anyway. Every report below the lowest such rung is one of those,
        // and when the time is the step the trial finds the first report past it without walking its history: a
        // decision's cost stays flat however long the trial ran (it is asked on every pass of the loop).
        // Rungs are judged lowest first, so the lowest open one is usually found after a few lookups; whether a higher
        // rung was judged is asked only of a report that reached it.
        Boolean[] judged = new Boolean[milestones.size()];
        double lowestOpen = settings.maxT();
        for (int i = 0; i < judged.length; i++) {
            judged[i] = trial.judgedAt(rungs.names().get(i));
            if (!judged[i]) {
                lowestOpen = Math.min(lowestOpen, milestones.get(i));
                break;
            }
        }
        List<Report> reports = trial.reports();
        int from = progress.timeAttr().equals(Progress.STEP) ? trial.firstReportFromStep((long) StrictMath.ceil(lowestOpen)) : 0;
        List<String> judgedNow = new ArrayList<>();
        for (Report report : reports.subList(from, reports.size())) {
            double time = progress.time(report);
            if (Double.isNaN(time) || (time < settings.maxT() && (time < lowestOpen || isJudged(trial, rungs, judged, highestBelow(milestones, time))))) {
                continue;
            }
            double score = progress.score(report);
            if (Double.isNaN(score)) {
                continue;
            }
            if (time >= settings.maxT()) {
                decided.add(new Decided(trial.trialId(), trial.trialId() + "/stopped", new TrialDecision(trial.attempt(), Action.STOP,
                        RULE_MAX_T, progress.timeAttr() + " " + Progress.label(time) + " reached maxT " + Progress.label(settings.maxT()),
                        Map.of("time", time, "maxT", settings.maxT()))));
                return;
            }
            int rung = highestBelow(milestones, time);
            if (rung < 0) {
                continue;
            }
            double milestone = milestones.get(rung);
            String rungName = rungs.names().get(rung);
            String eventId = trial.trialId() + "/" + rungName;
            if (isJudged(trial, rungs, judged, rung) || judgedNow.contains(eventId)) {
                continue;
            }
            judgedNow.add(eventId);
            RungScores.Round recorded = recordedNow.computeIfAbsent(rungName, r -> state.rung(r).round());
            double quantile = 1 - 1 / settings.reductionFactor();
            Map<String, Double> inputs = new LinkedHashMap<>();
            inputs.put("time", time);
            inputs.put("milestone", milestone);
            inputs.put(TrialDecision.SCORE, score);
            inputs.put("quantile", quantile);
            inputs.put("recorded", (double) recorded.size());
            boolean stop = false;
            String reason;
            if (recorded.size() == 0) {
                reason = "first score at rung " + Progress.label(milestone) + ": recorded";
            } else {
                double cutoff = recorded.quantile(quantile);
                inputs.put("cutoff", cutoff);
                stop = score < cutoff;
                reason = "score " + score + " at " + progress.timeAttr() + " " + Progress.label(time) + (stop ? " is below" : " is not below")
                        + " the " + quantile + " quantile " + cutoff + " of " + recorded.size() + " scores at rung " + Progress.label(milestone);
            }
            decided.add(new Decided(trial.trialId(), eventId, new TrialDecision(trial.attempt(), stop ? Action.STOP : Action.CONTINUE,
                    RULE_RUNG, reason, rungName, inputs)));
            recordedNow.put(rungName, recorded.plus(score));
            if (stop) {
                return;
            }
        }
    }

    /** The lowest rung past the trial's latest report that it has not been judged at, or maxT. */
    @Override
    public OptionalDouble nextMilestone(ExperimentState state, TrialState trial) {
        Settings settings = Settings.of(state.spec());
        int bracket = settings.bracketOf(state.spec(), trial);
        double latest = settings.progress().latest(trial);
        for (double milestone : settings.milestones(bracket)) {
            if (milestone > latest && milestone < settings.maxT()
                    && !trial.judgedAt("asha/b" + bracket + "/r" + Progress.label(milestone))) {
                return OptionalDouble.of(milestone);
            }
        }
        return OptionalDouble.of(settings.maxT());
    }

    @Override
    public String timeAttr(ExperimentSpec spec) {
        return Settings.of(spec).progress().timeAttrOrNull();
    }

    /** Whether the trial was judged at this rung before this call (asked once, then remembered); no rung (-1) needs no judging. */
    private static boolean isJudged(TrialState trial, Rungs rungs, Boolean[] judged, int rung) {
        if (rung < 0) {
            return true;
        }
        if (judged[rung] == null) {
            judged[rung] = trial.judgedAt(rungs.names().get(rung));
        }
        return judged[rung];
    }

    /** The index of the highest milestone at or below {@code time}, or -1. */
    private static int highestBelow(List<Double> milestones, double time) {
        int found = -1;
        for (int i = 0; i < milestones.size() && milestones.get(i) <= time; i++) {
            found = i;
        }
        return found;
    }
}
