package io.tunelog.replay;

import static org.assertj.core.api.Assertions.assertThat;

import io.tunelog.avro.LogRecord;
import io.tunelog.codec.EventCodec;
import io.tunelog.domain.event.Event;
import io.tunelog.domain.event.EventPayload;
import io.tunelog.log.Integrity;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;

/** A changed log fails the audit, and the failure names the event that was changed. */
class TamperTest {
    private final ExperimentLog original = ExperimentLog.fromFile(FixtureLogTest.V1);
    private final Audit audit = Audit.withAllServices();

    @Test
    void shouldNameAReportWhoseMetricWasChanged() throws Exception {
        int i = indexOf(e -> e.payload() instanceof EventPayload.TrialReported r && r.step() == 3);
        Event report = event(i);
        EventPayload.TrialReported r = (EventPayload.TrialReported) report.payload();
        Event forged = withPayload(report, new EventPayload.TrialReported(r.attempt(), r.step(), Map.of("score", 99.0), r.workerTimeMs()));

        AuditReport result = audit.run(replace(i, forged, false));

        assertThat(result.passed()).isFalse();
        assertThat(result.failures().get(0)).satisfies(f -> {
            assertThat(f.eventId()).isEqualTo(report.eventId());
            assertThat(f.offset()).isEqualTo(offset(i));
            assertThat(f.problem()).contains("content does not match its hash");
        });
    }

    @Test
    void shouldCatchAChangedMetricEvenWhenItsHashWasRecomputed() throws Exception {
        int i = indexOf(e -> e.payload() instanceof EventPayload.TrialReported r && r.step() == 3);
        Event report = event(i);
        EventPayload.TrialReported r = (EventPayload.TrialReported) report.payload();
        Event forged = withPayload(report, new EventPayload.TrialReported(r.attempt(), r.step(), Map.of("score", 99.0), r.workerTimeMs()));

        for (Audit auditor : List.of(audit, new Audit(ServiceCatalog.deciders(), 1))) {
            AuditReport result = auditor.run(replace(i, forged, true));

            assertThat(result.passed()).isFalse();
            assertThat(result.failures()).allSatisfy(f -> assertThat(f.offset()).isGreaterThan(offset(i)));
            assertThat(result.failures().get(0).problem()).contains("history up to its basis");
        }
    }

    @Test
    void shouldNameADecisionWhoseBasisWasChanged() throws Exception {
        int i = indexOf(e -> e.payload() instanceof EventPayload.TrialQueued q && q.attempt() == 2);
        Event queued = event(i);
        // Claim it was decided while the first attempt was still running, when no retry was due.
        int started = indexOf(e -> e.payload() instanceof EventPayload.TrialStarted s && s.attempt() == 1
                && e.trialId().equals(queued.trialId()));
        Event forged = new Event(queued.eventId(), queued.experimentId(), queued.trialId(), queued.sequence(), queued.timestamp(),
                queued.source(), offset(started), queued.payload());

        AuditReport result = audit.run(replace(i, forged, true));

        assertThat(result.passed()).isFalse();
        assertThat(result.failures()).filteredOn(f -> queued.eventId().equals(f.eventId()))
                .anySatisfy(f -> assertThat(f.problem()).contains("history up to its basis"))
                .anySatisfy(f -> assertThat(f.problem()).contains("would not have decided this at basis " + offset(started)));
    }

    @Test
    void shouldCatchADecisionThatClaimsToHaveSeenFewerOfItsWritersEventsAhead() {
        // A log of the one-hop loop: the scheduler's decisions count its own events past the basis that they saw.
        ExperimentLog oneHop = ExperimentLog.fromFile(FixtureLogTest.V5);
        List<LogRecord> records = new ArrayList<>(oneHop.records());
        int i = 0;
        while (decode(records.get(i)).basisAhead() == null || decode(records.get(i)).basisAhead() == 0) {
            i++;
        }
        Event decision = decode(records.get(i));
        Event forged = new Event(decision.eventId(), decision.experimentId(), decision.trialId(), decision.sequence(),
                decision.timestamp(), decision.source(), decision.basis(), decision.basisAhead() - 1, decision.payload());
        LogRecord r = records.get(i);
        byte[] value = EventCodec.encode(forged);
        Map<String, ByteBuffer> headers = new HashMap<>(r.getHeaders());
        headers.put(Integrity.HASH, ByteBuffer.wrap(Integrity.hash(value)));
        records.set(i, new LogRecord(r.getOffset(), r.getTimestamp(), r.getKey(), ByteBuffer.wrap(value), headers));

        AuditReport result = audit.run(new ExperimentLog(oneHop.experimentId(), records));

        assertThat(result.passed()).isFalse();
        assertThat(result.failures()).anySatisfy(f -> assertThat(f.eventId()).isEqualTo(decision.eventId()));
    }

