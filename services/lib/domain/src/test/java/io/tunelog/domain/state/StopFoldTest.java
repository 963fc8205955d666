package io.tunelog.domain.state;

import static org.assertj.core.api.Assertions.assertThat;

import io.tunelog.domain.event.Event;
import io.tunelog.domain.event.EventPayload;
import io.tunelog.domain.event.LoggedEvent;
import io.tunelog.domain.testing.LogBuilder;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** What the fold keeps for the stop conditions: running time, the time observed, reached conditions, failed trials. */
class StopFoldTest {
    static final String SPEC = """
            name: stop-fold
            metric: {name: acc, mode: max}
            budget: {trials: 3, concurrent: 3, seconds: 60}
            searchSpace:
              x: {uniform: [0, 1]}
            trial: {command: [echo], maxFailures: 1, stop: {seconds: 10, step: 9, loss: {below: 0.1}}}
            """;

    static void created(LogBuilder log, String trialId, int index) {
        long suggestions = log.state().nextSequence("suggestion");
        log.append(new Event(Event.id(log.experimentId(), trialId + "/created"), log.experimentId(), trialId, suggestions, log.now(),
                new Event.Source("suggestion", "t"), log.state().lastOffset(), new EventPayload.TrialCreated(Map.of("x", 0.5), "suggested", index)));
    }

    static LogBuilder running(String spec, String... trialIds) {
        LogBuilder log = LogBuilder.submitted("e1", spec);
        for (int i = 0; i < trialIds.length; i++) {
            created(log, trialIds[i], i);
            log.queued(trialIds[i], 1);
            log.started(trialIds[i], 1);
        }
        return log;
    }

    @Test
    void shouldSumRunningTimeOverAttemptsFromEachStartToItsEnd() {
        LogBuilder log = running(SPEC, "t0");
        long start = log.state().trial("t0").runningSinceMs();
        log.advance(Duration.ofMillis(2500));
        LoggedEvent failed = log.failed("t0", 1, true);
        long ranFirst = failed.event().timestamp().toEpochMilli() - start;
        log.queued("t0", 2);
        log.advance(Duration.ofSeconds(30));
        log.started("t0", 2);

        TrialState t = log.state().trial("t0");
        assertThat(t.ranMs()).as("queued time does not count").isEqualTo(ranFirst);
        assertThat(t.ranMs(t.runningSinceMs() + 1500)).isEqualTo(ranFirst + 1500);
        assertThat(t.ranMs(t.runningSinceMs() - 5000)).as("a time before this attempt adds nothing").isEqualTo(ranFirst);
    }

    @Test
    void shouldNoteTheFirstReportThatReachedAStopConditionOnly() {
        LogBuilder log = running(SPEC, "t0");
        log.reported("t0", 1, 1, Map.of("loss", 0.5));
        assertThat(log.state().trial("t0").stopReached()).isNull();
        log.reported("t0", 1, 2, Map.of("loss", 0.05));
        log.reported("t0", 1, 9, Map.of("loss", 0.01));

        assertThat(log.state().trial("t0").stopReached()).isEqualTo(new StopReached("loss", 1, 2, 0.05, "below", 0.1));
    }

    @Test
    void shouldTakeTheStepBeforeAMetricInOneReport() {
        LogBuilder log = running(SPEC, "t0");
        log.reported("t0", 1, 9, Map.of("loss", 0.05));

        assertThat(log.state().trial("t0").stopReached()).isEqualTo(new StopReached("step", 1, 9, 9, "above", 9));
    }

