package io.tunelog.domain.state;

import static org.assertj.core.api.Assertions.assertThat;

import io.tunelog.domain.event.Event;
import io.tunelog.domain.event.EventPayload;
import io.tunelog.domain.event.LoggedEvent;
import io.tunelog.domain.spec.SpecJson;
import io.tunelog.domain.spec.SpecParser;
import io.tunelog.domain.testing.LogBuilder;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The writer's order: its own events right after their basis, everyone else's at their place in the log. */
class WriterOrderTest {
    private static final String SPEC = """
            name: w
            metric: {name: score, mode: max}
            budget: {trials: 2, concurrent: 2}
            searchSpace: {x: {uniform: [0, 1]}}
            trial: {command: [python3, train.py]}
            """;

    private static Event event(String key, String trialId, String source, long sequence, Long basis, EventPayload payload) {
        return new Event(Event.id("w", key), "w", trialId, sequence, LogBuilder.T0, new Event.Source(source, "t"), basis, payload);
    }

    @Test
    void shouldFoldTheWritersEventsRightAfterTheirBasisAndCountThosePastABasis() {
        ExperimentState state = new ExperimentState("w");
        WriterOrder order = new WriterOrder(Set.of("gate", "scheduler"), state);
        var spec = SpecParser.parse(SPEC);
        order.accept(new LoggedEvent(0, event("submitted", null, "gate", 0, null,
                new EventPayload.ExperimentSubmitted("w", SpecJson.toJson(spec), 1, "t"))));
        order.accept(new LoggedEvent(1, event("trial-00000/created", "trial-00000", "suggestion", 0, 0L,
                new EventPayload.TrialCreated(Map.of("x", 0.5), "suggested", 0))));
        assertThat(state.trials()).as("another writer's event waits: the writer may have folded its own first").isEmpty();

        assertThat(order.releaseThrough(1)).as("no event of the writer past offset 1").isZero();
        order.accept(new LoggedEvent(2, event("trial-00000/queued-1", "trial-00000", "scheduler", 0, 1L,
                new EventPayload.TrialQueued(1, null, null))));
        // Trial 1 is created at offset 3, but the writer, having read only up to 2, wrote its start at 4 before reading it.
        order.accept(new LoggedEvent(3, event("trial-00001/created", "trial-00001", "suggestion", 1, 2L,
                new EventPayload.TrialCreated(Map.of("x", 0.7), "suggested", 1))));
        order.accept(new LoggedEvent(4, event("trial-00000/a1/started", "trial-00000", "gate", 1, 2L,
                new EventPayload.TrialStarted(1, "w1", "h", null))));

        assertThat(state.trial("trial-00000").status()).isEqualTo(TrialStatus.RUNNING);
        assertThat(state.trial("trial-00001")).as("held past the writer's event with basis 2").isNull();
        assertThat(order.releaseThrough(2)).as("offset 4 lies past basis 2").isEqualTo(1);
        assertThat(order.releaseThrough(4)).isZero();
        assertThat(state.trial("trial-00001").status()).isEqualTo(TrialStatus.CREATED);
        assertThat(state.lastOffset()).isEqualTo(4);
        assertThat(state.anomalies()).isEmpty();
    }

    @Test
    void shouldFoldEverythingHeldAtTheEnd() {
        ExperimentState state = new ExperimentState("w");
        WriterOrder order = new WriterOrder(Set.of("gate", "scheduler"), state);
        order.accept(new LoggedEvent(0, event("submitted", null, "gate", 0, null,
                new EventPayload.ExperimentSubmitted("w", SpecJson.toJson(SpecParser.parse(SPEC)), 1, "t"))));

        order.releaseAll();

        assertThat(state.status()).isEqualTo(ExperimentStatus.RUNNING);
    }
}
