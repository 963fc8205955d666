package io.tunelog.replay;

import static org.assertj.core.api.Assertions.assertThat;

import io.tunelog.domain.event.Event;
import io.tunelog.domain.event.EventPayload;
import io.tunelog.domain.event.LoggedEvent;
import io.tunelog.domain.state.ExperimentState;
import io.tunelog.domain.state.ExperimentStatus;
import io.tunelog.domain.state.TrialStatus;
import io.tunelog.domain.spec.ExperimentSpec;
import io.tunelog.domain.spec.SearcherChoice;
import io.tunelog.domain.spec.SearcherSpec;
import io.tunelog.domain.spec.SpecParser;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Logs written by released schema versions must replay and audit with every later build. */
class FixtureLogTest {
    static final Path V1 = Path.of("src/test/resources/fixtures/fixture-v1.avro");
    /** Written by the one-hop loop: the scheduler's decisions name its own events past their basis. */
    static final Path V5 = Path.of("src/test/resources/fixtures/fixture-v5.avro");
    static final Path V6 = Path.of("src/test/resources/fixtures/fixture-v6.avro");
    /** Stop conditions: trials stopped for their seconds and a metric, the experiment ended by its budget of seconds. */
    static final Path V7 = Path.of("src/test/resources/fixtures/fixture-v7.avro");
    /** Warm starts: initial configurations, observations imported from an earlier experiment, an enqueued trial. */
    static final Path V8 = Path.of("src/test/resources/fixtures/fixture-v8.avro");

    @Test
    void shouldReplayTheFirstSchemaVersionsLogWithTodaysSchemas() {
        ExperimentState state = Replay.state(ExperimentLog.fromFile(V1));

        assertThat(state.status()).isEqualTo(ExperimentStatus.COMPLETED);
        assertThat(state.anomalies()).isEmpty();
        assertThat(state.trials()).hasSize(6).allSatisfy(t -> assertThat(t.status()).isEqualTo(TrialStatus.COMPLETED));
        assertThat(state.trials().stream().filter(t -> t.attempt() == 2).count()).as("trials resumed after a failure").isEqualTo(5);
        assertThat(state.best()).get().satisfies(b -> {
            assertThat(b.trialId()).isEqualTo("trial-00004");
            assertThat(b.value()).isEqualTo(4.7936977729101145);
        });
    }

    @Test
    void shouldKeepTheSearcherALogWasWrittenWithWhenTheDefaultHasSinceChanged() throws Exception {
        // fixture-v1.yaml names no searcher: then that meant random; the rule would now pick another for it.
        ExperimentSpec asWrittenToday = SpecParser.parse(Files.readString(Path.of("src/test/resources/fixtures/fixture-v1.yaml")));
        assertThat(asWrittenToday.searcher().type()).isNotEqualTo("random");
        assertThat(asWrittenToday.searcher().chosenBy()).isEqualTo(SearcherChoice.RULE);

        for (Path log : List.of(V1, V5, V6, V7)) {
            assertThat(Replay.state(ExperimentLog.fromFile(log)).spec().searcher()).as(log.toString())
                    .isEqualTo(new SearcherSpec("random", Map.of()));
        }
        // The audit recomputes every suggestion with the searcher the log names (shouldAudit... below, all four logs).
    }

    @Test
    void shouldAuditTheFirstSchemaVersionsLogWithTodaysDeciders() {
        assertFullyVerified(Audit.withAllServices().run(LogSource.archive(V1)));
    }

    @Test
    void shouldVerifyDecisionsLoggedFarAfterTheirBasisInASecondPass() {
        // A window of one event: every decision arrives after the fold passed its basis.
        assertFullyVerified(new Audit(ServiceCatalog.deciders(), 1).run(ExperimentLog.fromFile(V1)));
    }