    @Test
    void shouldCatchAReorderedPairOfEvents() {
        // Two consecutive reports of one trial: each keeps its own offset slot, so only the order changes.
        int i = indexOf(e -> e.payload() instanceof EventPayload.TrialReported r && r.step() == 2);
        List<LogRecord> records = new ArrayList<>(original.records());
        LogRecord a = records.get(i);
        LogRecord b = records.get(i + 1);
        records.set(i, copy(b, a.getOffset()));
        records.set(i + 1, copy(a, b.getOffset()));

        AuditReport result = audit.run(new ExperimentLog(original.experimentId(), records));

        assertThat(result.passed()).isFalse();
        assertThat(result.failures().get(0).offset()).isEqualTo(a.getOffset());
        assertThat(result.failures()).extracting(AuditReport.Failure::eventId).contains(event(i + 1).eventId());
    }

    @Test
    void shouldFailWhenAnEventIsMissing() {
        int i = indexOf(e -> e.payload() instanceof EventPayload.TrialCreated);
        List<LogRecord> records = new ArrayList<>(original.records());
        records.remove(i);

        AuditReport result = audit.run(new ExperimentLog(original.experimentId(), records));

        assertThat(result.passed()).isFalse();
    }

    @Test
    void shouldFailOnAnUndecodableRecordRatherThanSkipIt() {
        List<LogRecord> records = new ArrayList<>(original.records());
        LogRecord r = records.get(5);
        records.set(5, new LogRecord(r.getOffset(), r.getTimestamp(), r.getKey(), ByteBuffer.wrap(new byte[] {1, 2, 3}), r.getHeaders()));

        AuditReport result = audit.run(new ExperimentLog(original.experimentId(), records));

        assertThat(result.passed()).isFalse();
        assertThat(result.failures()).anySatisfy(f -> {
            assertThat(f.offset()).isEqualTo(r.getOffset());
            assertThat(f.problem()).contains("cannot be verified");
        });
    }

    private int indexOf(Predicate<Event> which) {
        for (int i = 0; i < original.records().size(); i++) {
            if (which.test(event(i))) {
                return i;
            }
        }
        throw new AssertionError("fixture has no such event");
    }

    private Event event(int i) {
        return decode(original.records().get(i));
    }

    private static Event decode(LogRecord r) {
        try {
            return EventCodec.decode(ExperimentLog.bytes(r.getValue()));
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private long offset(int i) {
        return original.records().get(i).getOffset();
    }

    private static Event withPayload(Event e, EventPayload payload) {
        return new Event(e.eventId(), e.experimentId(), e.trialId(), e.sequence(), e.timestamp(), e.source(), e.basis(), payload);
    }

    /** The log with record {@code i} replaced by {@code forged}; {@code rehash} plays a forger who also fixes the hash header. */
    private ExperimentLog replace(int i, Event forged, boolean rehash) {
        List<LogRecord> records = new ArrayList<>(original.records());
        LogRecord r = records.get(i);
        byte[] value = EventCodec.encode(forged);
        Map<String, ByteBuffer> headers = new HashMap<>(r.getHeaders());
        if (rehash) {
            headers.put(Integrity.HASH, ByteBuffer.wrap(Integrity.hash(value)));
        }
        records.set(i, new LogRecord(r.getOffset(), r.getTimestamp(), r.getKey(), ByteBuffer.wrap(value), headers));
        return new ExperimentLog(original.experimentId(), records);
    }

    private static LogRecord copy(LogRecord r, long offset) {
        return new LogRecord(offset, r.getTimestamp(), r.getKey(), r.getValue(), r.getHeaders());
    }

}
