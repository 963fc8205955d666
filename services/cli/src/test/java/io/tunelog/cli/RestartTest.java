package io.tunelog.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.tunelog.domain.state.ExperimentState;
import io.tunelog.domain.state.ExperimentStatus;
import io.tunelog.domain.state.TrialState;
import io.tunelog.kafka.KafkaClients;
import io.tunelog.log.LogReader;
import io.tunelog.platform.Platform;
import io.tunelog.platform.testing.PlatformExtension;
import io.tunelog.replay.Audit;
import io.tunelog.replay.ExperimentLog;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Services stopped mid-experiment and started again rebuild from the log and repeat no decision. */
class RestartTest {
    /** The services are the test's own, to stop and start again; the worker runs throughout. */
    @RegisterExtension
    static final PlatformExtension PLATFORM = PlatformExtension.inProcess().noServices().worker("w1", 2);

    @Test
    void shouldFinishAfterServicesRestartWithoutRepeatingADecision() throws Exception {
        KafkaClients clients = PLATFORM.clients();
        Path dir = PLATFORM.storage();
        SpecFile spec = SpecFile.read(Files.writeString(dir.resolve("spec.yaml"), """
                name: restart
                metric: {name: score, mode: max}
                seed: 3
                budget: {trials: 12, concurrent: 3}
                searchSpace:
                  x: {uniform: [-1, 1]}
                  y: {uniform: [-1, 1]}
                trial: {trainable: io.tunelog.cli.QuadraticTrainable}
                """));
        String id = "restart-" + System.nanoTime();
        try (Platform first = new Platform(clients).startServices(Platform.SERVICES, "first", java.util.List.of(dir))) {
            first.awaitServicesReady(60_000);
            ExperimentFollower.submit(clients, id, spec);
            awaitCompletedTrials(clients, id, 4);
        }
        try (Platform second = new Platform(clients).startServices(Platform.SERVICES, "second", java.util.List.of(dir))) {
            ExperimentState state = new ExperimentFollower(clients, new PrintWriter(System.err, true)).follow(id, Duration.ofSeconds(120));

            assertThat(state.status()).isEqualTo(ExperimentStatus.COMPLETED);
            assertThat(state.trials()).hasSize(12).allSatisfy(t -> assertThat(t.attempt()).isEqualTo(1));
            assertThat(state.duplicatesIgnored()).as("no decision written twice").isZero();
            assertThat(state.anomalies()).isEmpty();
            assertThat(Audit.withAllServices().run(ExperimentLog.fromKafka(clients, id)).failures()).isEmpty();
        }
    }

    private static void awaitCompletedTrials(KafkaClients clients, String id, int completed) {
        ExperimentState state = new ExperimentState(id);
        try (LogReader reader = new LogReader(clients, id)) {
            boolean reached = reader.follow(state::apply, r -> {},
                    e -> state.trials().stream().filter(TrialState::isCompleted).count() >= completed, Duration.ofSeconds(60));
            assertThat(reached).as("%d trials completed before the restart", completed).isTrue();
        }
    }
}
