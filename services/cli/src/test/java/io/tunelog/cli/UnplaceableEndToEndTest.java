package io.tunelog.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.tunelog.domain.event.EventPayload;
import io.tunelog.domain.event.LoggedEvent;
import io.tunelog.domain.state.ExperimentState;
import io.tunelog.domain.state.ExperimentStatus;
import io.tunelog.domain.state.TrialState;
import io.tunelog.domain.state.TrialStatus;
import io.tunelog.log.LogReader;
import io.tunelog.platform.Platform;
import io.tunelog.platform.testing.PlatformExtension;
import io.tunelog.results.Json;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A trial that asks for more GPUs than any live worker has is shown as unplaceable, waits without going round the queue,
 * and runs once a worker that fits it joins.
 */
class UnplaceableEndToEndTest {
    @RegisterExtension
    static final PlatformExtension PLATFORM = PlatformExtension.inProcess().worker("gpu4", 4, List.of("0", "1", "2", "3"))
            .worker("gpu2", 2, List.of("0", "1"));

    @Test
    void shouldShowATrialNoLiveWorkerFitsAsUnplaceableAndRunItOnceOneJoins() throws Exception {
        Path spec = Files.writeString(PLATFORM.storage().resolve("eight.yaml"), """
                name: eight-gpus
                metric: {name: score, mode: max}
                budget: {trials: 1}
                searchSpace: {x: {uniform: [0, 1]}}
                trial:
                  command: [/bin/sh, -c, 'echo "{\\"step\\": 1, \\"score\\": 1, \\"gpus\\": $(echo $CUDA_VISIBLE_DEVICES | tr , " " | wc -w)}"']
                  resources: {gpus: 8}
                """);
        String id = "eight-" + System.nanoTime();
        ExperimentFollower.submit(PLATFORM.clients(), id, SpecFile.read(spec));

        // Parked: unplaceable, and its assignment came back from the queue at its delivery limit, not queued again.
        ExperimentState parked = awaitState(id, s -> {
            TrialState t = s.trial("trial-00000");
            return t != null && t.status() == TrialStatus.FAILED && t.unplaceable() != null;
        });
        TrialState trial = parked.trial("trial-00000");
        assertThat(trial.unplaceable()).isEqualTo("needs 1 CPU and 8 GPUs (trial.resources), more than any of the 2 live workers has: "
                + "gpu4 has 4 CPUs and 4 GPUs, gpu2 has 2 CPUs and 2 GPUs");
        assertThat(ExperimentFollower.line(parked, Duration.ofSeconds(30)))
                .contains("| 1 unplaceable: trial-00000 needs 1 CPU and 8 GPUs (trial.resources), more than any of the 2 live workers");
        JsonNode summary = Json.summary(parked, null);
        assertThat(summary.get("trials").get("unplaceable").asInt()).isEqualTo(1);
        assertThat(summary.get("unplaceable").get(0).get("trialId").asText()).isEqualTo("trial-00000");
        assertThat(summary.get("unplaceable").get(0).get("reason").asText()).isEqualTo(trial.unplaceable());
        int attempt = trial.attempt();
        Thread.sleep(3_000);
        ExperimentState later = awaitState(id, s -> true);
        assertThat(later.trial("trial-00000").attempt()).as("not queued again while no worker fits it").isEqualTo(attempt);
        assertThat(later.trial("trial-00000").status()).isEqualTo(TrialStatus.FAILED);

        PLATFORM.platform().startWorker(Platform.workerSettings("gpu8", 8, PLATFORM.storage(), PLATFORM.storage())
                .withGpus(List.of("0", "1", "2", "3", "4", "5", "6", "7")));
        ExperimentState done = new ExperimentFollower(PLATFORM.clients(), new PrintWriter(System.err, true)).follow(id, Duration.ofSeconds(120));

        assertThat(done.status()).isEqualTo(ExperimentStatus.COMPLETED);
        TrialState ran = done.trial("trial-00000");
        assertThat(ran.status()).isEqualTo(TrialStatus.COMPLETED);
        assertThat(ran.workerId()).isEqualTo("gpu8");
        assertThat(ran.devices()).hasSize(8);
        assertThat(ran.lastValue("gpus")).hasValue(8.0);
        assertThat(ran.failures()).isZero();
        assertThat(done.unplaceableTrials()).isEmpty();
        List<EventPayload.TrialPlacement> placements = ResourcesEndToEndTest.log(PLATFORM.clients(), id).stream().map(LoggedEvent::event)
                .map(e -> e.payload()).filter(EventPayload.TrialPlacement.class::isInstance).map(EventPayload.TrialPlacement.class::cast).toList();
        assertThat(placements).extracting(EventPayload.TrialPlacement::placeable).containsExactly(false, true);
        assertThat(placements.get(1).reason()).isEqualTo("worker gpu8 (8 CPUs and 8 GPUs) can run it");
        ResourcesEndToEndTest.assertAuditPasses(PLATFORM.clients(), id);
    }

    private static ExperimentState awaitState(String id, Predicate<ExperimentState> done) throws InterruptedException {
        long deadline = System.currentTimeMillis() + 120_000;
        while (true) {
            ExperimentState state = new ExperimentState(id);
            try (LogReader reader = new LogReader(PLATFORM.clients(), id)) {
                reader.readToEnd(state::apply);
            }
            if (done.test(state) || System.currentTimeMillis() > deadline) {
                assertThat(done.test(state)).as("the log of " + id + " never got there").isTrue();
                return state;
            }
            Thread.sleep(200);
        }
    }
}
