package io.tunelog.service;

import static org.assertj.core.api.Assertions.assertThat;

import io.tunelog.avro.CancelExperiment;
import io.tunelog.avro.TrialAction;
import io.tunelog.avro.WorkerReport;
import io.tunelog.codec.AvroBytes;
import io.tunelog.codec.EventCodec;
import io.tunelog.domain.event.Event;
import io.tunelog.domain.event.EventPayload;
import io.tunelog.domain.state.ExperimentState;
import io.tunelog.domain.state.ExperimentStatus;
import io.tunelog.domain.state.TrialStatus;
import io.tunelog.domain.testing.LogBuilder;
import io.tunelog.kafka.Topics;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;
import org.apache.avro.specific.SpecificRecordBase;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

/** The gate's own checks on worker reports, beyond the admission rules the fold applies too. */
class CommandGateTest {
    private static final String SPEC = """
            name: gate
            metric: {name: score, mode: max}
            budget: {trials: 1, concurrent: 1}
            searchSpace: {x: {uniform: [0, 1]}}
            trial: {command: [python3, train.py]}
            """;

    private final CommandGate gate = new CommandGate("test", spec -> {});

    /** A log where trial-00000's attempt 1 was started by worker w1 (see {@link LogBuilder#started}). */
    private static ExperimentState runningOnW1() {
        LogBuilder log = LogBuilder.submitted("exp", SPEC);
        log.append(new Event(Event.id("exp", "trial-00000/created"), "exp", "trial-00000", 0, LogBuilder.T0,
                new Event.Source("suggestion", "test"), 0L, new EventPayload.TrialCreated(Map.of("x", 0.5), "random", 0)));
        log.queued("trial-00000", 1);
        log.started("trial-00000", 1);
        return log.state();
    }

    private CommandGate.Outcome report(ExperimentState view, String workerId, EventPayload.AttemptReport payload) {
        WorkerReport report = new WorkerReport("exp", "trial-00000", payload.attempt(), workerId, Instant.now(),
                EventCodec.payloadToAvro(payload), false);
        return folded(view, gate.admit(new ConsumerRecord<>(Topics.REPORTS, 0, 7L, "exp", AvroBytes.encode(report)), views(view), Instant.now()));
    }

    private CommandGate.Outcome submissionsTopic(ExperimentState view, SpecificRecordBase command) {
        return folded(view, gate.admit(new ConsumerRecord<>(Topics.SUBMISSIONS, 0, 9L, "exp", AvroBytes.encode(command)), views(view), Instant.now()));
    }

    /** As the loop does: what the gate admits is folded into the view before the next command is judged. */
    private static CommandGate.Outcome folded(ExperimentState view, CommandGate.Outcome outcome) {
        if (outcome.accepted() != null) {
            view.applyAhead(outcome.accepted());
        }
        return outcome;
    }

    private static CommandGate.Views views(ExperimentState view) {
        return new CommandGate.Views() {
            @Override public ExperimentState view(String experimentId) { return view; }
            @Override public Long basis(String experimentId) { return 3L; }
            @Override public ExperimentStatus settled(String experimentId) { return null; }
        };
    }

    @Test
    void shouldCancelARunningExperimentAndStopItsRunningAttempts() {
        ExperimentState view = runningOnW1();

        CommandGate.Outcome outcome = submissionsTopic(view, new CancelExperiment("exp", "budget cut", "ana"));

        assertThat(outcome.rejected()).isNull();
        assertThat(outcome.accepted().eventId()).isEqualTo(Event.id("exp", "cancelled"));
        assertThat(outcome.accepted().payload()).isEqualTo(new EventPayload.ExperimentCancelled("budget cut", "ana"));
        assertThat(outcome.stops()).singleElement().satisfies(stop -> {
            assertThat(stop.getTrialId()).isEqualTo("trial-00000");
            assertThat(stop.getAttempt()).isEqualTo(1);
            assertThat(stop.getAction()).isEqualTo(TrialAction.STOP);
            assertThat(stop.getReason()).isEqualTo("experiment exp cancelled: budget cut");
            assertThat(stop.getWorkerId()).as("whichever worker runs it").isNull();
        });
        assertThat(view.trial("trial-00000").status()).as("once folded").isEqualTo(TrialStatus.CANCELLED);

        CommandGate.Outcome again = submissionsTopic(view, new CancelExperiment("exp", "twice", "ana"));
        assertThat(again.rejected().getReason()).isEqualTo("experiment exp is CANCELLED");
        assertThat(again.stops()).isEmpty();
    }

