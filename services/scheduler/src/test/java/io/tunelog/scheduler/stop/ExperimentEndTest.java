package io.tunelog.scheduler.stop;

import static org.assertj.core.api.Assertions.assertThat;

import io.tunelog.domain.event.Event;
import io.tunelog.domain.event.EventPayload.Action;
import io.tunelog.domain.event.EventPayload.ExperimentCompleted;
import io.tunelog.domain.event.EventPayload.TrialDecision;
import io.tunelog.domain.state.ExperimentStatus;
import io.tunelog.domain.state.TrialStatus;
import io.tunelog.domain.testing.LogBuilder;
import io.tunelog.scheduler.SchedulingDecider;
import io.tunelog.suggestion.SuggestionDecider;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The experiment's stop conditions: given a log, when the scheduler decides, then the experiment ends with a completion
 * naming the condition and its numbers, its running trials stopped and the rest cancelled.
 */
class ExperimentEndTest {
    /** Four trials, three at a time: the fourth waits while the first three run. */
    static final String SPEC = """
            name: end
            metric: {name: score, mode: max}
            budget: {trials: 4, concurrent: 3}
            searchSpace:
              x: {uniform: [0, 1]}
            trial: {command: [x]}
            """;

    private final SchedulingDecider scheduler = new SchedulingDecider();
    private final SuggestionDecider suggestion = new SuggestionDecider();

    private LogBuilder threeRunning(String budget, String extra) {
        LogBuilder log = LogBuilder.submitted("e", SPEC.replace("budget: {trials: 4, concurrent: 3}", "budget: {trials: 4, concurrent: 3" + budget + "}")
                + extra);
        log.decide(suggestion);
        log.decide(scheduler);
        for (String t : List.of("trial-00000", "trial-00001", "trial-00002")) {
            log.started(t, 1);
        }
        return log;
    }

    private static ExperimentCompleted completion(List<Event> decided) {
        return (ExperimentCompleted) decided.get(decided.size() - 1).payload();
    }

    /** The end's decisions: a STOP naming the condition for each running trial, then the completion; what is left cancelled. */
    private void assertEnded(LogBuilder log, List<Event> decided, String condition, List<String> stopped) {
        assertThat(decided.subList(0, decided.size() - 1)).extracting(Event::trialId).containsExactlyElementsOf(stopped);
        assertThat(decided.subList(0, decided.size() - 1)).allSatisfy(e -> {
            TrialDecision d = (TrialDecision) e.payload();
            assertThat(d.action()).isEqualTo(Action.STOP);
            assertThat(d.rule()).isEqualTo(condition);
            assertThat(d.reason()).startsWith("experiment ended: ");
        });
        assertThat(completion(decided).condition()).isEqualTo(condition);
        assertThat(completion(decided).reason()).startsWith(condition + ": ");
        assertThat(log.state().status()).isEqualTo(ExperimentStatus.COMPLETED);
        assertThat(log.state().openTrials()).isEmpty();
        stopped.forEach(t -> assertThat(log.state().trial(t).status()).isEqualTo(TrialStatus.STOPPED));
        assertThat(log.state().anomalies()).isEmpty();
        assertThat(log.decide(scheduler)).as("nothing after the end").isEmpty();
    }

    @Test
    void shouldEndAtTheFirstReportReachingTheGoal() {
        LogBuilder log = threeRunning("", "goal: {above: 0.9}\n");
        log.reported("trial-00001", 1, 1, Map.of("score", 0.5));
        log.completed("trial-00001", 1);
        log.decide(suggestion);
        log.decide(scheduler);
        assertThat(log.state().trial("trial-00003").status()).isEqualTo(TrialStatus.QUEUED);
        log.reported("trial-00002", 1, 3, Map.of("score", 0.95));

        List<Event> decided = log.decide(scheduler);

        assertEnded(log, decided, "goal", List.of("trial-00000", "trial-00002"));
        assertThat(completion(decided).inputs()).isEqualTo(Map.of("value", 0.95, "above", 0.9, "step", 3.0));
        assertThat(completion(decided).reason()).isEqualTo("goal: trial-00002 reported score 0.95 at step 3, reaching goal.above 0.9");
        assertThat(completion(decided).bestTrialId()).isEqualTo("trial-00002");
        assertThat(log.state().trial("trial-00003").status()).as("queued: cancelled").isEqualTo(TrialStatus.CANCELLED);
        assertThat(log.state().trial("trial-00001").status()).as("ended before: as it ended").isEqualTo(TrialStatus.COMPLETED);
    }

    @Test
    void shouldEndOnceMoreTrialsFailedForGoodThanTheBudgetAllows() {
        LogBuilder log = threeRunning(", maxFailedTrials: 1", "");
        log.failed("trial-00000", 1, false);
        assertThat(log.decide(scheduler)).as("one failed trial is within the budget").noneMatch(e -> e.payload() instanceof ExperimentCompleted);
        log.failed("trial-00001", 1, false);

        List<Event> decided = log.decide(scheduler);

        assertEnded(log, decided, "budget.maxFailedTrials", List.of("trial-00002"));
        assertThat(completion(decided).inputs()).isEqualTo(Map.of("failed", 2.0, "maxFailedTrials", 1.0));
    }

    @Test
    void shouldEndOnAPlateauOfTheBestScores() {
        LogBuilder log = threeRunning("", "plateau: {top: 2, std: 0.01, patience: 1}\n");
        log.reported("trial-00000", 1, 1, Map.of("score", 0.50));
        log.completed("trial-00000", 1);
        assertThat(log.decide(scheduler)).noneMatch(e -> e.payload() instanceof ExperimentCompleted);
        log.reported("trial-00001", 1, 1, Map.of("score", 0.505));
        log.completed("trial-00001", 1);

        List<Event> decided = log.decide(scheduler);

        assertEnded(log, decided, "plateau", List.of("trial-00002"));
        assertThat(completion(decided).inputs()).containsEntry("top", 2.0).containsEntry("std", 0.01).containsEntry("streak", 1.0)
                .containsEntry("endings", 2.0);
        assertThat(completion(decided).inputs().get("sd")).isEqualTo(0.0025, org.assertj.core.data.Offset.offset(1e-12));
    }

    @Test
    void shouldEndOnceTheGateHasObservedTheBudgetOfSecondsPass() {
        LogBuilder log = threeRunning(", seconds: 60", "");
        log.advance(Duration.ofSeconds(90));
        log.reported("trial-00000", 1, 1, Map.of("score", 0.5));
        assertThat(log.decide(scheduler)).as("no clock is read: nothing observed yet").isEmpty();

        log.timeObserved();
        List<Event> decided = log.decide(scheduler);

        assertEnded(log, decided, "budget.seconds", List.of("trial-00000", "trial-00001", "trial-00002"));
        assertThat(completion(decided).inputs().get("seconds")).isEqualTo(60.0);
        assertThat(completion(decided).inputs().get("elapsed")).isGreaterThanOrEqualTo(60.0);
    }

    @Test
    void shouldNotEndWithoutConditionsAsBeforeThem() {
        LogBuilder log = threeRunning("", "");
        log.advance(Duration.ofDays(1));
        log.failed("trial-00000", 1, false);
        log.reported("trial-00001", 1, 1, Map.of("score", 1e9));

        assertThat(log.decide(scheduler)).noneMatch(e -> e.payload() instanceof ExperimentCompleted);
    }
}
