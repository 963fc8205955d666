package io.tunelog.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.tunelog.avro.LogRecord;
import io.tunelog.codec.EventCodec;
import io.tunelog.domain.event.Event;
import io.tunelog.domain.event.EventPayload.CheckpointRegistered;
import io.tunelog.domain.event.EventPayload.TrialExploited;
import io.tunelog.domain.event.EventPayload.TrialQueued;
import io.tunelog.domain.event.EventPayload.TrialReported;
import io.tunelog.domain.state.ExperimentState;
import io.tunelog.domain.state.ExperimentStatus;
import io.tunelog.domain.state.TrialStatus;
import io.tunelog.platform.testing.PlatformExtension;
import io.tunelog.replay.Audit;
import io.tunelog.replay.AuditReport;
import io.tunelog.replay.ExperimentLog;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The PyTorch PBT example (services/examples/pytorch-digits-pbt.yaml) on a real broker with four workers, its trials
 * real Python processes on the tunelog helper: every exploit's next attempt restores the donor's checkpoint through
 * tunelog.torch and trains on from the step after it with the explored learning rate, and the audit passes.
 */
class PytorchPbtEndToEndTest {
    @RegisterExtension
    static final PlatformExtension PLATFORM = PlatformExtension.inProcess().workers("torch-worker-", 4, 1);
    /** Tests run in the module directory (services/cli). */
    static final Path EXAMPLES = Path.of("../examples").toAbsolutePath().normalize();

    private static boolean pythonHasTorch() {
        try {
            return new ProcessBuilder("/usr/bin/python3", "-c", "import torch, sklearn").start().waitFor() == 0;
        } catch (Exception e) {
            return false;
        }
    }

    @Test
    void shouldGoOnFromTheDonorsCheckpointWithTheExploredLearningRateAfterEachExploit() throws Exception {
        Assumptions.assumeTrue(pythonHasTorch(), "/usr/bin/python3 with torch and scikit-learn is not installed (Debian: python3-torch)");
        // The example as it is: its script's path resolves next to the spec, though the workers here run in services/cli.
        SpecFile spec = SpecFile.read(EXAMPLES.resolve("pytorch-digits-pbt.yaml"));
        String id = "torch-pbt-" + System.nanoTime();
        ExperimentFollower.submit(PLATFORM.clients(), id, spec);

        ExperimentState state = new ExperimentFollower(PLATFORM.clients(), new PrintWriter(System.err, true)).follow(id, Duration.ofSeconds(240));

        assertThat(state.status()).isEqualTo(ExperimentStatus.COMPLETED);
        assertThat(state.anomalies()).isEmpty();
        assertThat(state.trials()).hasSize(4).allSatisfy(t -> assertThat(t.status()).isEqualTo(TrialStatus.COMPLETED));
        ExperimentLog log = ExperimentLog.fromKafka(PLATFORM.clients(), id);
        List<Event> events = new ArrayList<>();
        for (LogRecord r : log.records()) {
            events.add(EventCodec.decode(ExperimentLog.bytes(r.getValue())));
        }
        Map<String, Long> checkpointSteps = new HashMap<>();
        events.stream().filter(e -> e.payload() instanceof CheckpointRegistered)
                .forEach(e -> checkpointSteps.put(((CheckpointRegistered) e.payload()).checkpointId(), ((CheckpointRegistered) e.payload()).step()));
        int continued = 0;
        int exploits = 0;
        for (int i = 0; i < events.size(); i++) {
            if (!(events.get(i).payload() instanceof TrialExploited x)) {
                continue;
            }
            exploits++;
            String trial = events.get(i).trialId();
            TrialQueued next = events.subList(i, events.size()).stream().filter(e -> trial.equals(e.trialId()) && e.payload() instanceof TrialQueued)
                    .map(e -> (TrialQueued) e.payload()).findFirst().orElseThrow(() -> new AssertionError(trial + " never queued after its exploit"));
            assertThat(next.restoreFromCheckpointId()).as("%s restores the donor's checkpoint", trial).isEqualTo(x.checkpointId());
            long donorStep = checkpointSteps.get(x.checkpointId());
            TrialReported first = events.stream().filter(e -> trial.equals(e.trialId()) && e.payload() instanceof TrialReported r
                            && r.attempt() == next.attempt()).map(e -> (TrialReported) e.payload()).findFirst().orElse(null);
            if (first == null) {
                assertThat(donorStep).as("%s attempt %d reported nothing: only when the donor had finished", trial, next.attempt())
                        .isGreaterThanOrEqualTo(((Number) x.config().get("epochs")).longValue());
                continue;
            }
            assertThat(first.step()).as("%s attempt %d goes on after the donor's step", trial, next.attempt()).isEqualTo(donorStep + 1);
            assertThat(first.metrics().get("lr")).as("%s attempt %d trains with the explored rate", trial, next.attempt())
                    .isCloseTo(((Number) x.config().get("lr")).doubleValue(), org.assertj.core.data.Percentage.withPercentage(1e-9));
            continued++;
        }
        System.out.printf("%d exploits, %d continued from the donor's checkpoint with the explored learning rate%n", exploits, continued);
        assertThat(continued).as("exploits that trained on").isPositive();
        AuditReport report = Audit.withAllServices().run(log);
        assertThat(report.failures()).as("audit failures").isEmpty();
        assertThat(report.passed()).isTrue();
    }
}
