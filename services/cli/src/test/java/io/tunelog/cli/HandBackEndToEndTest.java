package io.tunelog.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.tunelog.domain.event.EventPayload;
import io.tunelog.domain.event.LoggedEvent;
import io.tunelog.domain.state.ExperimentState;
import io.tunelog.domain.state.ExperimentStatus;
import io.tunelog.domain.state.TrialState;
import io.tunelog.domain.state.TrialStatus;
import io.tunelog.kafka.WorkQueue;
import io.tunelog.platform.Platform;
import io.tunelog.platform.testing.PlatformExtension;
import io.tunelog.worker.WorkerAgent;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The queue archives an assignment past its delivery limit (10), and every hand-back is a delivery: an assignment that a
 * worker keeps handing back, because its one GPU is busy, must still run. One delivery short of the limit the worker
 * returns it to the gate instead, and the scheduler queues the attempt again.
 */
class HandBackEndToEndTest {
    @RegisterExtension
    static final PlatformExtension PLATFORM = PlatformExtension.inProcess();

    @Test
    void shouldRunAnAssignmentHandedBackTwentyFiveTimes() throws Exception {
        Path go = PLATFORM.storage().resolve("go");
        // Both trials wait for the file: the first holds the worker's only GPU until the test creates it.
        Path spec = Files.writeString(PLATFORM.storage().resolve("handback.yaml"), """
                name: handback
                metric: {name: score, mode: max}
                budget: {trials: 2, concurrent: 2}
                searchSpace: {x: {uniform: [0, 1]}}
                trial:
                  command: [/bin/sh, -c, 'while [ ! -e "$1" ]; do sleep 0.1; done; echo "{\\"step\\": 1, \\"score\\": 1}"', sh, %s]
                  resources: {gpus: 1}
                """.formatted(go));
        // Hands an assignment it has no room for back after 0.1 s, not 5 s, so that 25 hand-backs take seconds.
        WorkerAgent worker = new WorkerAgent(PLATFORM.clients(), Platform.workerSettings("one-gpu", 2, PLATFORM.storage(), PLATFORM.storage())
                .withGpus(List.of("0")).withHold(Duration.ofMillis(100)));
        PLATFORM.platform().startWorker(worker);
        String id = "handback-" + System.nanoTime();
        ExperimentFollower.submit(PLATFORM.clients(), id, SpecFile.read(spec));

        long deadline = System.currentTimeMillis() + 120_000;
        while (worker.handedBack() < 25 && System.currentTimeMillis() < deadline) {
            Thread.sleep(50);
        }
        assertThat(worker.handedBack()).as("hand-backs while the GPU was busy").isGreaterThanOrEqualTo(25);
        assertThat(worker.returnedToGate()).as("returned at each 9th delivery, twice at least").isGreaterThanOrEqualTo(2);
        Files.createFile(go);

        ExperimentState state = new ExperimentFollower(PLATFORM.clients(), new PrintWriter(System.err, true)).follow(id, Duration.ofSeconds(120));

        assertThat(state.status()).isEqualTo(ExperimentStatus.COMPLETED);
        assertThat(state.trials()).allSatisfy(t -> assertThat(t.status()).isEqualTo(TrialStatus.COMPLETED));
        TrialState waited = state.trials().stream().max((a, b) -> Integer.compare(a.attempt(), b.attempt())).orElseThrow();
        List<EventPayload.TrialFailed> returns = ResourcesEndToEndTest.log(PLATFORM.clients(), id).stream().map(LoggedEvent::event)
                .filter(e -> waited.trialId().equals(e.trialId())).map(e -> e.payload())
                .filter(EventPayload.TrialFailed.class::isInstance).map(EventPayload.TrialFailed.class::cast).toList();
        assertThat(returns).as("each record handed back " + (WorkQueue.DELIVERY_LIMIT - 2) + " times, then returned to the gate")
                .hasSizeGreaterThanOrEqualTo(2).allSatisfy(f -> {
                    assertThat(f.preempted()).isTrue();
                    assertThat(f.error()).startsWith("assignment handed back: delivered 9 times (the queue's limit is 10) and worker "
                            + "one-gpu had no room for it then");
                });
        assertThat(waited.attempt()).isEqualTo(returns.size() + 1);
        assertThat(waited.failures()).as("a return does not count against maxFailures").isZero();
        assertThat(state.anomalies()).isEmpty();
        ResourcesEndToEndTest.assertAuditPasses(PLATFORM.clients(), id);
    }
}
