package io.tunelog.domain.log;

import static org.assertj.core.api.Assertions.assertThat;

import io.tunelog.domain.event.Event;
import io.tunelog.domain.event.EventPayload;
import io.tunelog.domain.spec.SpecJson;
import io.tunelog.domain.spec.SpecParser;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;

class InMemoryLogTest {
    private static final Instant T = Instant.parse("2026-01-01T00:00:00Z");
    private static final String SPEC = """
            name: s
            metric: {name: loss, mode: min}
            budget: {trials: 1, concurrent: 1}
            searchSpace: {x: {uniform: [0, 1]}}
            trial: {command: [x]}
            """;

    @Test
    void shouldEnvelopeEventsAsTheServicesWriteThem() {
        InMemoryLog log = new InMemoryLog("e", 40, "i1");
        var spec = SpecParser.parse(SPEC);

        log.command(null, "submitted", new EventPayload.ExperimentSubmitted(spec.name(), SpecJson.toJson(spec), spec.seed(), "t"), T);
        log.append("suggestion", "t0", "t0/created", new EventPayload.TrialCreated(Map.of("x", 0.5), "suggested", 0), T);
        log.append("scheduler", "t0", "t0/queued-1", new EventPayload.TrialQueued(1, null, null), T);
        log.command("t0", "t0/a1/started", new EventPayload.TrialStarted(1, "w1", "host", null), T.plusSeconds(1));

        assertThat(log.events()).extracting(e -> e.offset()).containsExactly(40L, 41L, 42L, 43L);
        assertThat(log.events()).extracting(e -> e.event().basis()).containsExactly(null, 40L, 41L, 42L);
        assertThat(log.events()).extracting(e -> e.event().sequence()).as("counted per writing service").containsExactly(0L, 0L, 0L, 1L);
        assertThat(log.events()).extracting(e -> e.event().eventId()).containsExactly("e/submitted", "e/t0/created", "e/t0/queued-1", "e/t0/a1/started");
        assertThat(log.events()).extracting(e -> e.event().source()).containsExactly(new Event.Source("gate", "i1"),
                new Event.Source("suggestion", "i1"), new Event.Source("scheduler", "i1"), new Event.Source("gate", "i1"));
        assertThat(log.state().anomalies()).as("the fold admits every event").isEmpty();
        assertThat(log.state().trial("t0").attempt()).isEqualTo(1);
    }
}
