package io.tunelog.replay;

import static org.assertj.core.api.Assertions.assertThat;

import io.tunelog.avro.LogRecord;
import io.tunelog.domain.decide.Decider;
import io.tunelog.domain.decide.Decisions;
import io.tunelog.domain.event.Event;
import io.tunelog.domain.event.EventPayload;
import io.tunelog.domain.event.LoggedEvent;
import io.tunelog.domain.spec.SpecJson;
import io.tunelog.domain.spec.SpecParser;
import io.tunelog.domain.state.ExperimentState;
import io.tunelog.log.Integrity;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.junit.jupiter.api.Test;

/**
 * The scheduling service decides in the pass that admits a report, on the log up to its basis plus what it wrote
 * past it; another service's event that lands in between is not part of that decision. The audit recomputes such a
 * decision in the writer's order, and still catches one that claims to have seen other events than it did.
 */
class WriterOrderAuditTest {
    private static final String ID = "writer-order";
    private static final String SPEC = """
            name: writer-order
            metric: {name: score, mode: max}
            seed: 3
            budget: {trials: 3, concurrent: 2}
            searchSpace: {x: {uniform: [0, 1]}}
            trial: {command: [python3, train.py], maxFailures: 1}
            """;
    private static final Instant T0 = Instant.parse("2026-12-01T00:00:00Z");

    private final Map<String, Decider> deciders = ServiceCatalog.deciders();
    private final List<Event> log = new ArrayList<>();
    private final Map<String, Long> sequences = new HashMap<>();

    /**
     * Offsets: 0 submitted; 1–2 trials 0 and 1 created; 3–4 both queued; 5–6 both started; 7 trial 0 completed;
     * 8 trial 2 created (the suggestion service read 7); 9 trial 1's attempt failed, admitted by the gate having read
     * only up to 7; 10 the scheduler re-queues trial 1 in that same pass, without trial 2, which it has not read:
     * basis 7, one of its own events past it. Folded in log order at 9, trial 2 would be queued too.
     */
    private void writeLog() {
        command(null, "submitted", new EventPayload.ExperimentSubmitted("writer-order", SpecJson.toJson(SpecParser.parse(SPEC)), 3, "test"), null);
        decideOnLog("suggestion");                                                     // 1, 2
        decideAhead(2, 0);                                                             // 3, 4
        command("trial-00000", "trial-00000/a1/started", new EventPayload.TrialStarted(1, "w", "h", null), 4L);       // 5
        command("trial-00001", "trial-00001/a1/started", new EventPayload.TrialStarted(1, "w", "h", null), 4L);       // 6
        command("trial-00000", "trial-00000/a1/completed", new EventPayload.TrialCompleted(1, Map.of("score", 1.0)), 6L); // 7
        assertThat(decideOnLog("suggestion")).as("trial 2 at offset 8").hasSize(1);
        command("trial-00001", "trial-00001/a1/failed", new EventPayload.TrialFailed(1, "boom", true), 7L);          // 9
        assertThat(decideAhead(7, 1)).as("only trial 1's retry").singleElement()
                .satisfies(e -> assertThat(e.eventId()).isEqualTo(ID + "/trial-00001/queued-2"));              // 10
        assertThat(decideAhead(10, 0)).as("trial 2, now read").hasSize(1);             // 11
    }

    @Test
    void shouldVerifyADecisionMadeOnItsOwnEventsPastItsBasisInTheWritersOrder() {
        writeLog();

        AuditReport report = Audit.withAllServices().run(archive(log));

        assertThat(report.failures()).isEmpty();
        assertThat(report.decisionsVerified()).containsEntry("TrialQueued", 4L).containsEntry("TrialCreated", 3L);
    }

