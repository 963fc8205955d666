package io.tunelog.domain.state;

import static org.assertj.core.api.Assertions.assertThat;

import io.tunelog.domain.event.Event;
import io.tunelog.domain.event.EventPayload;
import io.tunelog.domain.event.EventPayload.TrialEnqueued;
import io.tunelog.domain.testing.LogBuilder;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Given a running experiment, an enqueued configuration is admitted while it is a point of the space and the budget has room. */
class EnqueueFoldTest {
    static final String SPEC = """
            name: q
            metric: {name: loss, mode: min}
            budget: {trials: 3}
            searchSpace:
              x: {uniform: [0, 1]}
              n: {randint: [1, 4]}
            searcher: {type: tpe, initial: [{x: 0.5, n: 2}]}
            trial: {command: [x]}
            """;

    private static Optional<String> refusal(LogBuilder log, Map<String, Object> config) {
        return Admission.refusal(log.state(), null, new TrialEnqueued(config, "ana"));
    }

    private static void enqueue(LogBuilder log, Map<String, Object> config) {
        log.command(null, "enqueued/" + log.state().eventCount(), new TrialEnqueued(config, "ana"));
    }

    @Test
    void shouldAdmitWhatTheBudgetHasRoomForAfterTheInitialConfigurations() {
        LogBuilder log = LogBuilder.submitted("e", SPEC);

        enqueue(log, Map.of("x", 0.1, "n", 1L));
        enqueue(log, Map.of("x", 0.2, "n", 3L));

        assertThat(log.state().anomalies()).isEmpty();
        assertThat(log.state().enqueued()).extracting(TrialEnqueued::config)
                .containsExactly(Map.of("x", 0.1, "n", 1L), Map.of("x", 0.2, "n", 3L));
        assertThat(Admission.enqueueRoomRefusal(log.state()))
                .contains("budget.trials (3) has no room: every trial is created or already taken");
    }

    @Test
    void shouldLeaveTheBudgetsRoomToTheGateSoAnEnqueueTheLastSuggestionOvertookStillAudits() {
        LogBuilder log = LogBuilder.submitted("e", SPEC);
        enqueue(log, Map.of("x", 0.1, "n", 1L));
        enqueue(log, Map.of("x", 0.2, "n", 3L));

        // The gate judged room on a view without the last TrialCreated; the fold admits it, the decider never creates it.
        assertThat(refusal(log, Map.of("x", 0.3, "n", 1L))).isEmpty();
    }

    @Test
    void shouldRefuseAConfigurationOutsideTheSpaceOrNotWrittenAsItHoldsIt() {
        LogBuilder log = LogBuilder.submitted("e", SPEC);

        assertThat(refusal(log, Map.of("x", 0.1, "n", 4L))).contains("config.n: expected an integer the randint domain holds (from 1 to 3), found 4");
        assertThat(refusal(log, Map.of("x", 0.1))).contains("config.n: is required (every active parameter needs a value), found nothing");
        assertThat(refusal(log, Map.of("x", 1L, "n", 1L))).contains("config is not written as the search space holds it");
        assertThat(refusal(log, Map.of("x", 0.1, "n", 1L))).isEmpty();
    }

    @Test
    void shouldCountTheEnqueuedTrialsCreatedAndFreeNoRoomByIt() {
        LogBuilder log = LogBuilder.submitted("e", SPEC);
        enqueue(log, Map.of("x", 0.1, "n", 1L));
        log.append(new Event("e/created-1", "e", "trial-00001", 0, log.now(), new Event.Source("suggestion", "s"), 1L, null,
                new EventPayload.TrialCreated(Map.of("x", 0.1, "n", 1L), TrialEnqueued.ORIGIN, 1)));

        assertThat(log.state().enqueuedTaken()).isEqualTo(1);
        assertThat(refusal(log, Map.of("x", 0.9, "n", 1L))).as("one index left of 3: trial 0 is the initial one, not yet created").isEmpty();
    }
}
