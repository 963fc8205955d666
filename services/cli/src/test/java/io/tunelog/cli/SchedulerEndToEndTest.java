package io.tunelog.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.tunelog.domain.event.EventPayload.CheckpointDeleted;
import io.tunelog.domain.event.EventPayload.TrialDecision;
import io.tunelog.domain.event.EventPayload.TrialExploited;
import io.tunelog.domain.event.EventPayload.TrialStarted;
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
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Each trial scheduler on a real broker (the two parameters the trainable ignores give PBT more than one to explore) with the real services and four workers running {@link CurveTrainable}:
 * it acts (stops, pauses and resumes, exploits), resumed trials carry on from the checkpoint they were given, and
 * the audit recomputes every scheduling and retention decision.
 */
class SchedulerEndToEndTest {
    @RegisterExtension
    static final PlatformExtension PLATFORM = PlatformExtension.inProcess().workers("sched-worker-", 4, 1);

    private static ExperimentState run(String name, int trials, String scheduler) throws Exception {
        return run(name, trials, scheduler, "random");
    }

    private static ExperimentState run(String name, int trials, String scheduler, String searcher) throws Exception {
        return run(name, trials, scheduler, searcher, "");
    }

    /** @param extraSpace more search-space lines, e.g. a slower {@code stepMillis} */
    private static ExperimentState run(String name, int trials, String scheduler, String searcher, String extraSpace) throws Exception {
        String yaml = """
                name: %s
                metric: {name: score, mode: max}
                seed: 3
                budget: {trials: %d, concurrent: 4}
                searchSpace:
                  lr: {uniform: [0, 1]}
                  momentum: {uniform: [0.5, 0.99]}
                  optimizer: {choice: [sgd, adam]}
                %s
                scheduler: %s
                searcher: {type: %s}
                trial:
                  trainable: io.tunelog.cli.CurveTrainable
                  checkpoint: {keep: 2, scoreAttribute: score}
                """.formatted(name, trials, extraSpace, scheduler, searcher);
        SpecFile spec = SpecFile.read(Files.writeString(Files.createTempFile(PLATFORM.storage(), "spec", ".yaml"), yaml));
        String id = name + "-" + System.nanoTime();
        ExperimentFollower.submit(PLATFORM.clients(), id, spec);
        ExperimentState state = new ExperimentFollower(PLATFORM.clients(), new PrintWriter(System.err, true)).follow(id, Duration.ofSeconds(180));
        assertThat(state.status()).isEqualTo(ExperimentStatus.COMPLETED);
        assertThat(state.anomalies()).isEmpty();
        return state;
    }

    private static AuditReport audit(ExperimentState state) {
        AuditReport report = Audit.withAllServices().run(ExperimentLog.fromKafka(PLATFORM.clients(), state.experimentId()));
        assertThat(report.failures()).as("audit failures").isEmpty();
        assertThat(report.passed()).isTrue();
        assertThat(report.decisionsVerified()).containsKeys("TrialDecision", "TrialQueued", "CheckpointDeleted", "ExperimentCompleted");
        return report;
    }

    private static long stepsTrained(ExperimentState state) {
        return state.trials().stream().mapToLong(t -> t.reports().size()).sum();
    }

    private static List<String> rules(TrialState t) {
        return t.decisions().stream().map(TrialDecision::rule).toList();
    }

    @Test
    void ashaStopsTrialsAtTheirRungs() throws Exception {
        ExperimentState state = run("e2e-asha", 8, "{type: asha, maxT: 12, gracePeriod: 1, reductionFactor: 3}");

        assertThat(state.trials()).filteredOn(t -> t.status() == TrialStatus.STOPPED && rules(t).contains("asha.rung"))
                .as("stopped early at a rung").isNotEmpty();
        assertThat(stepsTrained(state)).as("less than every trial to the end").isLessThan(8L * CurveTrainable.STEPS);
        assertDecidedInTheAdmittingPass(state, "asha.rung");
        audit(state);
    }

    /**
     * One hop: every decision by {@code rule} was made in the pass that admitted the report it judged, so that report
     * lies past the decision's basis, among the scheduler's own events that the decision saw.
     */
    private static void assertDecidedInTheAdmittingPass(ExperimentState state, String rule) throws Exception {
        java.util.Map<String, Long> reportOffsets = new java.util.HashMap<>();
        int checked = 0;
        for (io.tunelog.avro.LogRecord r : ExperimentLog.fromKafka(PLATFORM.clients(), state.experimentId()).records()) {
            io.tunelog.domain.event.Event e = io.tunelog.codec.EventCodec.decode(ExperimentLog.bytes(r.getValue()));
            if (e.payload() instanceof io.tunelog.domain.event.EventPayload.TrialReported report) {
                reportOffsets.put(e.trialId() + "/" + report.attempt() + "/" + report.step(), r.getOffset());
            } else if (e.payload() instanceof TrialDecision d && d.rule().equals(rule)) {
                Long judged = reportOffsets.get(e.trialId() + "/" + d.attempt() + "/" + Math.round(d.inputs().get("time")));
                assertThat(judged).as("the report %s judged", e.eventId()).isNotNull();
                assertThat(e.basisAhead()).as("%s saw its own events past its basis", e.eventId()).isNotNull().isPositive();
                assertThat(judged).as("%s judged a report admitted after its basis %d", e.eventId(), e.basis()).isGreaterThan(e.basis());
                checked++;
            }
        }
        assertThat(checked).as("decisions by " + rule).isPositive();
    }