    @Test
    void shouldFailADecisionThatClaimsToHaveSeenMoreOfItsOwnEventsThanTheLogHas() {
        writeLog();
        Event retry = log.get(10);
        log.set(10, new Event(retry.eventId(), ID, retry.trialId(), retry.sequence(), retry.timestamp(), retry.source(), retry.basis(),
                2, retry.payload()));

        AuditReport report = Audit.withAllServices().run(archive(log));

        assertThat(report.passed()).isFalse();
        assertThat(report.failures()).anySatisfy(f -> {
            assertThat(f.offset()).isEqualTo(10);
            assertThat(f.problem()).contains("decided on 2 events of its writer past its basis 7, but the log has 1 there");
        });
    }

    @Test
    void shouldFailADecisionThatSawAnotherServicesEventPastItsBasis() {
        writeLog();
        // As if the scheduler had read trial 2's creation (offset 8) but logged basis 7: it would have queued trial 2 too.
        Event retry = log.get(10);
        Event queueTwo = new Event(ID + "/trial-00002/queued-1", ID, "trial-00002", retry.sequence() + 1, retry.timestamp(),
                retry.source(), 7L, 1, new EventPayload.TrialQueued(1, null, null));
        log.set(11, queueTwo);

        AuditReport report = Audit.withAllServices().run(archive(log));

        assertThat(report.passed()).isFalse();
        assertThat(report.failures()).anySatisfy(f -> {
            assertThat(f.offset()).isEqualTo(11);
            assertThat(f.problem()).contains("would not have decided this at basis 7");
        });
    }

    // ---- a log written as the services would write it ----

    private void command(String trialId, String key, EventPayload.Command payload, Long basis) {
        append(new Event(Event.id(ID, key), ID, trialId, next("gate"), now(), new Event.Source("gate", "t"), basis, payload));
    }

    /** A service's decisions on the log as it stands, as a service that reads before it decides makes them. */
    private List<Event> decideOnLog(String service) {
        ExperimentState state = fold(log.size() - 1);
        return appendAll(Decisions.toEvents(state, service, "t", deciders.get(service).decide(state), now()));
    }

    /** The scheduler's decisions on the log up to {@code basis} plus its own {@code ahead} events past it, in the order written. */
    private List<Event> decideAhead(long basis, int ahead) {
        ExperimentState state = fold((int) basis);
        log.subList((int) basis + 1, log.size()).stream()
                .filter(e -> e.source().service().equals("gate") || e.source().service().equals("scheduler"))
                .forEach(state::applyAhead);
        return appendAll(Decisions.toEvents(state, "scheduler", "t", deciders.get("scheduler").decide(state), now(), basis, ahead));
    }

    private ExperimentState fold(int through) {
        ExperimentState state = new ExperimentState(ID);
        for (int offset = 0; offset <= through; offset++) {
            state.apply(new LoggedEvent(offset, log.get(offset)));
        }
        return state;
    }

    private List<Event> appendAll(List<Event> events) {
        events.forEach(this::append);
        return events;
    }

    private void append(Event e) {
        sequences.merge(e.source().service(), 1L, Long::sum);
        log.add(e);
    }

    private long next(String source) {
        return sequences.getOrDefault(source, 0L);
    }

    private Instant now() {
        return T0.plusSeconds(log.size());
    }

    private static ExperimentLog archive(List<Event> events) {
        Integrity.SequentialWriter writer = new Integrity.SequentialWriter();
        List<LogRecord> records = new ArrayList<>();
        for (int offset = 0; offset < events.size(); offset++) {
            ProducerRecord<String, byte[]> r = writer.next(new LoggedEvent(offset, events.get(offset)));
            Map<String, ByteBuffer> headers = new HashMap<>();
            for (Header h : r.headers()) {
                headers.put(h.key(), ByteBuffer.wrap(h.value()));
            }
            records.add(new LogRecord((long) offset, T0.plusSeconds(offset), r.key(), ByteBuffer.wrap(r.value()), headers));
        }
        return new ExperimentLog(ID, records);
    }
}