    @Test
    void shouldAdmitAnObservationOnlyOfTheNextDeadlineOnceItHasPassed() {
        LogBuilder log = running(SPEC, "t0", "t1");
        Deadlines.Deadline next = Deadlines.next(log.state()).orElseThrow();
        assertThat(next).isEqualTo(new Deadlines.Deadline(Deadlines.TRIAL, "t0", log.state().trial("t0").runningSinceMs() + 10_000));

        log.command("t0", "time-early", new EventPayload.TimeObserved(next.due() - 1, next.name(), next.due()));
        log.command("t1", "time-other", new EventPayload.TimeObserved(next.due(), next.name(), next.due()));
        assertThat(log.state().anomalies()).extracting(Anomaly::reason).allSatisfy(r -> assertThat(r).startsWith("not admissible: "))
                .anySatisfy(r -> assertThat(r).contains("before trial.stop.seconds of t0"))
                .anySatisfy(r -> assertThat(r).contains("the next deadline is trial.stop.seconds of t0"));
        assertThat(log.state().stops().observedAt()).isNull();

        log.advance(Duration.ofSeconds(11));
        log.timeObserved();

        assertThat(log.state().anomalies()).hasSize(2);
        assertThat(log.state().stops().observedAt()).isEqualTo(log.events().get(log.events().size() - 1).event().timestamp().toEpochMilli());
        assertThat(Deadlines.next(log.state())).as("both trials' deadlines passed by then: the budget's is next")
                .hasValueSatisfying(d -> assertThat(d.name()).isEqualTo(Deadlines.BUDGET));
    }

    @Test
    void shouldRefuseAnObservationWhoseTimeIsNotWhenItWasWritten() {
        LogBuilder log = running(SPEC, "t0");
        log.advance(Duration.ofSeconds(11));
        Deadlines.Deadline next = Deadlines.next(log.state()).orElseThrow();

        log.command("t0", "time-0", new EventPayload.TimeObserved(log.now().toEpochMilli() + 60_000, next.name(), next.due()));

        assertThat(log.state().anomalies()).singleElement().satisfies(a -> assertThat(a.reason()).startsWith("time observed at"));
        assertThat(log.state().stops().observedAt()).isNull();
    }

    @Test
    void shouldCountTrialsThatFailedForGoodButNotThoseLeftToRetry() {
        LogBuilder log = running(SPEC, "t0", "t1");
        log.failed("t0", 1, true);
        assertThat(log.state().stops().failedTrials()).as("maxFailures 1: t0 is retried").isZero();
        log.failed("t1", 1, false);

        assertThat(log.state().stops().failedTrials()).isEqualTo(1);
    }

    @Test
    void shouldCancelWhatIsLeftWhenTheExperimentCompletesAndPassOverATrialSuggestedBeforeThat() {
        LogBuilder log = running(SPEC, "t0");
        created(log, "t1", 1);
        log.queued("t1", 1);
        log.stopped("t0", 1, "goal");
        long basisBeforeTheEnd = log.state().lastOffset();
        log.append(new Event(Event.id("e1", "completed"), "e1", null, log.state().nextSequence("scheduler"), log.now(),
                new Event.Source("scheduler", "t"), basisBeforeTheEnd, new EventPayload.ExperimentCompleted("goal: reached", null, null, "goal", Map.of())));
        // The suggestion service decided on the log before the end; its trial lands after it.
        log.append(new Event(Event.id("e1", "t2/created"), "e1", "t2", log.state().nextSequence("suggestion"), log.now(),
                new Event.Source("suggestion", "t"), basisBeforeTheEnd, new EventPayload.TrialCreated(Map.of("x", 0.1), "suggested", 2)));

        assertThat(log.state().trial("t0").status()).isEqualTo(TrialStatus.STOPPED);
        assertThat(log.state().trial("t1").status()).isEqualTo(TrialStatus.CANCELLED);
        assertThat(log.state().trial("t2")).isNull();
        assertThat(log.state().openTrials()).isEmpty();
        assertThat(log.state().anomalies()).isEmpty();
    }

    @Test
    void shouldStillFlagATrialCreatedOnALogThatHadEnded() {
        LogBuilder log = running(SPEC, "t0");
        log.append(new Event(Event.id("e1", "completed"), "e1", null, log.state().nextSequence("scheduler"), log.now(),
                new Event.Source("scheduler", "t"), log.state().lastOffset(), new EventPayload.ExperimentCompleted("done", null, null)));
        created(log, "t1", 1);

        assertThat(log.state().anomalies()).singleElement().satisfies(a -> assertThat(a.reason()).contains("cannot be created"));
    }
}