    @Test
    void medianStoppingStopsTrialsBelowTheMedian() throws Exception {
        ExperimentState state = run("e2e-median", 8, "{type: median, gracePeriod: 2, minSamplesRequired: 2}");

        assertThat(state.trials()).filteredOn(t -> rules(t).contains("median.stop")).isNotEmpty();
        audit(state);
    }

    @Test
    void hyperbandWithBohbResumesPromotedTrialsFromTheirCheckpoints() throws Exception {
        // maxT 12, η 3: a bracket of 9 trials with rungs at 12/9, 4 and 12, then one of 5 with rungs at 4 and 12,
        // whose trials BOHB suggests from the scores at the first bracket's rungs
        ExperimentState state = run("e2e-hyperband", 14, "{type: hyperband, maxT: 12, gracePeriod: 1, reductionFactor: 3}",
                "bohb, randomFraction: 0, minPointsInModel: 3");

        List<TrialState> resumed = state.trials().stream().filter(t -> t.attempt() > 1).toList();
        assertThat(resumed).as("the best third promoted past the first rung").hasSizeGreaterThanOrEqualTo(3);
        for (TrialState t : resumed) {
            assertCarriesOnFromItsCheckpoint(t, t.trialId());
        }
        assertThat(state.trials()).filteredOn(t -> rules(t).contains("hyperband.cut")).hasSizeGreaterThanOrEqualTo(6);
        audit(state);
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"pbt", "pb2"})
    void pbtClonesTheDonorsCheckpointIntoTheExploitingTrial(String type) throws Exception {
        String explore = type.equals("pbt") ? "resampleProbability: 0.5" : "hyperparamMutations: [lr, momentum]";
        // 150 ms steps, not 60: an exploit must land while the trials still run, also on a loaded machine (at 60 ms all
        // four once finished before the scheduler had judged them).
        ExperimentState state = run("e2e-" + type, 4,
                "{type: " + type + ", perturbationInterval: 3, quantileFraction: 0.25, " + explore + "}", "random",
                "  stepMillis: {choice: [150]}");

        List<LoggedEvent> events = Replay.events(ExperimentLog.fromKafka(PLATFORM.clients(), state.experimentId()));
        // The four trials are queued at once, and each of the four one-slot workers takes one: a worker whose queue
        // client kept a whole batch acquired ran three of them one after another, and no exploit could land.
        assertThat(events.stream().map(e -> e.event().payload()).filter(p -> p instanceof TrialStarted s && s.attempt() == 1)
                .map(p -> ((TrialStarted) p).workerId()).distinct()).as("the workers that took the first attempts").hasSize(4);
        List<LoggedEvent> exploits = events.stream().filter(e -> e.event().payload() instanceof TrialExploited).toList();
        assertThat(exploits).as("the bottom trial exploited the top one").isNotEmpty();
        for (LoggedEvent e : exploits) {
            TrialExploited x = (TrialExploited) e.event().payload();
            TrialState trial = state.trial(e.event().trialId());
            if (trial.attempt() > x.attempt()) {
                assertCarriesOnFromItsCheckpoint(trial, x.donorTrialId());
            }
        }
        // Under PBT the registry prunes checkpoints once the experiment has ended: wait for that, then audit it too.
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (Replay.events(ExperimentLog.fromKafka(PLATFORM.clients(), state.experimentId())).stream()
                .noneMatch(e -> e.event().payload() instanceof CheckpointDeleted)) {
            assertThat(System.nanoTime()).as("checkpoints pruned after the end").isLessThan(deadline);
            Thread.sleep(200);
        }
        AuditReport report = audit(state);
        assertThat(report.decisionsVerified()).containsKey("TrialExploited");
    }

    @Test
    void racingEliminatesCandidatesInstanceByInstance() throws Exception {
        // Each step is an instance; the curves never cross, so the Friedman test soon separates the candidates.
        ExperimentState state = run("e2e-racing", 4, "{type: racing, firstTest: 3, alpha: 0.05}");

        assertThat(state.trials()).filteredOn(t -> rules(t).contains("racing.eliminated")).isNotEmpty();
        audit(state);
    }

    /**
     * The attempt after a pause starts right after the step of the checkpoint it restored (the trial's own, or the
     * donor's for PBT) and its model carries on from the checkpointed value: nothing starts from step 0.
     */
    private static void assertCarriesOnFromItsCheckpoint(TrialState t, String checkpointOwner) {
        for (int attempt = 2; attempt <= t.attempt(); attempt++) {
            int a = attempt;
            List<Report> reports = t.reports().stream().filter(r -> r.attempt() == a).toList();
            if (reports.isEmpty()) {
                continue;
            }
            Report first = reports.get(0);
            assertThat(first.step()).as(t.trialId() + " attempt " + a + " resumed, not restarted").isGreaterThan(1L);
            double lr = ((Number) t.config().get("lr")).doubleValue();
            double restored = first.metrics().get("score") - CurveTrainable.gain(lr, first.step());
            assertThat(restored).as(t.trialId() + " attempt " + a + " restored a model that " + checkpointOwner + " reported")
                    .isGreaterThan(0.0);
        }
    }
}
