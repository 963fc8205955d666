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
import org.apache.commons.math3.distribution.ChiSquaredDistribution;
import org.apache.commons.math3.distribution.TDistribution;
import org.apache.commons.math3.stat.inference.WilcoxonSignedRankTest;
import org.apache.commons.math3.stat.ranking.NaturalRanking;
import org.apache.commons.math3.stat.ranking.TiesStrategy;

/**
 * Racing in the manner of F-Race and irace (Birattari et al.): each trial is a candidate that reports one
 * result per instance (a fold, a seed, a dataset), instance {@code k} at time {@code k}. Once every candidate
 * in the race has results on the first {@code firstTest} instances or more, the candidates are compared on the
 * instances they all have: with more than two, a Friedman test (ranks within each instance, ties averaged,
 * the χ² statistic corrected for ties) and, when it rejects at {@code alpha}, Conover's post-hoc comparison
 * with the best rank sum; with two, a Wilcoxon signed-rank test. Candidates found worse than the best are
 * stopped, each with the statistic, the p-value and the rank sums that condemned it.
 *
 * <p>A candidate is in the race while it has not been stopped by it or failed for good; a trial that finished
 * its instances stays in as a yardstick. Only stops are logged: a test that rejects nothing changes nothing.
 */
public final class Racing implements TrialRule {
    static final String RULE = "racing.eliminated";

    record Settings(Progress progress, int firstTest, double alpha) {
        static Settings of(ExperimentSpec spec) {
            Options o = Options.of(spec.scheduler());
            Settings s = new Settings(Progress.of(spec, o), o.positiveInt("firstTest", 5), o.fraction("alpha", 0.05));
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
        int maxFailures = spec.trial().maxFailures();
        List<TrialState> racing = new ArrayList<>();
        List<double[]> results = new ArrayList<>();
        int instances = Integer.MAX_VALUE;
        for (TrialState trial : state.trials()) {
            boolean out = trial.status() == TrialStatus.STOPPED || (trial.status() == TrialStatus.FAILED && trial.isTerminal(maxFailures));
            if (out || !Progress.searched(spec, trial)) {
                continue;
            }
            double[] byInstance = resultsByInstance(settings.progress(), trial);
            if (byInstance.length >= settings.firstTest()) {
                racing.add(trial);
                results.add(byInstance);
                instances = Math.min(instances, byInstance.length);
            }
        }
        if (racing.size() < 2 || racing.stream().noneMatch(t -> !t.isTerminal(maxFailures))) {
            return List.of();
        }
        int m = racing.size();
        int n = instances;
        double[][] scores = new double[n][m];
        for (int j = 0; j < m; j++) {
            for (int i = 0; i < n; i++) {
                scores[i][j] = results.get(j)[i];
            }
        }
        Test test = m == 2 ? wilcoxon(scores, settings.alpha()) : friedman(scores, settings.alpha());
        List<Decided> decided = new ArrayList<>();
        for (int j = 0; j < m; j++) {
            TrialState trial = racing.get(j);
            if (!test.worse[j] || trial.isTerminal(maxFailures)) {
                continue;
            }
            Map<String, Double> inputs = new LinkedHashMap<>();
            inputs.put("instances", (double) n);
            inputs.put("candidates", (double) m);
            inputs.put("statistic", test.statistic);
            inputs.put("pValue", test.pValue);
            inputs.put("rankSum", test.rankSums[j]);
            inputs.put("bestRankSum", test.rankSums[test.best]);
            inputs.put("criticalDifference", test.criticalDifference);
            inputs.put("alpha", settings.alpha());
            String reason = test.name + " over " + m + " candidates on " + n + " instances: p = " + test.pValue + " < " + settings.alpha()
                    + "; rank sum " + test.rankSums[j] + " vs the best's " + test.rankSums[test.best] + " (" + racing.get(test.best).trialId()
                    + "), a difference beyond " + test.criticalDifference;
            decided.add(new Decided(trial.trialId(), trial.trialId() + "/stopped",
                    new TrialDecision(trial.attempt(), Action.STOP, RULE, reason, inputs)));
        }
        return decided;
    }

    /** The trial's score on instances 1, 2, ... as far as it has reported them without a gap. */
    private static double[] resultsByInstance(Progress progress, TrialState trial) {
        Map<Integer, Double> byInstance = new LinkedHashMap<>();
        for (Report r : trial.reports()) {
            double time = progress.time(r);
            double score = progress.score(r);
            if (!Double.isNaN(score) && time >= 1 && time == Math.rint(time)) {
                byInstance.put((int) time, score);
            }
        }
        int n = 0;
        while (byInstance.containsKey(n + 1)) {
            n++;
        }
        double[] values = new double[n];
        for (int i = 0; i < n; i++) {
            values[i] = byInstance.get(i + 1);
        }
        return values;
    }

