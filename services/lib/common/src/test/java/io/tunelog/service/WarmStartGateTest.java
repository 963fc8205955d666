package io.tunelog.service;

import static org.assertj.core.api.Assertions.assertThat;

import io.tunelog.avro.SubmitExperiment;
import io.tunelog.codec.AvroBytes;
import io.tunelog.domain.event.Event;
import io.tunelog.domain.event.EventPayload;
import io.tunelog.domain.event.EventPayload.ObservationImported;
import io.tunelog.domain.state.ExperimentState;
import io.tunelog.domain.state.ExperimentStatus;
import io.tunelog.domain.testing.LogBuilder;
import io.tunelog.kafka.Topics;
import java.time.Instant;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

/**
 * Given earlier experiments' logs, a submission with warmStart is admitted with their finished trials imported right
 * after it, or rejected naming the source that cannot be imported from.
 */
class WarmStartGateTest {
    private static final String OLD = """
            name: old
            metric: {name: loss, mode: min}
            budget: {trials: 4}
            searchSpace:
              x: {uniform: [0, 2]}
              y: {uniform: [0, 1]}
            trial: {command: [x]}
            """;
    private static final String NEW = """
            name: new
            metric: {name: loss, mode: min}
            budget: {trials: 4}
            searchSpace:
              x: {uniform: [0, 1]}
            trial: {command: [x]}
            warmStart: {from: [old]}
            """;

    /** Trials: x=0.5 completed (loss 3), x=1.5 completed (outside the new space), x=0.2 failed with no report, x=0.7 cancelled. */
    private static ExperimentState old(boolean ended) {
        LogBuilder log = LogBuilder.submitted("old", OLD);
        double[] xs = {0.5, 1.5, 0.2, 0.7};
        for (int i = 0; i < xs.length; i++) {
            String trial = "trial-0000" + i;
            log.append(new Event(Event.id("old", trial + "/created"), "old", trial, i, LogBuilder.T0,
                    new Event.Source("suggestion", "s"), 0L, new EventPayload.TrialCreated(Map.of("x", xs[i], "y", 0.5), "suggested", i)));
        }
        for (int i = 0; i < 2; i++) {
            String trial = "trial-0000" + i;
            log.queued(trial, 1);
            log.started(trial, 1);
            log.reported(trial, 1, 1, Map.of("loss", 3.0 + i, "acc", 0.5));
            log.completed(trial, 1);
        }
        log.queued("trial-00002", 1);
        log.failed("trial-00002", 1, false);
        if (ended) {
            log.command(null, "cancelled", new EventPayload.ExperimentCancelled("enough", null));
        }
        return log.state();
    }

    private static CommandGate.Outcome submit(CommandGate gate, ExperimentState view) {
        SubmitExperiment submit = new SubmitExperiment("new", NEW, "ana");
        return gate.admit(new ConsumerRecord<>(Topics.SUBMISSIONS, 0, 1L, "new", AvroBytes.encode(submit)), new CommandGate.Views() {
            @Override public ExperimentState view(String experimentId) { return view; }
            @Override public Long basis(String experimentId) { return null; }
            @Override public ExperimentStatus settled(String experimentId) { return null; }
        }, Instant.now());
    }

    @Test
    void shouldImportTheFinishedTrialsThatFitTheNewSpaceRightAfterTheSubmission() {
        ExperimentState view = new ExperimentState("new");
        CommandGate gate = new CommandGate("test", spec -> {}, id -> id.equals("old") ? old(true) : new ExperimentState(id));

        CommandGate.Outcome outcome = submit(gate, view);

        assertThat(outcome.rejected()).isNull();
        assertThat(outcome.following()).extracting(Event::payload).containsExactly(
                new ObservationImported("old", "trial-00000", Map.of("x", 0.5), Map.of("loss", 3.0, "acc", 0.5)));
        assertThat(outcome.following()).extracting(Event::sequence).containsExactly(outcome.accepted().sequence() + 1);
        view.applyAhead(outcome.accepted());
        outcome.following().forEach(view::applyAhead);
        assertThat(view.anomalies()).as("the fold admits what the gate imported").isEmpty();
        assertThat(view.imported()).hasSize(1);
    }

    @Test
    void shouldRejectASourceThatIsUnknownOrStillRunning() {
        ExperimentState view = new ExperimentState("new");

        CommandGate.Outcome unknown = submit(new CommandGate("test", spec -> {}), view);
        CommandGate.Outcome running = submit(new CommandGate("test", spec -> {}, id -> old(false)), view);

        assertThat(unknown.accepted()).isNull();
        assertThat(unknown.rejected().getReason()).isEqualTo("invalid spec at warmStart.from[0]: no experiment old was submitted");
        assertThat(running.rejected().getReason())
                .isEqualTo("invalid spec at warmStart.from[0]: experiment old is RUNNING: only an ended experiment's trials are imported");
    }

    @Test
    void shouldImportEachMetricsLastValueSoAnotherObjectiveReportedEarlierStillCounts() {
        LogBuilder log = LogBuilder.submitted("old", OLD);
        log.append(new Event(Event.id("old", "trial-00000/created"), "old", "trial-00000", 0, LogBuilder.T0,
                new Event.Source("suggestion", "s"), 0L, new EventPayload.TrialCreated(Map.of("x", 0.5, "y", 0.5), "suggested", 0)));
        log.queued("trial-00000", 1);
        log.started("trial-00000", 1);
        log.reported("trial-00000", 1, 1, Map.of("loss", 4.0, "size", 7.0));
        log.reported("trial-00000", 1, 2, Map.of("loss", 3.0));
        log.completed("trial-00000", 1);
        log.command(null, "cancelled", new EventPayload.ExperimentCancelled("enough", null));
        String two = NEW.replace("metric: {name: loss, mode: min}", "metric: [{name: loss, mode: min}, {name: size, mode: min}]");
        SubmitExperiment submit = new SubmitExperiment("new", two, "ana");
        ExperimentState view = new ExperimentState("new");

        CommandGate.Outcome outcome = new CommandGate("test", spec -> {}, id -> log.state()).admit(
                new ConsumerRecord<>(Topics.SUBMISSIONS, 0, 1L, "new", AvroBytes.encode(submit)), new CommandGate.Views() {
                    @Override public ExperimentState view(String experimentId) { return view; }
                    @Override public Long basis(String experimentId) { return null; }
                    @Override public ExperimentStatus settled(String experimentId) { return null; }
                }, Instant.now());

        assertThat(outcome.following()).extracting(Event::payload).containsExactly(
                new ObservationImported("old", "trial-00000", Map.of("x", 0.5), Map.of("loss", 3.0, "size", 7.0)));
    }

    @Test
    void shouldRejectASourceWhoseLogCannotBeReadWithoutStoppingTheGate() {
        CommandGate gate = new CommandGate("test", spec -> {}, id -> {
            throw new IllegalStateException("undecodable record at offset 7");
        });

        CommandGate.Outcome outcome = submit(gate, new ExperimentState("new"));

        assertThat(outcome.rejected().getReason())
                .isEqualTo("invalid spec at warmStart.from[0]: the log of experiment old could not be read: undecodable record at offset 7");
    }
}