    @Test
    void shouldReplayALogOfTheOneHopLoopWithHeldTrials() {
        ExperimentState state = Replay.state(ExperimentLog.fromFile(V5));

        assertThat(state.status()).isEqualTo(ExperimentStatus.COMPLETED);
        assertThat(state.anomalies()).isEmpty();
        assertThat(state.trials()).hasSize(8).allSatisfy(t -> assertThat(t.status()).isEqualTo(TrialStatus.STOPPED));
        assertThat(state.trials().stream().filter(t -> t.attempt() == 2).count()).as("trials resumed after a failure").isPositive();
        List<Event> events = events(V5);
        assertThat(events).as("decisions that saw the scheduler's own events past their basis")
                .anySatisfy(e -> assertThat(e.basisAhead()).isNotNull().isPositive());
        assertThat(events).as("reports of trials held at a rung")
                .anySatisfy(e -> assertThat(e.payload()).isInstanceOfSatisfying(EventPayload.TrialReported.class,
                        r -> assertThat(r.heldMs()).isNotNull()));
    }

    @Test
    void shouldAuditALogOfTheOneHopLoopInBothPasses() {
        Map<String, Long> decisions = Map.of("TrialCreated", 8L, "TrialQueued", 10L, "TrialDecision", 22L,
                "CheckpointDeleted", 55L, "ExperimentCompleted", 1L);
        for (Audit audit : List.of(Audit.withAllServices(), new Audit(ServiceCatalog.deciders(), 1))) {
            AuditReport report = audit.run(ExperimentLog.fromFile(V5));
            assertThat(report.failures()).isEmpty();
            assertThat(report.events()).isEqualTo(236);
            assertThat(report.decisionsVerified()).isEqualTo(decisions);
        }
    }

    @Test
    void shouldReplayALogOfTrialsOnDevicesOfTheirOwnWithATrialFirstUnplaceable() {
        ExperimentState state = Replay.state(ExperimentLog.fromFile(V6));

        assertThat(state.status()).isEqualTo(ExperimentStatus.COMPLETED);
        assertThat(state.anomalies()).isEmpty();
        assertThat(state.spec().trial().resources()).isEqualTo(new io.tunelog.domain.spec.Resources(1, 2));
        assertThat(state.trials()).hasSize(6).allSatisfy(t -> {
            assertThat(t.status()).isEqualTo(TrialStatus.COMPLETED);
            assertThat(t.devices()).hasSize(2);
            double mask = t.devices().stream().mapToInt(Integer::parseInt).map(d -> 1 << d).sum();
            assertThat(t.lastValue("visible_mask")).as(t.trialId() + " saw its devices " + t.devices()).hasValue(mask);
        });
        assertThat(state.completion()).hasValueSatisfying(c -> {
            assertThat(c.condition()).as("written before conditions: every planned trial ended").isNull();
            assertThat(c.inputs()).isEmpty();
        });
        assertThat(state.trial("trial-00000").attempt()).as("returned to the gate, then queued again").isEqualTo(2);
        assertThat(state.trial("trial-00000").failures()).isZero();
        List<Event> events = events(V6);
        assertThat(events).extracting(Event::payload).filteredOn(EventPayload.TrialPlacement.class::isInstance)
                .extracting(p -> ((EventPayload.TrialPlacement) p).placeable()).containsExactly(false, false, false, true, true);
        assertThat(events).extracting(Event::payload).filteredOn(EventPayload.TrialFailed.class::isInstance).singleElement()
                .satisfies(p -> assertThat(((EventPayload.TrialFailed) p).preempted()).isTrue());
    }

    @Test
    void shouldAuditALogOfTrialsOnDevicesInBothPasses() {
        Map<String, Long> decisions = Map.of("TrialCreated", 6L, "TrialQueued", 7L, "ExperimentCompleted", 1L);
        for (Audit audit : List.of(Audit.withAllServices(), new Audit(ServiceCatalog.deciders(), 1))) {
            AuditReport report = audit.run(ExperimentLog.fromFile(V6));
            assertThat(report.failures()).isEmpty();
            assertThat(report.events()).isEqualTo(51);
            assertThat(report.commandsAdmitted()).isEqualTo(37);
            assertThat(report.decisionsVerified()).isEqualTo(decisions);
        }
    }