    /** What a test found: who is the best, who is worse, and the numbers behind it. */
    record Test(String name, double statistic, double pValue, double[] rankSums, int best, double criticalDifference, boolean[] worse) {}

    /**
     * Friedman's test on n instances (rows) × m candidates (columns), higher scores better, with Conover's
     * post-hoc: a candidate is worse when its rank sum exceeds the best one's by more than
     * {@code t(1-α/2, (n-1)(m-1)) · sqrt(2 (n·A − ΣR²) / ((n-1)(m-1)))}, A being the sum of squared ranks.
     */
    static Test friedman(double[][] scores, double alpha) {
        int n = scores.length;
        int m = scores[0].length;
        NaturalRanking ranking = new NaturalRanking(TiesStrategy.AVERAGE);
        double[] rankSums = new double[m];
        double squaredRanks = 0;
        double tieCorrection = 0;
        for (double[] instance : scores) {
            double[] negated = new double[m];
            for (int j = 0; j < m; j++) {
                negated[j] = -instance[j]; // rank 1 is the best
            }
            double[] ranks = ranking.rank(negated);
            for (int j = 0; j < m; j++) {
                rankSums[j] += ranks[j];
                squaredRanks += ranks[j] * ranks[j];
            }
            tieCorrection += ties(ranks);
        }
        double centred = 0;
        double sumSquaredRankSums = 0;
        for (double r : rankSums) {
            centred += (r - n * (m + 1) / 2.0) * (r - n * (m + 1) / 2.0);
            sumSquaredRankSums += r * r;
        }
        double statistic = 12 * centred / (n * m * (m + 1) - tieCorrection / (m - 1));
        double pValue = Double.isFinite(statistic) ? 1 - new ChiSquaredDistribution(null, m - 1).cumulativeProbability(statistic) : 1;
        int best = 0;
        for (int j = 1; j < m; j++) {
            if (rankSums[j] < rankSums[best]) {
                best = j;
            }
        }
        boolean[] worse = new boolean[m];
        double critical = Double.POSITIVE_INFINITY;
        double dof = (n - 1.0) * (m - 1.0);
        double spread = 2 * (n * squaredRanks - sumSquaredRankSums) / dof;
        if (pValue < alpha && dof > 0) {
            // With every instance ranking the candidates alike the spread is 0, and any larger rank sum is worse.
            critical = new TDistribution(null, dof).inverseCumulativeProbability(1 - alpha / 2) * StrictMath.sqrt(Math.max(spread, 0));
            for (int j = 0; j < m; j++) {
                worse[j] = rankSums[j] - rankSums[best] > critical;
            }
        }
        return new Test("Friedman", statistic, pValue, rankSums, best, critical, worse);
    }

    /** Σ(t³ − t) over the groups of tied ranks in one instance. */
    private static double ties(double[] ranks) {
        double[] sorted = ranks.clone();
        Arrays.sort(sorted);
        double sum = 0;
        int i = 0;
        while (i < sorted.length) {
            int j = i;
            while (j + 1 < sorted.length && sorted[j + 1] == sorted[i]) {
                j++;
            }
            double t = j - i + 1;
            sum += t * t * t - t;
            i = j + 1;
        }
        return sum;
    }

    /** Two candidates: Wilcoxon's signed-rank test on their paired results (exact p for up to 30 instances). */
    static Test wilcoxon(double[][] scores, double alpha) {
        int n = scores.length;
        double[] a = new double[n];
        double[] b = new double[n];
        double[] rankSums = new double[2];
        for (int i = 0; i < n; i++) {
            a[i] = scores[i][0];
            b[i] = scores[i][1];
            rankSums[0] += a[i] > b[i] ? 1 : a[i] < b[i] ? 2 : 1.5;
            rankSums[1] += b[i] > a[i] ? 1 : b[i] < a[i] ? 2 : 1.5;
        }
        WilcoxonSignedRankTest test = new WilcoxonSignedRankTest();
        boolean identical = Arrays.equals(a, b);
        double pValue = identical ? 1 : test.wilcoxonSignedRankTest(a, b, n <= 30);
        double statistic = identical ? 0 : test.wilcoxonSignedRank(a, b);
        int best = rankSums[0] <= rankSums[1] ? 0 : 1;
        boolean[] worse = new boolean[2];
        worse[1 - best] = pValue < alpha && rankSums[1 - best] > rankSums[best];
        return new Test("Wilcoxon signed-rank", statistic, pValue, rankSums, best, 0, worse);
    }
}
