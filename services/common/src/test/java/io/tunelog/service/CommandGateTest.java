package io.tunelog.service;

import static org.assertj.core.api.Assertions.assertThat;

import io.tunelog.avro.WorkerReport;
import io.tunelog.codec.AvroBytes;
import io.tunelog.codec.EventCodec;
import io.tunelog.domain.event.Event;
import io.tunelog.domain.event.EventPayload;
import io.tunelog.domain.state.ExperimentState;
import io.tunelog.domain.state.ExperimentStatus;
import io.tunelog.domain.testing.LogBuilder;
import io.tunelog.kafka.Topics;
import java.time.Instant;
import java.util.Map;
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
                EventCodec.payloadToAvro(payload));
        CommandGate.Views views = new CommandGate.Views() {
            @Override public ExperimentState view(String experimentId) { return view; }
            @Override public Long basis(String experimentId) { return 3L; }
            @Override public ExperimentStatus settled(String experimentId) { return null; }
        };
        return gate.admit(new ConsumerRecord<>(Topics.REPORTS, 0, 7L, "exp", AvroBytes.encode(report)), views, Instant.now());
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
}
