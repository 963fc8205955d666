package io.tunelog.replay.whatif;

import io.tunelog.domain.spec.Budget;
import io.tunelog.domain.spec.ExperimentSpec;
import io.tunelog.domain.spec.Mode;
import io.tunelog.domain.spec.SchedulerSpec;
import io.tunelog.domain.spec.SchedulerType;
import io.tunelog.domain.spec.SpecException;
import io.tunelog.domain.state.ExperimentState;
import io.tunelog.domain.state.Report;
import io.tunelog.domain.state.TrialState;
import io.tunelog.domain.state.TrialStatus;
import io.tunelog.scheduler.SchedulingDecider;
import io.tunelog.scheduler.rule.TrialRules;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * Counterfactual replay: the recorded learning curves of an experiment, fed in the order of their
 * timestamps to another scheduler's stopping rule, the live one (see {@link RuleReplay}). Trials keep their
 * recorded start times (capacity freed by an earlier stop is not given to other trials), and no value is
 * ever invented: a trial the rule would have run past its last recorded result is reported as such, with
 * its last recorded value.
 */
public final class WhatIf {
    /** Schedulers whose rule only stops trials; those that pause, resume or exploit would need results nobody recorded. */
    public static final SortedSet<String> SCHEDULERS = Arrays.stream(SchedulerType.values())
            .filter(type -> TrialRules.of(type).onlyStops())
            .map(SchedulerType::specName)
            .collect(Collectors.collectingAndThen(Collectors.toCollection(TreeSet::new), Collections::unmodifiableSortedSet));

    private WhatIf() {}

    /** One trial under the rule. */
    public record TrialOutcome(String trialId, long recordedLastStep, long whatIfLastStep, Double whatIfValue,
                               boolean stoppedEarlier, boolean wouldRunFurther, double recordedSeconds, double whatIfSeconds) {}

    /** The experiment under the rule. */
    public record Result(String scheduler, String metric, List<TrialOutcome> trials, double recordedTrialSeconds,
                         double whatIfTrialSeconds, Optional<String> recordedBest, Optional<Double> recordedBestValue,
                         Optional<String> whatIfBest, Optional<Double> whatIfBestValue) {

        public long stoppedEarlier() {
            return trials.stream().filter(TrialOutcome::stoppedEarlier).count();
        }

        public long wouldRunFurther() {
            return trials.stream().filter(TrialOutcome::wouldRunFurther).count();
        }
    }

    private record Result1(TrialState trial, Report report) {}

    /**
     * @param scheduler the scheduler to replay the curves under, checked as the gate checks a spec's
     * @throws SpecException naming {@code scheduler.<option>} when the scheduler or an option is not usable
     */
    public static Result run(ExperimentState state, SchedulerSpec scheduler) {
        if (state.spec() == null) {
            throw new IllegalArgumentException("experiment " + state.experimentId() + " has no accepted spec in its log");
        }
        if (!SCHEDULERS.contains(scheduler.type())) {
            throw new SpecException("scheduler.type", "expected a scheduler whose rule only stops trials, one of "
                    + SCHEDULERS + ", found \"" + scheduler.type() + "\"");
        }
        ExperimentSpec recorded = state.spec();
        // Without the experiment's own stop conditions (goal, plateau, budget.seconds, budget.maxFailedTrials): ending the
        // shadow experiment would cut off the curves still to be replayed. trial.stop stays, as part of how trials ran.
        Budget budget = new Budget(recorded.budget().trials(), recorded.budget().concurrent());
        ExperimentSpec whatIf = new ExperimentSpec(recorded.name(), recorded.objectives(), recorded.seed(), budget,
                recorded.searchSpace(), recorded.searcher(), scheduler, recorded.trial(), recorded.robust(), null, null,
                recorded.constraints());
        SchedulingDecider.check(whatIf);
        RuleReplay rule = new RuleReplay(state, whatIf);
        String metric = state.spec().metric().name();
        Mode mode = state.spec().metric().mode();
        List<Result1> results = new ArrayList<>();
        for (TrialState t : state.trials()) {
            for (Report r : t.reports()) {
                if (r.metrics().containsKey(metric)) {
                    results.add(new Result1(t, r));
                }
            }
        }
        results.sort(Comparator.comparing((Result1 r) -> r.report().timestamp()).thenComparing(r -> r.trial().index()));

        // A trial's what-if end is the last result fed before the rule stopped it (a result of its own, or,
        // under rules that compare trials, another trial's).
        Map<String, Report> lastFed = new LinkedHashMap<>();
        for (Result1 r : results) {
            String id = r.trial().trialId();
            if (!rule.isStopped(id)) {
                rule.feed(r.trial(), r.report());
                lastFed.put(id, r.report());
            }
        }
        Map<String, Report> stoppedAt = new LinkedHashMap<>();
        lastFed.forEach((id, report) -> {
            if (rule.isStopped(id)) {
                stoppedAt.put(id, report);
            }
        });

        List<TrialOutcome> outcomes = new ArrayList<>();
        double recordedSeconds = 0;
        double whatIfSeconds = 0;
        String bestRecorded = null;
        double bestRecordedValue = 0;
        String bestWhatIf = null;
        double bestWhatIfValue = 0;
        for (TrialState t : state.trials()) {
            List<Report> withMetric = t.reports().stream().filter(r -> r.metrics().containsKey(metric)).toList();
            if (withMetric.isEmpty()) {
                continue;
            }
            Report lastRecorded = withMetric.get(withMetric.size() - 1);
            Report whatIfLast = stoppedAt.getOrDefault(t.trialId(), lastRecorded);
            // Compute is trial time from the first start to the last result counted (retries' gaps included).
            Instant start = t.firstStartedAt() != null ? t.firstStartedAt() : withMetric.get(0).timestamp();
            double rec = seconds(start, lastRecorded.timestamp());
            double cf = seconds(start, whatIfLast.timestamp());
            boolean earlier = whatIfLast.step() < lastRecorded.step();
            // Ended before the rule would have stopped it: by a scheduler's stop or a failure, not by finishing.
            boolean further = !stoppedAt.containsKey(t.trialId()) && t.status() != TrialStatus.COMPLETED;
            outcomes.add(new TrialOutcome(t.trialId(), lastRecorded.step(), whatIfLast.step(), whatIfLast.metrics().get(metric),
                    earlier, further, rec, cf));
            recordedSeconds += rec;
            whatIfSeconds += cf;
            double recValue = lastRecorded.metrics().get(metric);
            if (bestRecorded == null || mode.better(recValue, bestRecordedValue)) {
                bestRecorded = t.trialId();
                bestRecordedValue = recValue;
            }
            double cfValue = whatIfLast.metrics().get(metric);
            if (bestWhatIf == null || mode.better(cfValue, bestWhatIfValue)) {
                bestWhatIf = t.trialId();
                bestWhatIfValue = cfValue;
            }
        }
        return new Result(scheduler.type(), metric, outcomes, recordedSeconds, whatIfSeconds,
                Optional.ofNullable(bestRecorded), bestRecorded == null ? Optional.empty() : Optional.of(bestRecordedValue),
                Optional.ofNullable(bestWhatIf), bestWhatIf == null ? Optional.empty() : Optional.of(bestWhatIfValue));
    }

    private static double seconds(Instant from, Instant to) {
        return Duration.between(from, to).toNanos() / 1e9;
    }
}