    @Test
    void shouldReplayALogOfStopConditionsWithTheGatesObservationsOfTime() {
        ExperimentState state = Replay.state(ExperimentLog.fromFile(V7));

        assertThat(state.status()).isEqualTo(ExperimentStatus.COMPLETED);
        assertThat(state.anomalies()).isEmpty();
        EventPayload.ExperimentCompleted completion = state.completion().orElseThrow();
        assertThat(completion.condition()).isEqualTo("budget.seconds");
        assertThat(completion.inputs()).containsEntry("seconds", 4.0).containsEntry("elapsed", 4.045);
        assertThat(state.openTrials()).isEmpty();
        assertThat(state.trials()).extracting(t -> t.status() + " " + t.decisions().stream().map(d -> d.rule()).toList())
                .containsExactly("STOPPED [trial.stop.seconds]", "STOPPED [trial.stop.score]", "STOPPED [trial.stop.seconds]",
                        "STOPPED [budget.seconds]", "STOPPED [budget.seconds]", "CANCELLED []");
        assertThat(events(V7)).extracting(Event::payload).filteredOn(EventPayload.TimeObserved.class::isInstance)
                .extracting(p -> ((EventPayload.TimeObserved) p).deadline())
                .containsExactly("trial.stop.seconds", "trial.stop.seconds", "budget.seconds");
    }

    @Test
    void shouldAuditALogOfStopConditionsInBothPasses() {
        Map<String, Long> decisions = Map.of("TrialCreated", 6L, "TrialQueued", 5L, "TrialDecision", 5L, "ExperimentCompleted", 1L);
        for (Audit audit : List.of(Audit.withAllServices(), new Audit(ServiceCatalog.deciders(), 1))) {
            AuditReport report = audit.run(ExperimentLog.fromFile(V7));
            assertThat(report.failures()).isEmpty();
            assertThat(report.events()).isEqualTo(47);
            assertThat(report.commandsAdmitted()).as("TimeObserved among them").isEqualTo(30);
            assertThat(report.decisionsVerified()).isEqualTo(decisions);
        }
    }

    @Test
    void shouldReplayALogOfAWarmStartWithInitialImportedAndEnqueuedConfigurations() {
        ExperimentState state = Replay.state(ExperimentLog.fromFile(V8));

        assertThat(state.status()).isEqualTo(ExperimentStatus.COMPLETED);
        assertThat(state.anomalies()).isEmpty();
        assertThat(state.imported()).extracting(EventPayload.ObservationImported::fromTrial)
                .as("the source's trial with y = 0.9 is outside this space").containsExactly("trial-00000", "trial-00001", "trial-00003");
        assertThat(state.imported()).allSatisfy(o -> assertThat(o.fromExperiment()).isEqualTo("fixture-v8-source"));
        assertThat(state.enqueued()).singleElement().satisfies(q -> assertThat(q.config()).isEqualTo(Map.of("x", 0.75, "y", 0.25)));
        assertThat(state.trials()).extracting(t -> t.origin()).containsExactly("initial", "initial", "enqueued", "suggested", "suggested");
        assertThat(state.trial("trial-00000").config()).isEqualTo(Map.of("x", 0.9, "y", 0.0));
        assertThat(state.trial("trial-00002").config()).isEqualTo(Map.of("x", 0.75, "y", 0.25));
    }

    @Test
    void shouldAuditALogOfAWarmStartInBothPasses() {
        Map<String, Long> decisions = Map.of("TrialCreated", 5L, "TrialQueued", 5L, "ExperimentCompleted", 1L);
        for (Audit audit : List.of(Audit.withAllServices(), new Audit(ServiceCatalog.deciders(), 1))) {
            AuditReport report = audit.run(ExperimentLog.fromFile(V8));
            assertThat(report.failures()).isEmpty();
            assertThat(report.events()).isEqualTo(41);
            assertThat(report.commandsAdmitted()).as("ObservationImported and TrialEnqueued among them").isEqualTo(30);
            assertThat(report.decisionsVerified()).isEqualTo(decisions);
        }
    }

    private static List<Event> events(Path archive) {
        return Replay.events(ExperimentLog.fromFile(archive)).stream().map(LoggedEvent::event).toList();
    }

    private static void assertFullyVerified(AuditReport report) {
        assertThat(report.failures()).isEmpty();
        assertThat(report.events()).isEqualTo(125);
        assertThat(report.commandsAdmitted()).isEqualTo(83);
        assertThat(report.decisionsVerified()).isEqualTo(Map.of(
                "TrialCreated", 6L, "TrialQueued", 11L, "CheckpointDeleted", 24L, "ExperimentCompleted", 1L));
    }
}
