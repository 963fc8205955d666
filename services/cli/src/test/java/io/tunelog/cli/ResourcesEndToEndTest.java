package io.tunelog.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.tunelog.domain.event.Event;
import io.tunelog.domain.event.EventPayload;
import io.tunelog.domain.event.LoggedEvent;
import io.tunelog.domain.state.ExperimentState;
import io.tunelog.domain.state.ExperimentStatus;
import io.tunelog.domain.state.TrialState;
import io.tunelog.domain.state.TrialStatus;
import io.tunelog.kafka.KafkaClients;
import io.tunelog.kafka.Topics;
import io.tunelog.log.LogReader;
import io.tunelog.platform.testing.PlatformExtension;
import io.tunelog.replay.Audit;
import io.tunelog.replay.AuditReport;
import io.tunelog.replay.ExperimentLog;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Trials that ask for GPUs, on two workers with made-up device ids, on a real broker: each attempt gets devices of its
 * own, no device of a worker is held by two running attempts at once, and the trial sees exactly its devices. All of it
 * is read back from the log alone.
 */
class ResourcesEndToEndTest {
    static final List<String> FOUR = List.of("0", "1", "2", "3");
    static final List<String> TWO = List.of("0", "1");

    @RegisterExtension
    static final PlatformExtension PLATFORM = PlatformExtension.inProcess().worker("gpu4", 4, FOUR).worker("gpu2", 2, TWO);

    /**
     * Reports, at each of three steps, the devices it was given: a bitmask of the ids in CUDA_VISIBLE_DEVICES, how many,
     * and whether the NVIDIA, HIP and ROCR variables say the same.
     */
    static final String TRIAL = """
            mask=0; n=0
            for d in $(echo "$CUDA_VISIBLE_DEVICES" | tr ',' ' '); do mask=$((mask + (1 << d))); n=$((n + 1)); done
            agree=0
            if [ "$NVIDIA_VISIBLE_DEVICES" = "$CUDA_VISIBLE_DEVICES" ] && [ "$HIP_VISIBLE_DEVICES" = "$CUDA_VISIBLE_DEVICES" ] \\
                && [ "$ROCR_VISIBLE_DEVICES" = "$CUDA_VISIBLE_DEVICES" ]; then agree=1; fi
            for s in 1 2 3; do
              sleep 0.3
              echo "{\\"step\\": $s, \\"score\\": $s, \\"visible_mask\\": $mask, \\"visible_count\\": $n, \\"env_agree\\": $agree}"
            done
            """;

    static SpecFile spec(Path dir, String name, int trials, int gpus) throws Exception {
        Path script = dir.resolve("devices.sh");
        if (!Files.exists(script)) {
            Files.writeString(script, TRIAL);
        }
        Path file = Files.writeString(Files.createTempFile(dir, name, ".yaml"), """
                name: %s
                metric: {name: score, mode: max}
                budget: {trials: %d, concurrent: %d}
                searchSpace: {x: {uniform: [0, 1]}}
                trial:
                  command: [/bin/sh, %s]
                  resources: {gpus: %d}
                """.formatted(name, trials, trials, script, gpus));
        return SpecFile.read(file);
    }

    /** An experiment id whose log partition is {@code partition}: experiments that share one are in one order. */
    static String idOn(String prefix, int partition) {
        for (int i = 0; ; i++) {
            String id = prefix + "-" + System.nanoTime() + "-" + i;
            if (Topics.partitionFor(id, Topics.Layout.LOCAL.partitions()) == partition) {
                return id;
            }
        }
    }

    static List<LoggedEvent> log(KafkaClients clients, String experimentId) {
        List<LoggedEvent> events = new ArrayList<>();
        try (LogReader reader = new LogReader(clients, experimentId)) {
            reader.readToEnd(events::add);
        }
        return events;
    }

    static void assertAuditPasses(KafkaClients clients, String experimentId) {
        AuditReport report = Audit.withAllServices().run(ExperimentLog.fromKafka(clients, experimentId));
        assertThat(report.failures()).as("audit failures of " + experimentId).isEmpty();
        assertThat(report.passed()).isTrue();
    }

