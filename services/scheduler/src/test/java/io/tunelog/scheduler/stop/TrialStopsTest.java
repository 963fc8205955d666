package io.tunelog.scheduler.stop;

import static org.assertj.core.api.Assertions.assertThat;

import io.tunelog.domain.event.Event;
import io.tunelog.domain.event.EventPayload.Action;
import io.tunelog.domain.event.EventPayload.TrialDecision;
import io.tunelog.domain.state.TrialStatus;
import io.tunelog.domain.testing.LogBuilder;
import io.tunelog.scheduler.SchedulingDecider;
import io.tunelog.scheduler.SchedulingService;
import io.tunelog.suggestion.SuggestionDecider;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@code trial.stop}: given a log, when the scheduler decides, then the trials that reached a condition stop. */
class TrialStopsTest {
    static final String SPEC = """
            name: trial-stop
            metric: {name: score, mode: max}
            budget: {trials: 2, concurrent: 2}
            searchSpace:
              x: {uniform: [0, 1]}
            trial: {command: [x], maxFailures: 1, stop: {step: 5, seconds: 10, loss: {below: 0.1}}}
            """;

    private final SchedulingDecider scheduler = new SchedulingDecider();

    private LogBuilder running(String spec) {
        LogBuilder log = LogBuilder.submitted("e", spec);
        log.decide(new SuggestionDecider());
        log.decide(scheduler);
        log.started("trial-00000", 1);
        log.started("trial-00001", 1);
        return log;
    }

    private static TrialDecision decision(Event e) {
        return (TrialDecision) e.payload();
    }

    @Test
    void shouldStopATrialWhoseReportReachesTheStopStep() {
        LogBuilder log = running(SPEC);
        log.reported("trial-00000", 1, 4, Map.of("score", 1.0));
        assertThat(log.decide(scheduler)).as("step 4 of 5").isEmpty();
        log.reported("trial-00000", 1, 5, Map.of("score", 1.1));

        List<Event> decided = log.decide(scheduler);

        assertThat(decided).singleElement().satisfies(e -> {
            assertThat(e.trialId()).isEqualTo("trial-00000");
            assertThat(decision(e).action()).isEqualTo(Action.STOP);
            assertThat(decision(e).rule()).isEqualTo("trial.stop.step");
            assertThat(decision(e).reason()).isEqualTo("step 5 reached trial.stop.step 5");
            assertThat(decision(e).inputs()).isEqualTo(Map.of("step", 5.0, "limit", 5.0));
        });
        assertThat(log.state().trial("trial-00000").status()).isEqualTo(TrialStatus.STOPPED);
        assertThat(log.decide(scheduler)).as("stopped once, and not queued again").isEmpty();
    }

    @Test
    void shouldStopATrialWhoseMetricReachesItsThreshold() {
        LogBuilder log = running(SPEC);
        log.reported("trial-00001", 1, 1, Map.of("loss", 0.4));
        log.reported("trial-00001", 1, 2, Map.of("loss", 0.08));
        log.reported("trial-00001", 1, 3, Map.of("loss", 0.3));

        assertThat(log.decide(scheduler)).singleElement().satisfies(e -> {
            assertThat(decision(e).rule()).isEqualTo("trial.stop.loss");
            assertThat(decision(e).reason()).isEqualTo("loss 0.08 at step 2 reached trial.stop.loss.below 0.1");
            assertThat(decision(e).inputs()).isEqualTo(Map.of("step", 2.0, "value", 0.08, "below", 0.1));
        });
    }

    @Test
    void shouldStopARunningTrialForItsSecondsOnlyOnceTheGateHasObservedThemPass() {
        LogBuilder log = running(SPEC);
        log.advance(Duration.ofSeconds(30));
        log.reported("trial-00000", 1, 1, Map.of("score", 1.0));
        assertThat(log.decide(scheduler)).as("no clock is read: nothing has been observed").isEmpty();

        log.timeObserved();
        List<Event> decided = log.decide(scheduler);

        assertThat(decided).as("both trials ran past 10 s by the time observed").hasSize(2).allSatisfy(e -> {
            assertThat(decision(e).rule()).isEqualTo("trial.stop.seconds");
            assertThat(decision(e).inputs().get("seconds")).isGreaterThanOrEqualTo(10.0);
            assertThat(decision(e).inputs().get("limit")).isEqualTo(10.0);
        });
        assertThat(log.state().anomalies()).isEmpty();
    }

    @Test
    void shouldStopRatherThanRetryATrialWhoseEndedAttemptsRanItsSeconds() {
        LogBuilder log = running(SPEC);
        log.advance(Duration.ofSeconds(12));
        log.failed("trial-00000", 1, true);

        List<Event> decided = log.decide(scheduler);

        assertThat(decided).singleElement().satisfies(e -> {
            assertThat(e.trialId()).isEqualTo("trial-00000");
            assertThat(decision(e).rule()).isEqualTo("trial.stop.seconds");
        });
        assertThat(log.state().trial("trial-00000").status()).isEqualTo(TrialStatus.STOPPED);
    }

    @Test
    void shouldRetryATrialThatHasSecondsLeft() {
        LogBuilder log = running(SPEC);
        log.advance(Duration.ofSeconds(3));
        log.failed("trial-00000", 1, true);

        assertThat(log.decide(scheduler)).singleElement().satisfies(e -> assertThat(e.eventId()).endsWith("trial-00000/queued-2"));
    }

    @Test
    void shouldTakeTheStopOverTheRulesDecisionAboutTheSameTrial() {
        // ASHA's maxT is 5 too: the trial is stopped once, for trial.stop.step.
        LogBuilder log = running(SPEC.replace("trial:", "scheduler: {type: asha, maxT: 5, gracePeriod: 1, reductionFactor: 2}\ntrial:"));
        log.reported("trial-00000", 1, 5, Map.of("score", 1.0));

        assertThat(log.decide(scheduler)).singleElement().satisfies(e -> assertThat(decision(e).rule()).isEqualTo("trial.stop.step"));
        assertThat(log.state().anomalies()).isEmpty();
    }

    @Test
    void shouldHoldATrialAtItsStopStepWhenThatComesBeforeTheRulesNextMilestone() {
        SchedulingService service = new SchedulingService();
        LogBuilder fifo = running(SPEC);
        assertThat(service.nextMilestone(fifo.state(), "trial-00000")).as("FIFO judges nothing; the stop step").isEqualTo(5.0);

        LogBuilder asha = running(SPEC.replace("trial:", "scheduler: {type: asha, maxT: 16, gracePeriod: 2, reductionFactor: 2}\ntrial:"));
        assertThat(service.nextMilestone(asha.state(), "trial-00000")).as("ASHA's first rung comes first").isEqualTo(2.0);
        asha.reported("trial-00000", 1, 4, Map.of("score", 1.0));
        assertThat(service.nextMilestone(asha.state(), "trial-00000")).as("rung 8 is past the stop step").isEqualTo(5.0);

        LogBuilder byEpoch = running(SPEC.replace("trial:", "scheduler: {type: asha, timeAttr: epoch, maxT: 16}\ntrial:"));
        assertThat(service.nextMilestone(byEpoch.state(), "trial-00000")).as("a rule timed by another metric: its own only").isEqualTo(1.0);
    }
}
