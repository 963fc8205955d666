package io.tunelog.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.tunelog.domain.event.EventPayload;
import io.tunelog.domain.event.EventPayload.ExperimentCompleted;
import io.tunelog.domain.event.EventPayload.TrialDecision;
import io.tunelog.domain.event.LoggedEvent;
import io.tunelog.domain.state.ExperimentState;
import io.tunelog.domain.state.ExperimentStatus;
import io.tunelog.domain.state.Report;
import io.tunelog.domain.state.TrialState;
import io.tunelog.domain.state.TrialStatus;
import io.tunelog.platform.testing.PlatformExtension;
import io.tunelog.replay.Audit;
import io.tunelog.replay.AuditReport;
import io.tunelog.replay.ExperimentLog;
import io.tunelog.replay.Replay;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Each stop condition on a real broker, with the real services and three workers running {@link CurveTrainable} (its
 * score climbs to 6 over 12 steps, whatever its lr) or {@link FlakyTrainable}: the condition stops trials or ends the
 * experiment, its decision names the condition and its numbers, and the audit recomputes every decision, those made on
 * the gate's observations of time included.
 */
class StopEndToEndTest {
    @RegisterExtension
    static final PlatformExtension PLATFORM = PlatformExtension.inProcess().workers("stop-worker-", 3, 1);

    /** Runs a spec of CurveTrainable trials with these lines added to it, to its end. */
    private static ExperimentState run(String name, String budget, String stepMillis, String extraTrial, String extra) throws Exception {
        return runSpec(name, """
                name: %s
                metric: {name: score, mode: max}
                seed: 5
                budget: %s
                searchSpace:
                  lr: {uniform: [0, 1]}
                  stepMillis: {choice: [%s]}
                trial:
                  trainable: io.tunelog.cli.CurveTrainable
                  checkpoint: {keep: 1}
                %s
                %s
                """.formatted(name, budget, stepMillis, extraTrial, extra));
    }

    private static ExperimentState runSpec(String name, String yaml) throws Exception {
        SpecFile spec = SpecFile.read(Files.writeString(Files.createTempFile(PLATFORM.storage(), "spec", ".yaml"), yaml));
        String id = name + "-" + System.nanoTime();
        ExperimentFollower.submit(PLATFORM.clients(), id, spec);
        ExperimentState state = new ExperimentFollower(PLATFORM.clients(), new PrintWriter(System.err, true)).follow(id, Duration.ofSeconds(180));
        assertThat(state.status()).isEqualTo(ExperimentStatus.COMPLETED);
        assertThat(state.anomalies()).isEmpty();
        ExperimentCompleted c = state.completion().orElseThrow();
        System.out.printf("%s: ExperimentCompleted condition=%s reason=\"%s\" inputs=%s best=%s %s%n", name, c.condition(), c.reason(),
                new java.util.TreeMap<>(c.inputs()), c.bestTrialId(), c.bestMetric());
        return state;
    }

    /** The audit of the experiment's log as it stands: every record verified, every decision recomputed. */
    private static AuditReport audit(ExperimentState state) {
        AuditReport report = Audit.withAllServices().run(ExperimentLog.fromKafka(PLATFORM.clients(), state.experimentId()));
        assertThat(report.failures()).as("audit failures").isEmpty();
        assertThat(report.passed()).isTrue();
        assertThat(report.decisionsVerified()).containsKeys("TrialCreated", "TrialQueued", "ExperimentCompleted");
        System.out.printf("%s: audit passed, %d events, decisions verified %s%n", state.experimentId(), report.events(),
                new java.util.TreeMap<>(report.decisionsVerified()));
        return report;
    }

    private static List<TrialDecision> stops(TrialState t) {
        return t.decisions().stream().filter(d -> d.action() == EventPayload.Action.STOP).toList();
    }

