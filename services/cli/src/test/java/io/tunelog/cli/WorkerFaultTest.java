package io.tunelog.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.tunelog.domain.event.EventPayload.TrialFailed;
import io.tunelog.domain.event.LoggedEvent;
import io.tunelog.domain.state.ExperimentState;
import io.tunelog.domain.state.ExperimentStatus;
import io.tunelog.domain.state.Report;
import io.tunelog.domain.state.TrialState;
import io.tunelog.domain.state.TrialStatus;
import io.tunelog.kafka.KafkaClients;
import io.tunelog.kafka.Topics;
import io.tunelog.kafka.testing.KafkaBrokerExtension;
import io.tunelog.log.LogReader;
import io.tunelog.replay.Audit;
import io.tunelog.replay.AuditReport;
import io.tunelog.replay.ExperimentLog;
import io.tunelog.replay.Replay;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * kill -9 of a worker process mid-trial: its lease runs out, the gate fails the attempt, the scheduler
 * queues the next one from the trial's latest checkpoint, another worker process resumes it there, and
 * nothing is lost or decided twice.
 */
class WorkerFaultTest {
    @RegisterExtension
    static final KafkaBrokerExtension KAFKA = new KafkaBrokerExtension();

    /** A worker agent in its own JVM, as `tunelog worker` runs it. */
    private static Process workerProcess(String bootstrap, String workerId, Path storage) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        return new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), Tunelog.class.getName(), "worker",
                "-b", bootstrap, "--worker-id", workerId, "--slots", "1", "--storage", storage.toString())
                .redirectErrorStream(true)
                .redirectOutput(storage.resolve(workerId + ".log").toFile())
                .start();
    }

    @Test
    void shouldResumeAKilledWorkersTrialFromItsCheckpointOnAnotherWorker(@TempDir Path storage) throws Exception {
        KafkaClients clients = KafkaClients.of(KAFKA.bootstrapServers());
        SpecFile spec = SpecFile.read(Files.writeString(storage.resolve("spec.yaml"), """
                name: fault-worker
                metric: {name: score, mode: max}
                seed: 9
                budget: {trials: 2, concurrent: 2}
                searchSpace:
                  lr: {uniform: [0, 1]}
                  stepMillis: {choice: [400]}
                trial:
                  trainable: io.tunelog.cli.CurveTrainable
                  maxFailures: 2
                  checkpoint: {keep: 2}
                """));
        String id = "fault-worker-" + System.nanoTime();
        Process victim = null;
        Process survivor = null;
        try (Platform platform = new Platform(clients).ensureTopics(Topics.Layout.LOCAL)
                .startServices(Platform.SERVICES, "it", List.of(storage))) {
            platform.awaitServicesReady(60_000);
            victim = workerProcess(KAFKA.bootstrapServers(), "victim", storage);
            survivor = workerProcess(KAFKA.bootstrapServers(), "survivor", storage);
            ExperimentFollower.submit(clients, id, spec);

            String killedTrial = awaitCheckpointBy(clients, id, "victim", Duration.ofSeconds(90));
            victim.destroyForcibly().waitFor();

            ExperimentState state = new ExperimentFollower(clients, new PrintWriter(System.err, true)).follow(id, Duration.ofSeconds(120));

            assertThat(state.status()).isEqualTo(ExperimentStatus.COMPLETED);
            assertThat(state.anomalies()).isEmpty();
            assertThat(state.duplicatesIgnored()).as("no event written twice").isZero();
            assertThat(state.trials()).allSatisfy(t -> assertThat(t.status()).isEqualTo(TrialStatus.COMPLETED));
            TrialState killed = state.trial(killedTrial);
            assertThat(killed.attempt()).isGreaterThanOrEqualTo(2);
            assertThat(killed.workerId()).isEqualTo("survivor");
            List<LoggedEvent> failures = Replay.events(ExperimentLog.fromKafka(clients, id)).stream()
                    .filter(e -> e.event().payload() instanceof TrialFailed).toList();
            assertThat(failures).singleElement().satisfies(e -> {
                assertThat(e.event().trialId()).isEqualTo(killedTrial);
                assertThat(((TrialFailed) e.event().payload()).error()).startsWith("lease expired: no heartbeat from worker victim");
                assertThat(e.event().source().service()).isEqualTo("gate");
            });
            long restoredStep = Long.parseLong(killed.restoreFromCheckpointId().replaceAll(".*_", ""));
            List<Report> resumed = killed.reports().stream().filter(r -> r.attempt() == killed.attempt()).toList();
            assertThat(restoredStep).as("restored from a checkpoint, not from scratch").isGreaterThanOrEqualTo(1);
            assertThat(resumed.get(0).step()).as("the resumed attempt carries on after its checkpoint").isEqualTo(restoredStep + 1);
            assertThat(resumed.get(resumed.size() - 1).step()).isEqualTo(CurveTrainable.STEPS);
            double lr = (Double) killed.config().get("lr");
            assertThat(killed.lastValue("score").orElseThrow()).as("the model carried on from the checkpointed state")
                    .isCloseTo(expectedScore(lr), org.assertj.core.data.Offset.offset(1e-9));
            AuditReport audit = Audit.withAllServices().run(ExperimentLog.fromKafka(clients, id));
            assertThat(audit.failures()).isEmpty();
            assertThat(audit.passed()).isTrue();
        } finally {
            for (Process p : new Process[] {victim, survivor}) {
                if (p != null) {
                    p.destroyForcibly().waitFor();
                }
            }
        }
    }

    private static double expectedScore(double lr) {
        double model = 0;
        for (int step = 1; step <= CurveTrainable.STEPS; step++) {
            model += CurveTrainable.gain(lr, step);
        }
        return model;
    }

    /** The trial that the worker has registered a checkpoint for, once it has. */
    private static String awaitCheckpointBy(KafkaClients clients, String id, String workerId, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            ExperimentState state = new ExperimentState(id);
            try (LogReader reader = new LogReader(clients, id)) {
                reader.readToEnd(state::apply);
            }
            Optional<TrialState> trial = state.trials().stream()
                    .filter(t -> workerId.equals(t.workerId()) && t.status() == TrialStatus.RUNNING && t.liveCheckpoints() > 0)
                    .findFirst();
            if (trial.isPresent()) {
                return trial.get().trialId();
            }
            Thread.sleep(200);
        }
        throw new AssertionError("worker " + workerId + " registered no checkpoint within " + timeout);
    }
}
