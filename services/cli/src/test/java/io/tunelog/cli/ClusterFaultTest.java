package io.tunelog.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.tunelog.domain.event.EventPayload.TrialFailed;
import io.tunelog.domain.event.LoggedEvent;
import io.tunelog.domain.state.ExperimentState;
import io.tunelog.domain.state.Report;
import io.tunelog.domain.state.TrialState;
import io.tunelog.domain.state.TrialStatus;
import io.tunelog.kafka.KafkaClients;
import io.tunelog.kafka.Topics;
import io.tunelog.log.LogReader;
import io.tunelog.platform.testing.PlatformExtension;
import io.tunelog.platform.testing.ProcessFleet;
import io.tunelog.replay.ExperimentLog;
import io.tunelog.replay.Replay;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Faults on a three-broker cluster with the production topic layout (three replicas, two in sync), with every
 * service and worker a separate process: kill -9 a worker mid-trial, kill -9 each service mid-experiment, stop a
 * broker, add a service instance and then stop the first, kill the owning one of two instances for good. After
 * each, {@link Survival} checks that every trial finished, no report was lost or doubled, resumed attempts carried
 * on from their checkpoints, no decision was made twice, and the audit passes.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ClusterFaultTest {
    /** The cluster and its topics; each test starts the processes it needs, in a fleet of its own. */
    @RegisterExtension
    static final PlatformExtension PLATFORM = PlatformExtension.processes(Tunelog.class).cluster().noServices();

    private static final Duration READY = Duration.ofSeconds(90);
    private static final Duration FINISH = Duration.ofSeconds(180);

    private static KafkaClients clients() {
        return PLATFORM.clients();
    }

    private static SpecFile spec(Path dir, String name, int trials) throws Exception {
        return spec(dir, name, trials, 3);
    }

    private static SpecFile spec(Path dir, String name, int trials, int maxFailures) throws Exception {
        return CurveTrainable.faultSpec(dir, name, 11, trials, 250, maxFailures);
    }

    @Test
    @Order(1)
    void shouldRunOnReplicatedTopicsThatNeedTwoCopiesOfEveryWrite() throws Exception {
        try (Admin admin = clients().admin()) {
            for (String topic : List.of(Topics.EVENTS, Topics.SUBMISSIONS, Topics.REPORTS, Topics.ASSIGNMENTS, Topics.CONTROL)) {
                assertThat(admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic).partitions())
                        .as(topic).allSatisfy(p -> assertThat(p.replicas()).hasSize(3));
                ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, topic);
                assertThat(admin.describeConfigs(List.of(resource)).all().get().get(resource)
                        .get(TopicConfig.MIN_IN_SYNC_REPLICAS_CONFIG).value()).as(topic).isEqualTo("2");
            }
        }
    }

    @Test
    @Order(2)
    void shouldResumeAKilledWorkersTrialFromItsCheckpointOnAnotherWorker(@TempDir Path dir) throws Exception {
        String id = "fault-worker-" + System.nanoTime();
        try (ProcessFleet fleet = PLATFORM.newFleet(dir)) {
            fleet.startServices("a", READY);
            ProcessFleet.Member victim = fleet.worker("victim", 1);
            ProcessFleet.Member survivor = fleet.worker("survivor", 1);
            fleet.awaitOutput(victim, "ready", READY);
            fleet.awaitOutput(survivor, "ready", READY);
            ExperimentFollower.submit(clients(), id, spec(dir, "fault-worker", 2));

            String killedTrial = awaitTrial(id, t -> "victim".equals(t.workerId()) && t.status() == TrialStatus.RUNNING
                    && t.liveCheckpoints() > 0).trialId();
            fleet.kill(victim);

            Survival.Outcome outcome = Survival.assertSurvived(clients(), follow(id));
            TrialState killed = outcome.state().trial(killedTrial);
            assertThat(killed.attempt()).isEqualTo(2);
            assertThat(killed.workerId()).isEqualTo("survivor");
            assertThat(outcome.resumedAttempts()).isEqualTo(1);
            List<LoggedEvent> failures = Replay.events(ExperimentLog.fromKafka(clients(), id)).stream()
                    .filter(e -> e.event().payload() instanceof TrialFailed).toList();
            assertThat(failures).singleElement().satisfies(e -> {
                assertThat(e.event().trialId()).isEqualTo(killedTrial);
                assertThat(((TrialFailed) e.event().payload()).error()).startsWith("lease expired: no heartbeat from worker victim");
                assertThat(e.event().source().service()).isEqualTo("gate");
            });
            // The model, not only the step count, carried on: its final value is what an unbroken run reaches.
            double lr = (Double) killed.config().get("lr");
            assertThat(killed.lastValue("score").orElseThrow()).isCloseTo(unbrokenScore(lr), org.assertj.core.data.Offset.offset(1e-9));
            List<Report> resumed = killed.reports().stream().filter(r -> r.attempt() == 2).toList();
            assertThat(resumed.get(0).step()).as("the second attempt does not start from scratch").isGreaterThan(1);
        }
    }

    @Test
    @Order(2)
    void shouldRequeueTheTrialOfAWorkerStoppedWithSigtermAtOnce(@TempDir Path dir) throws Exception {
        String id = "fault-sigterm-" + System.nanoTime();
        try (ProcessFleet fleet = PLATFORM.newFleet(dir)) {
            fleet.startServices("a", READY);
            ProcessFleet.Member leaving = fleet.worker("leaving", 1);
            ProcessFleet.Member staying = fleet.worker("staying", 1);
            fleet.awaitOutput(leaving, "ready", READY);
            fleet.awaitOutput(staying, "ready", READY);
            // maxFailures 0: a worker that is stopped gives its attempt up; that is no failure of the trial.
            ExperimentFollower.submit(clients(), id, spec(dir, "fault-sigterm", 2, 0));

            String trial = awaitTrial(id, t -> "leaving".equals(t.workerId()) && t.status() == TrialStatus.RUNNING
                    && t.liveCheckpoints() > 0).trialId();
            long stoppedAt = System.nanoTime();
            fleet.terminate(leaving, Duration.ofSeconds(20));
            assertThat(Files.readString(fleet.logOf(leaving))).contains("worker leaving stopped");
            awaitTrial(id, t -> t.trialId().equals(trial) && t.attempt() == 2 && t.status() == TrialStatus.RUNNING);
            assertThat(Duration.ofNanos(System.nanoTime() - stoppedAt)).as("requeued without waiting for the lease")
                    .isLessThan(Duration.ofSeconds(8));

            Survival.Outcome outcome = Survival.assertSurvived(clients(), follow(id));
            assertThat(outcome.failureReasons()).singleElement().asString()
                    .isEqualTo(trial + "/1: abandoned: worker leaving shutting down");
            assertThat(outcome.resumedAttempts()).isEqualTo(1);
            assertThat(outcome.state().trial(trial).failures()).as("failures counted against maxFailures").isZero();
        }
    }

    @ParameterizedTest(name = "kill -9 {0}")
    @ValueSource(strings = {"scheduler", "suggestion", "registry"})
    @Order(3)
    void shouldFinishWhenAServiceIsKilledMidExperimentAndRestarted(String service, @TempDir Path dir) throws Exception {
        String id = "fault-" + service + "-" + System.nanoTime();
        try (ProcessFleet fleet = PLATFORM.newFleet(dir)) {
            Map<String, ProcessFleet.Member> services = fleet.startServices("a", READY);
            fleet.startWorkers("w", 2, 2, READY);
            ExperimentFollower.submit(clients(), id, spec(dir, "fault-" + service, 10));
            awaitCompleted(id, 2);

            ProcessFleet.Member victim = services.get(service);
            fleet.kill(victim);
            assertThat(countCompleted(id)).as("killed mid-experiment").isLessThan(10);
            Thread.sleep(1000);
            // Restarted under the same instance id, as a supervisor would: it fences the dead one's open transaction.
            fleet.restart(victim);

            Survival.assertSurvived(clients(), follow(id));
        }
    }

    @Test
    @Order(4)
    void shouldHandExperimentsOverWhenAServiceInstanceIsAddedAndTheFirstStopped(@TempDir Path dir) throws Exception {
        String id = "fault-rebalance-" + System.nanoTime();
        try (ProcessFleet fleet = PLATFORM.newFleet(dir)) {
            ProcessFleet.Member first = fleet.services("services-a", "scheduler,suggestion,registry", "a");
            fleet.awaitOutput(first, "ready", READY);
            fleet.startWorkers("w", 2, 2, READY);
            // 20 trials, not 10: with the faster services, 10 could all but end before the second instance was ready
            // and the first stopped, leaving the second nothing to decide (CI saw this once).
            ExperimentFollower.submit(clients(), id, spec(dir, "fault-rebalance", 20));
            awaitCompleted(id, 2);

            ProcessFleet.Member second = fleet.services("services-b", "scheduler,suggestion,registry", "b");
            fleet.awaitOutput(second, "ready", READY);
            for (String group : List.of("tunelog-scheduler", "tunelog-suggestion", "tunelog-registry")) {
                assertThat(membersWithPartitions(group)).as("%s shares its partitions between both instances", group).isEqualTo(2);
            }
            assertThat(countCompleted(id)).as("the second instance joined mid-experiment").isLessThan(20);
            // SIGTERM: the services finish their passes, commit, leave their groups, and say so (143 = 128 + TERM).
            assertThat(fleet.terminate(first, Duration.ofSeconds(20))).as("exit code after SIGTERM").isEqualTo(143);
            assertThat(Files.readString(fleet.logOf(first))).contains("(instance a) stopped");

            ExperimentState state = follow(id);
            Survival.assertSurvived(clients(), state);
            Set<String> instances = Replay.events(ExperimentLog.fromKafka(clients(), id)).stream()
                    .filter(e -> !e.event().source().service().equals("worker") && !e.event().source().service().equals("producer"))
                    .map(e -> e.event().source().instance()).collect(Collectors.toSet());
            assertThat(instances).as("the first instance decided before it stopped, the second after").contains("a", "b");
        }
    }

    @Test
    @Order(5)
    void shouldFailOverToTheOtherInstanceWhenTheOwnerIsKilledForGood(@TempDir Path dir) throws Exception {
        String id = "fault-failover-" + System.nanoTime();
        try (ProcessFleet fleet = PLATFORM.newFleet(dir)) {
            ProcessFleet.Member a = fleet.services("services-a", "scheduler,suggestion,registry", "a");
            ProcessFleet.Member b = fleet.services("services-b", "scheduler,suggestion,registry", "b");
            fleet.awaitOutput(a, "ready", READY);
            fleet.awaitOutput(b, "ready", READY);
            fleet.startWorkers("w", 2, 2, READY);
            ExperimentFollower.submit(clients(), id, spec(dir, "fault-failover", 10));
            awaitCompleted(id, 2);

            // Kill, and never restart, the instance whose scheduler owns the experiment's partition.
            int partition = Topics.partitionFor(id, Topics.Layout.CLUSTER.partitions());
            String owner = ownerOf("tunelog-scheduler", partition);
            ProcessFleet.Member victim = owner.endsWith("-a") ? a : b;
            String survivor = victim == a ? "b" : "a";
            fleet.kill(victim);
            assertThat(countCompleted(id)).as("killed mid-experiment").isLessThan(10);

            // The survivor takes the partition after the 10 s session; the dead one's open transaction, if any, is
            // aborted by the broker after its 20 s timeout.
            ExperimentState state = follow(id);
            Survival.assertSurvived(clients(), state);
            List<String> lastDeciders = Replay.events(ExperimentLog.fromKafka(clients(), id)).stream()
                    .filter(e -> e.event().source().service().equals("scheduler"))
                    .map(e -> e.event().source().instance()).toList();
            assertThat(lastDeciders.get(lastDeciders.size() - 1)).as("the survivor completed the experiment").isEqualTo(survivor);
        }
    }

    @Test
    @Order(6)
    void shouldFinishWhileOneOfThreeBrokersIsDown(@TempDir Path dir) throws Exception {
        String id = "fault-broker-" + System.nanoTime();
        try (ProcessFleet fleet = PLATFORM.newFleet(dir)) {
            fleet.startServices("a", READY);
            fleet.startWorkers("w", 2, 2, READY);
            ExperimentFollower.submit(clients(), id, spec(dir, "fault-broker", 10));
            awaitCompleted(id, 2);
            PLATFORM.kafka().stopBroker(2);
            try {
                assertThat(countCompleted(id)).as("the broker stopped mid-experiment").isLessThan(10);
                Survival.assertSurvived(clients(), follow(id));
            } finally {
                PLATFORM.kafka().startBroker(2);
            }
        }
    }

    // ---- helpers ----

    private static ExperimentState follow(String id) {
        return new ExperimentFollower(clients(), new PrintWriter(System.err, true)).follow(id, FINISH);
    }

    private static ExperimentState read(String id) {
        ExperimentState state = new ExperimentState(id);
        try (LogReader reader = new LogReader(clients(), id)) {
            reader.readToEnd(state::apply);
        }
        return state;
    }

    private static long countCompleted(String id) {
        return read(id).trials().stream().filter(TrialState::isCompleted).count();
    }

    private static void awaitCompleted(String id, int completed) throws InterruptedException {
        awaitTrialsWhere(id, s -> s.trials().stream().filter(TrialState::isCompleted).count() >= completed,
                completed + " trials completed");
    }

    private static TrialState awaitTrial(String id, Predicate<TrialState> wanted) throws InterruptedException {
        Optional<TrialState>[] found = new Optional[] {Optional.empty()};
        awaitTrialsWhere(id, s -> (found[0] = s.trials().stream().filter(wanted).findFirst()).isPresent(), "a trial as wanted");
        return found[0].orElseThrow();
    }

    private static void awaitTrialsWhere(String id, Predicate<ExperimentState> condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
        while (System.nanoTime() < deadline) {
            if (condition.test(read(id))) {
                return;
            }
            Thread.sleep(200);
        }
        throw new AssertionError("not reached within 120 s: " + what + " in " + id);
    }

    private static long membersWithPartitions(String group) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        long members = 0;
        try (Admin admin = clients().admin()) {
            while (System.nanoTime() < deadline) {
                ConsumerGroupDescription d = admin.describeConsumerGroups(List.of(group)).all().get().get(group);
                members = d.members().stream().filter(m -> !m.assignment().topicPartitions().isEmpty()).count();
                if (members >= 2) {
                    return members;
                }
                Thread.sleep(200);
            }
        }
        return members;
    }

    /** The static member of {@code group} that owns the log partition, as its instance id. */
    private static String ownerOf(String group, int partition) throws Exception {
        TopicPartition wanted = new TopicPartition(Topics.EVENTS, partition);
        try (Admin admin = clients().admin()) {
            ConsumerGroupDescription d = admin.describeConsumerGroups(List.of(group)).all().get().get(group);
            return d.members().stream().filter(m -> m.assignment().topicPartitions().contains(wanted))
                    .map(m -> m.groupInstanceId().orElseThrow()).findFirst()
                    .orElseThrow(() -> new AssertionError("no member of " + group + " owns " + wanted));
        }
    }

    private static double unbrokenScore(double lr) {
        double model = 0;
        for (int step = 1; step <= CurveTrainable.STEPS; step++) {
            model += CurveTrainable.gain(lr, step);
        }
        return model;
    }
}