    @Test
    void shouldRefuseToCancelAnExperimentThatWasNeverSubmitted() {
        CommandGate.Outcome outcome = submissionsTopic(new ExperimentState("exp"), new CancelExperiment("exp", "", null));

        assertThat(outcome.accepted()).isNull();
        assertThat(outcome.rejected().getReason()).isEqualTo("no experiment exp was submitted");
    }

    @Test
    void shouldStopAnAttemptWhoseStartItRefusesAtTheWorkerThatSentIt() {
        ExperimentState view = runningOnW1();
        submissionsTopic(view, new CancelExperiment("exp", "", null));

        CommandGate.Outcome lateStart = report(view, "w2", new EventPayload.TrialStarted(1, "w2", "host", null));
        assertThat(lateStart.rejected().getReason()).isEqualTo("experiment exp is CANCELLED");
        assertThat(lateStart.stops()).singleElement().satisfies(stop -> {
            assertThat(stop.getWorkerId()).isEqualTo("w2");
            assertThat(stop.getReason()).isEqualTo("start refused: experiment exp is CANCELLED");
        });

        ExperimentState running = runningOnW1();
        assertThat(report(running, "w2", new EventPayload.TrialStarted(1, "w2", "host", null)).stops())
                .as("a second taker of the assignment is stopped, and only it").singleElement()
                .satisfies(stop -> assertThat(stop.getWorkerId()).isEqualTo("w2"));
        assertThat(report(running, "w1", new EventPayload.TrialStarted(1, "w1", "host", null)).stops())
                .as("the holder's own start sent twice: its attempt goes on").isEmpty();
        assertThat(report(running, "w2", new EventPayload.TrialReported(1, 1, Map.of("score", 9.0), null)).stops())
                .as("a refused report is not a start").isEmpty();
    }

    @Test
    void shouldSetAsideARecordOnTheSubmissionsTopicThatIsNeitherCommand() {
        WorkerReport report = new WorkerReport("exp", "trial-00000", 1, "w1", Instant.now(),
                EventCodec.payloadToAvro(new EventPayload.TrialCompleted(1, Map.of())), false);

        CommandGate.Outcome outcome = submissionsTopic(runningOnW1(), report);

        assertThat(outcome.undecodable()).isTrue();
        assertThat(outcome.rejected().getReason()).isEqualTo("a WorkerReport where a SubmitExperiment or CancelExperiment or EnqueueTrial was expected");
    }

    @Test
    void shouldAdmitReportsFromTheWorkerThatStartedTheAttempt() {
        CommandGate.Outcome outcome = report(runningOnW1(), "w1", new EventPayload.TrialReported(1, 1, Map.of("score", 0.5), null));

        assertThat(outcome.rejected()).isNull();
        assertThat(outcome.accepted().payload()).isInstanceOf(EventPayload.TrialReported.class);
    }

    @Test
    void shouldRefuseReportsAndASecondStartFromAWorkerThatDoesNotHoldTheAttempt() {
        ExperimentState view = runningOnW1();

        CommandGate.Outcome result = report(view, "w2", new EventPayload.TrialReported(1, 1, Map.of("score", 9.0), null));
        CommandGate.Outcome done = report(view, "w2", new EventPayload.TrialCompleted(1, Map.of("score", 9.0)));
        CommandGate.Outcome start = report(view, "w2", new EventPayload.TrialStarted(1, "w2", "host", null));

        assertThat(result.accepted()).isNull();
        assertThat(result.rejected().getReason()).isEqualTo("worker w2 does not hold attempt 1 of trial-00000; worker w1 started it");
        assertThat(done.rejected().getReason()).startsWith("worker w2 does not hold attempt 1");
        assertThat(start.rejected().getReason()).contains("trial trial-00000 is RUNNING and cannot start");
    }

    private static EventPayload.CheckpointRegistered checkpoint(String id, String uri) {
        return new EventPayload.CheckpointRegistered(1, id, 1, uri, 10, Map.of("score", 0.5));
    }