    private static List<EventPayload.TimeObserved> timeObserved(ExperimentState state) {
        return Replay.events(ExperimentLog.fromKafka(PLATFORM.clients(), state.experimentId())).stream().map(LoggedEvent::event)
                .map(e -> e.payload()).filter(EventPayload.TimeObserved.class::isInstance).map(EventPayload.TimeObserved.class::cast).toList();
    }

    /** The experiment ended by {@code condition}: its completion names it, and every trial it stopped names it too. */
    private static void assertEndedBy(ExperimentState state, String condition) {
        ExperimentCompleted c = state.completion().orElseThrow();
        assertThat(c.condition()).isEqualTo(condition);
        assertThat(c.reason()).startsWith(condition + ": ");
        assertThat(c.inputs()).isNotEmpty();
        assertThat(state.openTrials()).isEmpty();
        for (TrialState t : state.trials()) {
            if (t.status() == TrialStatus.STOPPED) {
                assertThat(stops(t)).singleElement().satisfies(d -> assertThat(d.rule()).isEqualTo(condition));
            }
        }
    }

    @Test
    void trialStopStepStopsEveryTrialAtThatStepAndNoStepPastIt() throws Exception {
        ExperimentState state = run("stop-step", "{trials: 4, concurrent: 3}", "60", "  stop: {step: 4}", "");

        assertThat(state.completion().orElseThrow().condition()).as("every planned trial ended").isNull();
        assertThat(state.trials()).hasSize(4).allSatisfy(t -> {
            assertThat(t.status()).isEqualTo(TrialStatus.STOPPED);
            assertThat(stops(t)).singleElement().satisfies(d -> {
                assertThat(d.rule()).isEqualTo("trial.stop.step");
                assertThat(d.inputs()).containsEntry("step", 4.0).containsEntry("limit", 4.0);
            });
            // Held at step 4 until the STOP came: it trained no step past it.
            assertThat(t.reports()).extracting(Report::step).containsExactly(1L, 2L, 3L, 4L);
        });
        audit(state);
    }

    @Test
    void trialStopOnAMetricStopsATrialAtTheFirstReportReachingIt() throws Exception {
        ExperimentState state = run("stop-metric", "{trials: 4, concurrent: 3}", "60", "  stop: {score: {above: 3}}", "");

        assertThat(state.trials()).hasSize(4).allSatisfy(t -> {
            assertThat(t.status()).isEqualTo(TrialStatus.STOPPED);
            TrialDecision d = stops(t).get(0);
            assertThat(d.rule()).isEqualTo("trial.stop.score");
            assertThat(d.inputs().get("value")).isGreaterThanOrEqualTo(3.0);
            Report reached = t.reports().stream().filter(r -> r.step() == d.inputs().get("step").longValue()).findFirst().orElseThrow();
            assertThat(reached.metrics().get("score")).isEqualTo(d.inputs().get("value"));
            assertThat(t.reports().stream().filter(r -> r.step() < reached.step())).as("no earlier report reached it")
                    .allSatisfy(r -> assertThat(r.metrics().get("score")).isLessThan(3.0));
        });
        audit(state);
    }

    @Test
    void trialStopSecondsStopsTrialsOnTheGatesObservationsOfTime() throws Exception {
        // 12 steps of 150 ms: 1.8 s a trial, stopped after 0.6 s of running.
        ExperimentState state = run("stop-seconds", "{trials: 3, concurrent: 3}", "150", "  stop: {seconds: 0.6}", "");

        assertThat(state.trials()).hasSize(3).allSatisfy(t -> {
            assertThat(t.status()).isEqualTo(TrialStatus.STOPPED);
            TrialDecision d = stops(t).get(0);
            assertThat(d.rule()).isEqualTo("trial.stop.seconds");
            assertThat(d.inputs().get("seconds")).isGreaterThanOrEqualTo(0.6).isLessThan(1.8);
            assertThat(t.reports().size()).as("stopped before its 12 steps").isLessThan(CurveTrainable.STEPS);
        });
        assertThat(timeObserved(state)).as("the gate wrote the passing of each trial's seconds")
                .isNotEmpty().allSatisfy(o -> assertThat(o.deadline()).isEqualTo("trial.stop.seconds"));
        AuditReport report = audit(state);
        assertThat(report.decisionsVerified()).containsKey("TrialDecision");
    }

