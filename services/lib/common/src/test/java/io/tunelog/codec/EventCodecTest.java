package io.tunelog.codec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tunelog.domain.event.Event;
import io.tunelog.domain.event.EventPayload;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class EventCodecTest {
    static final List<EventPayload> EVERY_KIND = List.of(
            new EventPayload.ExperimentSubmitted("n", "{}", 7, null),
            new EventPayload.ExperimentCancelled("no longer needed", "ana"),
            new EventPayload.ExperimentCompleted("goal: acc 0.97 reached 0.95", "trial-00001", 0.97, "goal", Map.of("value", 0.97, "above", 0.95)),
            new EventPayload.TrialCreated(Map.of("a", 1L, "b", 0.5, "c", "x", "d", true), "suggested", 3),
            new EventPayload.TrialQueued(2, "ck", "file:///ck"),
            new EventPayload.TrialStarted(1, "w", "h", "123", java.util.List.of("0", "GPU-5c1e")),
            new EventPayload.TrialReported(1, 4, Map.of("acc", 0.9), 17L),
            new EventPayload.CheckpointRegistered(1, "ck", 4, "file:///ck", 100, Map.of("acc", 0.9)),
            new EventPayload.CheckpointDeleted("ck", "old"),
            new EventPayload.TrialDecision(1, EventPayload.Action.STOP, "asha.rung", "below cutoff", "asha/b0/r3",
                    Map.of("score", 0.5, "cutoff", 0.7)),
            new EventPayload.TrialExploited(2, "trial-00003", "ckpt-7", Map.of("lr", 0.01, "layers", 3L)),
            new EventPayload.TrialCompleted(1, Map.of()),
            new EventPayload.TrialFailed(2, "abandoned: worker w1 shutting down", true, true),
            new EventPayload.TrialPlacement(1, false, "needs 8 GPUs; the most any of 2 live workers has is 4 (w1)"),
            new EventPayload.TimeObserved(1_700_000_000_123L, "budget.seconds", 1_700_000_000_000L),
            new EventPayload.ObservationImported("old", "trial-00003", Map.of("x", 0.5, "n", 3L, "kind", "a"), Map.of("loss", 0.25)),
            new EventPayload.TrialEnqueued(Map.of("x", 0.5, "kind", "a"), "ana"));

    @Test
    void shouldRoundTripEveryKindOfEvent() throws Exception {
        assertThat(EVERY_KIND).hasSameSizeAs(EventPayload.KINDS);
        for (EventPayload payload : EVERY_KIND) {
            Event event = new Event("e/k", "e", "trial-00001", 5, Instant.ofEpochMilli(1_700_000_000_123L),
                    new Event.Source("scheduler", "i1"), 9L, payload);

            assertThat(EventCodec.decode(EventCodec.encode(event))).isEqualTo(event);
        }
    }

    @Test
    void shouldReadAFailureWithoutThePreemptedFlagAsNotPreempted() throws Exception {
        Event failed = new Event("e/k", "e", "trial-00001", 5, Instant.ofEpochMilli(1_700_000_000_123L),
                new Event.Source("gate", "i1"), 9L, new EventPayload.TrialFailed(1, "exit 3", true));

        assertThat(((EventPayload.TrialFailed) EventCodec.decode(EventCodec.encode(failed)).payload()).preempted()).isFalse();
    }

    @Test
    void shouldReadAStartWrittenBeforeDevicesAsOnNoDevice() throws Exception {
        org.apache.avro.Schema v5 = io.tunelog.schema.SchemaHistory.versions("Event").get(4);
        org.apache.avro.Schema startedV5 = v5.getField("payload").schema().getTypes().stream()
                .filter(t -> t.getName().equals("TrialStarted")).findFirst().orElseThrow();
        org.apache.avro.generic.GenericData.Record started = new org.apache.avro.generic.GenericData.Record(startedV5);
        started.put("attempt", 1);
        started.put("workerId", "w1");
        started.put("host", "h");
        org.apache.avro.generic.GenericData.Record event = new org.apache.avro.generic.GenericData.Record(v5);
        event.put("eventId", "e/t/a1/started");
        event.put("experimentId", "e");
        event.put("sequence", 0L);
        event.put("timestamp", 1_700_000_000_123L);
        org.apache.avro.generic.GenericData.Record source = new org.apache.avro.generic.GenericData.Record(v5.getField("source").schema());
        source.put("service", "gate");
        source.put("instance", "i1");
        event.put("source", source);
        event.put("payload", started);
        byte[] bytes = new org.apache.avro.message.BinaryMessageEncoder<org.apache.avro.generic.GenericRecord>(
                org.apache.avro.generic.GenericData.get(), v5).encode(event).array();

        EventPayload.TrialStarted decoded = (EventPayload.TrialStarted) EventCodec.decode(bytes).payload();

        assertThat(decoded.workerId()).isEqualTo("w1");
        assertThat(decoded.devices()).isEmpty();
    }

    @Test
    void shouldEncodeEqualEventsToEqualBytesWhateverTheMapOrder() {
        Event a = new Event("e/k", "e", null, 0, Instant.EPOCH, new Event.Source("s", "i"), null,
                new EventPayload.TrialReported(1, 1, Map.of("x", 1.0, "y", 2.0, "z", 3.0), null));

        assertThat(EventCodec.encode(a)).isEqualTo(EventCodec.encode(EventCodec.fromAvro(EventCodec.toAvro(a))));
    }

    @Test
    void shouldRefuseBytesOfNoKnownSchema() {
        assertThatThrownBy(() -> EventCodec.decode(new byte[] {(byte) 0xC3, 0x01, 1, 2, 3, 4, 5, 6, 7, 8, 0}))
                .isInstanceOf(AvroBytes.UndecodableRecord.class);
        assertThatThrownBy(() -> EventCodec.decode("not avro".getBytes())).isInstanceOf(AvroBytes.UndecodableRecord.class);
    }
}
