package io.tunelog.scheduler.rule;

import io.tunelog.domain.decide.Decided;
import io.tunelog.domain.event.EventPayload.Action;
import io.tunelog.domain.event.EventPayload.TrialDecision;
import io.tunelog.domain.spec.ExperimentSpec;
import io.tunelog.domain.spec.Options;
import io.tunelog.domain.state.ExperimentState;
import io.tunelog.domain.state.Report;
import io.tunelog.domain.state.TrialState;
import io.tunelog.domain.state.TrialStatus;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;

/**
 * The median stopping rule (Golovin et al., 2017) with Ray Tune's semantics: once past
 * {@code gracePeriod}, a running trial stops when its best score so far is below the median of the other
 * trials' running means at the same time, counting only trials that got that far, and only when at least
 * {@code minSamplesRequired} did. A running mean averages a trial's scores from {@code gracePeriod} up to
 * that time.
 *
 * <p>The rule is applied to each running trial's latest report whenever the scheduler decides, and only
 * stops are logged: a "go on" changes nothing a later decision reads.
 */
public final class MedianStopping implements TrialRule {
    static final String RULE = "median.stop";

    record Settings(Progress progress, double gracePeriod, int minSamplesRequired) {
        static Settings of(ExperimentSpec spec) {
            Options o = Options.of(spec.scheduler());
            Settings s = new Settings(Progress.of(spec, o), o.positiveDouble("gracePeriod", 1), o.positiveInt("minSamplesRequired", 3));
            o.refuseUnknown();
            return s;
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
        Progress progress = settings.progress();
        List<Decided> decided = new ArrayList<>();
        for (TrialState trial : state.openTrials()) {
            if (trial.status() != TrialStatus.RUNNING || !Progress.searched(spec, trial) || trial.reports().isEmpty()) {
                continue;
            }
            Report latest = trial.reports().get(trial.reports().size() - 1);
            double time = progress.time(latest);
            if (Double.isNaN(time) || time < settings.gracePeriod()) {
                continue;
            }
            List<Double> means = new ArrayList<>();
            for (TrialState other : state.trials()) {
                if (other != trial && Progress.searched(spec, other) && reachedTime(progress, other, time)) {
                    runningMean(progress, other, settings.gracePeriod(), time).ifPresent(means::add);
                }
            }
            double best = best(progress, trial);
            if (means.size() < settings.minSamplesRequired() || Double.isNaN(best)) {
                continue;
            }
            double median = median(means);
            if (best < median) {
                Map<String, Double> inputs = new LinkedHashMap<>();
                inputs.put("time", time);
                inputs.put("best", best);
                inputs.put("median", median);
                inputs.put("samples", (double) means.size());
                decided.add(new Decided(trial.trialId(), trial.trialId() + "/stopped", new TrialDecision(trial.attempt(), Action.STOP, RULE,
                        "best score " + best + " by " + progress.timeAttr() + " " + Progress.label(time) + " is below the median " + median
                                + " of " + means.size() + " other trials' running means", inputs)));
            }
        }
        return decided;
    }

    /** Past the grace period, every report: the next one after the trial's latest. */
    @Override
    public OptionalDouble nextMilestone(ExperimentState state, TrialState trial) {
        Settings settings = Settings.of(state.spec());
        return OptionalDouble.of(Math.max(settings.gracePeriod(), Math.nextUp(settings.progress().latest(trial))));
    }

    @Override
    public String timeAttr(ExperimentSpec spec) {
        return Settings.of(spec).progress().timeAttrOrNull();
    }

    /** Whether the trial's last report got as far as {@code time}. */
    private static boolean reachedTime(Progress progress, TrialState trial, double time) {
        List<Report> reports = trial.reports();
        return !reports.isEmpty() && progress.time(reports.get(reports.size() - 1)) >= time;
    }

    private static OptionalDouble runningMean(Progress progress, TrialState trial, double from, double upTo) {
        double sum = 0;
        int n = 0;
        for (Report r : trial.reports()) {
            double t = progress.time(r);
            double score = progress.score(r);
            if (t >= from && t <= upTo && !Double.isNaN(score)) {
                sum += score;
                n++;
            }
        }
        return n == 0 ? OptionalDouble.empty() : OptionalDouble.of(sum / n);
    }

    private static double best(Progress progress, TrialState trial) {
        double best = Double.NaN;
        for (Report r : trial.reports()) {
            double score = progress.score(r);
            if (!Double.isNaN(score) && (Double.isNaN(best) || score > best)) {
                best = score;
            }
        }
        return best;
    }

    /** The median as numpy computes it: the middle value, or the mean of the two middle values. */
    static double median(List<Double> values) {
        double[] sorted = values.stream().mapToDouble(Double::doubleValue).toArray();
        Arrays.sort(sorted);
        int mid = sorted.length / 2;
        return sorted.length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }
}