    @Test
    void shouldGiveEveryAttemptDevicesOfItsOwnAndNeverOneDeviceToTwoRunningAttempts() throws Exception {
        // Both on one log partition, so that the log orders the two experiments' starts and ends as the workers sent them.
        String oneGpu = idOn("one-gpu", 0);
        String twoGpus = idOn("two-gpus", 0);
        ExperimentFollower.submit(PLATFORM.clients(), oneGpu, spec(PLATFORM.storage(), "one-gpu", 12, 1));
        ExperimentFollower.submit(PLATFORM.clients(), twoGpus, spec(PLATFORM.storage(), "two-gpus", 4, 2));

        PrintWriter progress = new PrintWriter(System.err, true);
        ExperimentState one = new ExperimentFollower(PLATFORM.clients(), progress).follow(oneGpu, Duration.ofSeconds(180));
        ExperimentState two = new ExperimentFollower(PLATFORM.clients(), progress).follow(twoGpus, Duration.ofSeconds(180));

        Map<String, Integer> gpusOf = Map.of(oneGpu, 1, twoGpus, 2);
        Map<String, List<String>> devicesOf = Map.of("gpu4", FOUR, "gpu2", TWO);
        List<LoggedEvent> merged = new ArrayList<>(log(PLATFORM.clients(), oneGpu));
        merged.addAll(log(PLATFORM.clients(), twoGpus));
        merged.sort(Comparator.comparingLong(LoggedEvent::offset));

        // Walk both logs in partition order: which devices each worker's running attempts hold.
        Map<String, Set<String>> busy = new HashMap<>();
        Map<String, EventPayload.TrialStarted> holding = new HashMap<>();
        Map<String, List<String>> startedOn = new HashMap<>();
        int starts = 0;
        int mostBusy = 0;
        for (LoggedEvent logged : merged) {
            Event e = logged.event();
            String attempt = e.experimentId() + "/" + e.trialId() + "/";
            if (e.payload() instanceof EventPayload.TrialStarted s) {
                starts++;
                assertThat(s.devices()).as("devices of %s%d", attempt, s.attempt()).hasSize(gpusOf.get(e.experimentId()))
                        .isSubsetOf(devicesOf.get(s.workerId()));
                Set<String> held = busy.computeIfAbsent(s.workerId(), w -> new HashSet<>());
                for (String device : s.devices()) {
                    assertThat(held.add(device)).as("device %s of %s given to %s%d while another attempt runs on it (offset %d)",
                            device, s.workerId(), attempt, s.attempt(), logged.offset()).isTrue();
                }
                mostBusy = Math.max(mostBusy, held.size());
                holding.put(attempt + s.attempt(), s);
                startedOn.put(attempt + s.attempt(), s.devices());
            } else if (e.payload() instanceof EventPayload.TrialCompleted || e.payload() instanceof EventPayload.TrialFailed) {
                int a = ((EventPayload.AttemptReport) e.payload()).attempt();
                EventPayload.TrialStarted s = holding.remove(attempt + a);
                if (s != null) {
                    busy.get(s.workerId()).removeAll(s.devices());
                }
            }
        }
        assertThat(holding).as("attempts still holding devices at the end").isEmpty();
        assertThat(starts).isGreaterThanOrEqualTo(16);
        assertThat(mostBusy).as("a worker ran attempts side by side").isGreaterThan(1);

        for (ExperimentState state : List.of(one, two)) {
            assertThat(state.status()).isEqualTo(ExperimentStatus.COMPLETED);
            assertThat(state.anomalies()).isEmpty();
            for (TrialState t : state.trials()) {
                assertThat(t.status()).as(t.trialId()).isEqualTo(TrialStatus.COMPLETED);
                List<String> devices = startedOn.get(state.experimentId() + "/" + t.trialId() + "/" + t.attempt());
                double mask = devices.stream().mapToInt(Integer::parseInt).map(d -> 1 << d).sum();
                assertThat(t.reports()).as("%s saw exactly its devices %s", t.trialId(), devices).hasSize(3).allSatisfy(r -> {
                    assertThat(r.metrics()).containsEntry("visible_mask", mask)
                            .containsEntry("visible_count", (double) devices.size()).containsEntry("env_agree", 1.0);
                });
            }
            assertAuditPasses(PLATFORM.clients(), state.experimentId());
        }
        assertThat(one.trials()).hasSize(12);
        assertThat(two.trials()).hasSize(4);
        assertThat(two.trials()).as("a two-GPU trial fits both workers").extracting(TrialState::workerId).isNotEmpty();
    }
}
