package io.tunelog.replay;

import static org.assertj.core.api.Assertions.assertThat;

import io.tunelog.domain.state.ExperimentState;
import io.tunelog.domain.state.ExperimentStatus;
import io.tunelog.domain.state.TrialStatus;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A log written by the first schema version must replay and audit with every later build. */
class FixtureLogTest {
    static final Path V1 = Path.of("src/test/resources/fixtures/fixture-v1.avro");

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
    void shouldAuditTheFirstSchemaVersionsLogWithTodaysDeciders() {
        assertFullyVerified(Audit.withAllServices().run(LogSource.archive(V1)));
    }

    @Test
    void shouldVerifyDecisionsLoggedFarAfterTheirBasisInASecondPass() {
        // A window of one event: every decision arrives after the fold passed its basis.
        assertFullyVerified(new Audit(ServiceCatalog.deciders(), 1).run(ExperimentLog.fromFile(V1)));
    }

    private static void assertFullyVerified(AuditReport report) {
        assertThat(report.failures()).isEmpty();
        assertThat(report.events()).isEqualTo(125);
        assertThat(report.commandsAdmitted()).isEqualTo(83);
        assertThat(report.decisionsVerified()).isEqualTo(Map.of(
                "TrialCreated", 6L, "TrialQueued", 11L, "CheckpointDeleted", 24L, "ExperimentCompleted", 1L));
    }
}
