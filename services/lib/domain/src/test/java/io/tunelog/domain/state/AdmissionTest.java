package io.tunelog.domain.state;

import static org.assertj.core.api.Assertions.assertThat;

import io.tunelog.domain.event.Event;
import io.tunelog.domain.event.EventPayload;
import io.tunelog.domain.testing.LogBuilder;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A gate that skipped an ended experiment (a service's partition snapshot says it is settled) knows only its status,
 * and must refuse its commands in the words the rules use with its whole state.
 */
class AdmissionTest {
    private static final List<EventPayload.Command> COMMANDS = List.of(
            new EventPayload.ExperimentSubmitted("again", "{}", 1, "someone"),
            new EventPayload.ExperimentCancelled("too late", null),
            new EventPayload.TrialStarted(1, "w1", "host", null),
            new EventPayload.TrialReported(1, 3, Map.of("acc", 0.5), null),
            new EventPayload.CheckpointRegistered(1, "c1", 3, "file:///c1", 1, Map.of()),
            new EventPayload.TrialCompleted(1, Map.of()),
            new EventPayload.TrialFailed(1, "boom", true));

    @Test
    void shouldRefuseCommandsAboutAnEndedExperimentInTheSameWordsWithOrWithoutItsState() {
        LogBuilder completed = LogBuilder.submitted("done", ExperimentStateTest.SPEC);
        completed.append(new Event(Event.id("done", "completed"), "done", null, 0, LogBuilder.T0, new Event.Source("scheduler", "t"),
                0L, new EventPayload.ExperimentCompleted("all trials ended", null, null)));
        LogBuilder cancelled = LogBuilder.submitted("gone", ExperimentStateTest.SPEC);
        cancelled.command(null, "cancelled", new EventPayload.ExperimentCancelled("by hand", "ana"));

        for (LogBuilder log : List.of(completed, cancelled)) {
            ExperimentState state = log.state();
            assertThat(state.status().isFinished()).isTrue();
            for (EventPayload.Command command : COMMANDS) {
                assertThat(Admission.refusalOfEnded(state.experimentId(), state.status(), command))
                        .as("%s: %s", state.status(), command)
                        .isEqualTo(Admission.refusal(state, "trial-00000", command).orElseThrow());
            }
        }
        assertThat(Admission.refusalOfEnded("done", ExperimentStatus.COMPLETED, COMMANDS.get(0))).isEqualTo("experiment done already exists");
        assertThat(Admission.refusalOfEnded("done", ExperimentStatus.COMPLETED, COMMANDS.get(3))).isEqualTo("experiment done is COMPLETED");
    }
}
