package io.tunelog.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.tunelog.domain.event.EventPayload.ObservationImported;
import io.tunelog.domain.state.ExperimentState;
import io.tunelog.domain.state.ExperimentStatus;
import io.tunelog.domain.state.TrialState;
import io.tunelog.log.LogReader;
import io.tunelog.platform.testing.PlatformExtension;
import io.tunelog.replay.Audit;
import io.tunelog.replay.AuditReport;
import io.tunelog.replay.ExperimentLog;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.time.Duration;
import java.util.Comparator;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Warm starts on a real broker with the real services and two workers running {@link CurveTrainable}: the spec's initial
 * configurations run first, a configuration enqueued with {@code tunelog enqueue} into a running experiment runs before the
 * searcher's next, and a warmStart imports an ended experiment's trials at submission; the audit recomputes every decision.
 */
class WarmStartEndToEndTest {
    @RegisterExtension
    static final PlatformExtension PLATFORM = PlatformExtension.inProcess().workers("warm-worker-", 2, 1);

    private static final String SPEC = """
            name: %s
            metric: {name: score, mode: max}
            seed: %d
            budget: {trials: %d, concurrent: 2}
            searchSpace:
              lr: {uniform: [0, 1]}
              stepMillis: {choice: [5]}
            searcher:
            %s
            trial:
              trainable: io.tunelog.cli.CurveTrainable
            %s
            """;

    private static ExperimentState run(String id, String yaml) throws Exception {
        SpecFile spec = SpecFile.read(Files.writeString(Files.createTempFile(PLATFORM.storage(), "spec", ".yaml"), yaml));
        ExperimentFollower.submit(PLATFORM.clients(), id, spec);
        ExperimentState state = new ExperimentFollower(PLATFORM.clients(), new PrintWriter(System.err, true)).follow(id, Duration.ofSeconds(180));
        assertThat(state.status()).isEqualTo(ExperimentStatus.COMPLETED);
        assertThat(state.anomalies()).isEmpty();
        AuditReport report = Audit.withAllServices().run(ExperimentLog.fromKafka(PLATFORM.clients(), id));
        assertThat(report.failures()).as("audit failures").isEmpty();
        assertThat(report.passed()).isTrue();
        System.out.printf("%s: audit passed, %d events, decisions verified %s%n", id, report.events(),
                new java.util.TreeMap<>(report.decisionsVerified()));
        return state;
    }

    @Test
    void shouldRunTheInitialConfigurationsFirstWithinTheBudget() throws Exception {
        String id = "initial-" + System.nanoTime();
        ExperimentState state = run(id, SPEC.formatted(id, 3, 4,
                "  type: tpe\n  initial: [{lr: 0.25, stepMillis: 5}, {lr: 0.75, stepMillis: 5}]", ""));

        assertThat(state.trials()).hasSize(4);
        TrialState[] byIndex = state.trials().stream().sorted(Comparator.comparingInt(TrialState::index)).toArray(TrialState[]::new);
        assertThat(byIndex[0].origin()).isEqualTo("initial");
        assertThat(byIndex[0].config()).isEqualTo(Map.of("lr", 0.25, "stepMillis", 5L));
        assertThat(byIndex[1].origin()).isEqualTo("initial");
        assertThat(byIndex[1].config()).isEqualTo(Map.of("lr", 0.75, "stepMillis", 5L));
        assertThat(byIndex[2].origin()).isEqualTo("suggested");
        assertThat(byIndex[3].origin()).isEqualTo("suggested");
    }