    @Test
    void goalEndsTheExperimentAtTheFirstReportReachingIt() throws Exception {
        ExperimentState state = run("goal", "{trials: 12, concurrent: 3}", "60", "", "goal: {above: 4}");

        assertEndedBy(state, "goal");
        ExperimentCompleted c = state.completion().orElseThrow();
        assertThat(c.inputs().get("value")).isGreaterThanOrEqualTo(4.0);
        assertThat(c.inputs()).containsEntry("above", 4.0);
        assertThat(state.trials().size()).as("ended before all 12 trials were created").isLessThan(12);
        audit(state);
    }

    @Test
    void plateauEndsTheExperimentOnceTheBestScoresStopMoving() throws Exception {
        // Every trial ends at 6 (6 lr + 6 (1 - lr)): after three endings the best three agree.
        ExperimentState state = run("plateau", "{trials: 12, concurrent: 3}", "20", "", "plateau: {top: 3, std: 0.001, patience: 2}");

        assertEndedBy(state, "plateau");
        ExperimentCompleted c = state.completion().orElseThrow();
        assertThat(c.inputs()).containsEntry("top", 3.0).containsEntry("patience", 2.0);
        // It holds from the fourth ending on; trials that end in the pass that admits the fourth count too.
        assertThat(c.inputs().get("streak")).isGreaterThanOrEqualTo(2.0).isEqualTo(c.inputs().get("endings") - 2);
        assertThat(c.inputs().get("sd")).isLessThan(0.001);
        assertThat(state.trials().stream().filter(t -> t.status() == TrialStatus.COMPLETED).count())
                .isEqualTo(c.inputs().get("endings").longValue()).isLessThan(12);
        audit(state);
    }

    @Test
    void budgetSecondsEndsTheExperimentOnTheGatesObservationOfTime() throws Exception {
        // Trials of 1.8 s, three at a time, 12 planned: the budget of 2.5 s ends it with trials running and queued.
        ExperimentState state = run("budget-seconds", "{trials: 12, concurrent: 3, seconds: 2.5}", "150", "", "");

        assertEndedBy(state, "budget.seconds");
        ExperimentCompleted c = state.completion().orElseThrow();
        assertThat(c.inputs()).containsEntry("seconds", 2.5);
        assertThat(c.inputs().get("elapsed")).isGreaterThanOrEqualTo(2.5);
        assertThat(state.trials()).filteredOn(t -> t.status() == TrialStatus.STOPPED).as("running trials stopped").isNotEmpty();
        assertThat(timeObserved(state)).last().satisfies(o -> {
            assertThat(o.deadline()).isEqualTo("budget.seconds");
            assertThat(o.due()).isEqualTo(state.submittedAt().toEpochMilli() + 2500);
            assertThat(o.at()).isGreaterThanOrEqualTo(o.due());
        });
        audit(state);
    }

    @Test
    void maxFailedTrialsEndsTheExperimentOnceMoreTrialsFailedForGood() throws Exception {
        ExperimentState state = runSpec("max-failed", """
                name: max-failed
                metric: {name: score, mode: max}
                budget: {trials: 8, concurrent: 2, maxFailedTrials: 1}
                searchSpace: {x: {uniform: [0, 1]}}
                trial: {trainable: io.tunelog.cli.FlakyTrainable, maxFailures: 0}
                """);

        assertEndedBy(state, "budget.maxFailedTrials");
        assertThat(state.completion().orElseThrow().inputs()).containsEntry("failed", 2.0).containsEntry("maxFailedTrials", 1.0);
        assertThat(state.trials().stream().filter(t -> t.status() == TrialStatus.FAILED)).hasSize(2);
        audit(state);
    }
}