    @Test
    void shouldAdmitACheckpointNamedAfterItsOwnAttemptAsAWorkerNamesIt() {
        // What TrialAttempt sends: Path.toUri, with a directory's trailing slash and the path percent-encoded.
        String uri = Path.of("/shared/tunelog/exp/trial-00000/a1/best model/step 5").toUri().toString();

        CommandGate.Outcome outcome = report(runningOnW1(), "w1", checkpoint("trial-00000/a1/best model/step 5", uri + "/"));

        assertThat(uri).contains("best%20model");
        assertThat(outcome.rejected()).isNull();
        assertThat(outcome.accepted().payload()).isInstanceOf(EventPayload.CheckpointRegistered.class);
        assertThat(report(runningOnW1(), "w1", checkpoint("trial-00000/a1/checkpoint_1", "s3://bucket/runs/exp/trial-00000/a1/checkpoint_1"))
                .rejected()).as("any scheme").isNull();
    }

    @Test
    void shouldRefuseACheckpointIdOutsideItsOwnAttempt() {
        assertThat(report(runningOnW1(), "w1", checkpoint("trial-00001/a1/checkpoint_1", "file:///s/exp/trial-00001/a1/checkpoint_1/"))
                .rejected().getReason())
                .isEqualTo("checkpoint id trial-00001/a1/checkpoint_1 is not a directory of attempt 1 of trial-00000: it must be trial-00000/a1/<path>");
        assertThat(report(runningOnW1(), "w1", checkpoint("trial-00000/a2/checkpoint_1", "file:///s/exp/trial-00000/a2/checkpoint_1/"))
                .rejected().getReason()).startsWith("checkpoint id trial-00000/a2/checkpoint_1 is not a directory of attempt 1 of trial-00000");
        assertThat(report(runningOnW1(), "w1", checkpoint("trial-00000/a1/", "file:///s/exp/trial-00000/a1/"))
                .rejected().getReason()).startsWith("checkpoint id trial-00000/a1/ is not a directory of attempt 1");
        assertThat(report(runningOnW1(), "w1", checkpoint("trial-00000/a1/../../trial-00001/a1/checkpoint_1",
                "file:///s/exp/trial-00001/a1/checkpoint_1/")).rejected().getReason())
                .isEqualTo("checkpoint id trial-00000/a1/../../trial-00001/a1/checkpoint_1 has a '..' segment; it must name a directory below trial-00000/a1/");
        assertThat(report(runningOnW1(), "w1", checkpoint("trial-00000/a1//checkpoint_1", "file:///s/exp/trial-00000/a1//checkpoint_1"))
                .rejected().getReason()).contains("has a '' segment");
    }

    @Test
    void shouldRefuseACheckpointUriNotWhereItsIdSays() {
        String id = "trial-00000/a1/checkpoint_1";

        assertThat(report(runningOnW1(), "w1", checkpoint(id, "file:///s/exp/trial-00001/a1/checkpoint_1/")).rejected().getReason())
                .isEqualTo("checkpoint uri file:///s/exp/trial-00001/a1/checkpoint_1/ does not end with /exp/trial-00000/a1/checkpoint_1, its id's place");
        assertThat(report(runningOnW1(), "w1", checkpoint(id, "file:///s/other/trial-00000/a1/checkpoint_1")).rejected().getReason())
                .as("another experiment's").contains("does not end with /exp/trial-00000/a1/checkpoint_1");
        assertThat(report(runningOnW1(), "w1", checkpoint(id, "file:///s/exp/trial-00000/a1/checkpoint_1/../../../../../etc/exp/" + id))
                .rejected().getReason()).endsWith("has a '..' segment");
        assertThat(report(runningOnW1(), "w1", checkpoint(id, "file:///s/exp/trial-00000/a1/%2e%2e/%2E%2E/../exp/" + id))
                .rejected().getReason()).as("encoded").endsWith("has a '..' segment");
        assertThat(report(runningOnW1(), "w1", checkpoint(id, "file:///s/exp/trial 00000")).rejected().getReason())
                .startsWith("checkpoint uri file:///s/exp/trial 00000 is not a URI: ");
        assertThat(report(runningOnW1(), "w1", checkpoint(id, "mailto:ops@example.org")).rejected().getReason())
                .isEqualTo("checkpoint uri mailto:ops@example.org has no path");
    }
}