    @Test
    void shouldImportAnEndedExperimentsTrialsAtSubmissionAndPassTheAudit() throws Exception {
        String source = "source-" + System.nanoTime();
        ExperimentState earlier = run(source, SPEC.formatted(source, 1, 3, "  type: random", ""));
        String id = "warm-" + System.nanoTime();

        ExperimentState warm = run(id, SPEC.formatted(id, 2, 3, "  type: gp", "warmStart: {from: [" + source + "]}"));

        assertThat(warm.imported()).extracting(ObservationImported::fromExperiment).containsOnly(source);
        assertThat(warm.imported()).extracting(ObservationImported::fromTrial)
                .containsExactlyInAnyOrderElementsOf(earlier.trials().stream().map(TrialState::trialId).toList());
        for (ObservationImported o : warm.imported()) {
            TrialState from = earlier.trial(o.fromTrial());
            assertThat(o.config()).isEqualTo(from.config());
            assertThat(o.metrics().get("score")).isEqualTo(from.lastValue("score").orElseThrow());
        }
        assertThat(warm.trials()).as("imports are not trials of the experiment").hasSize(3);
        assertThat(warm.best().orElseThrow().trialId()).isIn(warm.trials().stream().map(TrialState::trialId).toList());
    }

    private static int cli(StringWriter out, StringWriter err, String... args) {
        return Tunelog.commandLine().setErr(new PrintWriter(err)).setOut(new PrintWriter(out)).execute(args);
    }

    @Test
    void shouldRunAConfigurationEnqueuedIntoARunningExperimentWithinItsBudget() throws Exception {
        String id = "enqueue-" + System.nanoTime();
        // One trial at a time, 12 steps of 100 ms each: the experiment runs for seconds while the configuration is enqueued.
        String yaml = SPEC.formatted(id, 4, 4, "  type: tpe", "").replace("concurrent: 2", "concurrent: 1").replace("[5]", "[100]");
        SpecFile spec = SpecFile.read(Files.writeString(Files.createTempFile(PLATFORM.storage(), "spec", ".yaml"), yaml));
        ExperimentFollower.submit(PLATFORM.clients(), id, spec);
        ExperimentState running = new ExperimentState(id);
        try (LogReader reader = new LogReader(PLATFORM.clients(), id)) {
            assertThat(reader.follow(running::apply, r -> {}, e -> !running.trials().isEmpty(), Duration.ofSeconds(60)))
                    .as("the experiment runs").isTrue();
        }

        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int bad = cli(out, err, "enqueue", id, "{\"lr\": 5, \"stepMillis\": 100}", "--bootstrap-servers", PLATFORM.bootstrapServers());
        assertThat(bad).isEqualTo(Tunelog.BAD_INPUT);
        assertThat(err.toString().strip()).doesNotContain("\n").endsWith("config.lr: expected a number in [0.0, 1.0], found 5");

        int exit = cli(out, err, "enqueue", id, "{\"lr\": 1, \"stepMillis\": 100}", "--bootstrap-servers", PLATFORM.bootstrapServers());
        assertThat(exit).as("stderr: %s", err).isZero();
        assertThat(out.toString()).contains("configuration enqueued in " + id);

        ExperimentState state = new ExperimentFollower(PLATFORM.clients(), new PrintWriter(System.err, true)).follow(id, Duration.ofSeconds(180));
        assertThat(state.status()).isEqualTo(ExperimentStatus.COMPLETED);
        assertThat(state.trials()).as("the enqueued configuration took one of budget.trials").hasSize(4);
        assertThat(state.trials()).filteredOn(t -> t.origin().equals("enqueued")).singleElement()
                .satisfies(t -> assertThat(t.config()).isEqualTo(Map.of("lr", 1.0, "stepMillis", 100L)));
        AuditReport report = Audit.withAllServices().run(ExperimentLog.fromKafka(PLATFORM.clients(), id));
        assertThat(report.failures()).as("audit failures").isEmpty();
        assertThat(report.passed()).isTrue();

        int late = cli(out, err, "enqueue", id, "{\"lr\": 0.5, \"stepMillis\": 100}", "--bootstrap-servers", PLATFORM.bootstrapServers());
        assertThat(late).isEqualTo(Tunelog.BAD_INPUT);
        assertThat(err.toString().strip()).endsWith("experiment " + id + " is COMPLETED");
    }
}
