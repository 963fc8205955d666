package io.tunelog.replay;

import io.tunelog.avro.LogRecord;
import io.tunelog.codec.AvroBytes.UndecodableRecord;
import io.tunelog.codec.EventCodec;
import io.tunelog.domain.decide.Decider;
import io.tunelog.domain.decide.Decisions;
import io.tunelog.domain.event.Event;
import io.tunelog.domain.event.EventPayload;
import io.tunelog.domain.event.LoggedEvent;
import io.tunelog.domain.state.Anomaly;
import io.tunelog.domain.state.ExperimentState;
import io.tunelog.log.Integrity;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.IntStream;

/**
 * Replays an experiment's log and checks it: every record decodes and matches its hash; every event
 * with a basis proves, by digest, the history it was decided or admitted on; the fold finds every
 * command admissible and every sequence unbroken; and every decision, recomputed by the same decider
 * on the state at its basis, equals what was logged, field by field (all but the write time and the
 * writer's instance name, which are not part of a decision).
 */
public final class Audit {
    private final Map<String, Decider> deciders;

    public Audit(Map<String, Decider> deciders) {
        this.deciders = Map.copyOf(deciders);
    }

    public static Audit withAllServices() {
        return new Audit(ServiceCatalog.deciders());
    }

    private record Group(String service, long basis) {}

    private record Decoded(long offset, LogRecord record, byte[] hash, Event event) {}

    public AuditReport run(ExperimentLog log) {
        List<AuditReport.Failure> failures = new ArrayList<>();
        List<Decoded> decoded = decode(log, failures);

        // Which bases to stop at, and for which services; and what was logged there.
        Map<Group, List<Decoded>> logged = new LinkedHashMap<>();
        Set<Long> bases = new HashSet<>();
        for (Decoded d : decoded) {
            Event e = d.event();
            if (e.basis() != null) {
                bases.add(e.basis());
            }
            if (e.payload() instanceof EventPayload.Decision) {
                if (!deciders.containsKey(e.source().service())) {
                    failures.add(new AuditReport.Failure(d.offset(), e.eventId(), "decision from unknown service "
                            + e.source().service() + "; no decider to verify it", null, null));
                } else if (e.basis() == null) {
                    failures.add(new AuditReport.Failure(d.offset(), e.eventId(), "decision without a basis", null, null));
                } else {
                    logged.computeIfAbsent(new Group(e.source().service(), e.basis()), g -> new ArrayList<>()).add(d);
                }
            }
        }
        Map<Long, List<String>> servicesAt = new HashMap<>();
        logged.keySet().forEach(g -> servicesAt.computeIfAbsent(g.basis(), b -> new ArrayList<>()).add(g.service()));

        ExperimentState state = new ExperimentState(log.experimentId());
        Integrity.PrefixDigest prefix = new Integrity.PrefixDigest();
        Map<Long, byte[]> digestAt = new HashMap<>();
        Map<Group, List<Event>> expected = new HashMap<>();
        long commands = 0;
        int anomaliesSeen = 0;
        for (Decoded d : decoded) {
            Event e = d.event();
            if (e.basis() != null) {
                byte[] recorded = header(d.record(), Integrity.BASIS_DIGEST);
                byte[] actual = digestAt.get(e.basis());
                if (recorded == null) {
                    failures.add(new AuditReport.Failure(d.offset(), e.eventId(), "no basis digest header", null, null));
                } else if (actual == null || !Arrays.equals(recorded, actual)) {
                    failures.add(new AuditReport.Failure(d.offset(), e.eventId(), actual == null
                            ? "basis " + e.basis() + " is not an event of this experiment before it"
                            : "the history up to its basis (offset " + e.basis() + ") is not the one it was made on:"
                              + " an event before it was changed, removed, inserted or moved", null, null));
                }
            }
            state.apply(new LoggedEvent(d.offset(), e));
            prefix.add(d.hash());
            for (; anomaliesSeen < state.anomalies().size(); anomaliesSeen++) {
                Anomaly a = state.anomalies().get(anomaliesSeen);
                failures.add(new AuditReport.Failure(a.offset(), a.eventId(), a.reason(), null, null));
            }
            if (e.payload() instanceof EventPayload.Command && anomaliesSeen == state.anomalies().size()) {
                commands++;
            }
            if (bases.contains(d.offset())) {
                digestAt.put(d.offset(), prefix.digest());
                for (String service : servicesAt.getOrDefault(d.offset(), List.of())) {
                    Decider decider = deciders.get(service);
                    expected.put(new Group(service, d.offset()),
                            Decisions.toEvents(state, service, "audit", decider.decide(state), e.timestamp()));
                }
            }
        }

        Map<String, Long> verified = new TreeMap<>();
        logged.forEach((group, events) -> compare(group, events, expected.getOrDefault(group, List.of()), verified, failures));
        failures.sort((a, b) -> Long.compare(a.offset(), b.offset()));
        return new AuditReport(log.experimentId(), log.records().size(), verified, commands, failures);
    }

    /** Decodes and hash-checks every record; records are independent, so this runs on all cores. */
    private static List<Decoded> decode(ExperimentLog log, List<AuditReport.Failure> failures) {
        List<LogRecord> records = log.records();
        Object[] results = new Object[records.size()];
        IntStream.range(0, records.size()).parallel().forEach(i -> results[i] = decodeOne(log.experimentId(), records.get(i)));
        List<Decoded> decoded = new ArrayList<>(records.size());
        for (Object result : results) {
            if (result instanceof Decoded d) {
                decoded.add(d);
            } else {
                failures.addAll(((CheckedRecord) result).failures());
                if (((CheckedRecord) result).decoded() != null) {
                    decoded.add(((CheckedRecord) result).decoded());
                }
            }
        }
        return decoded;
    }

    /** A record with problems: what was found, and the event if it still belongs in the fold. */
    private record CheckedRecord(Decoded decoded, List<AuditReport.Failure> failures) {}

    private static Object decodeOne(String experimentId, LogRecord r) {
        byte[] value = ExperimentLog.bytes(r.getValue());
        Event event;
        try {
            event = EventCodec.decode(value);
        } catch (UndecodableRecord ex) {
            return new CheckedRecord(null, List.of(new AuditReport.Failure(r.getOffset(), null, "cannot be verified: " + ex.getMessage(), null, null)));
        }
        List<AuditReport.Failure> problems = new ArrayList<>(0);
        byte[] recorded = header(r, Integrity.HASH);
        byte[] hash = Integrity.hash(value);
        if (recorded == null) {
            problems.add(new AuditReport.Failure(r.getOffset(), event.eventId(), "no content hash header", null, null));
        } else if (!Arrays.equals(recorded, hash)) {
            problems.add(new AuditReport.Failure(r.getOffset(), event.eventId(), "content does not match its hash: the event was changed", null, null));
        }
        if (!event.experimentId().equals(experimentId)) {
            problems.add(new AuditReport.Failure(r.getOffset(), event.eventId(), "belongs to experiment " + event.experimentId(), null, null));
            return new CheckedRecord(null, problems);
        }
        Decoded d = new Decoded(r.getOffset(), r, hash, event);
        return problems.isEmpty() ? d : new CheckedRecord(d, problems);
    }

    private static void compare(Group group, List<Decoded> logged, List<Event> expected, Map<String, Long> verified,
                                List<AuditReport.Failure> failures) {
        int n = Math.max(logged.size(), expected.size());
        for (int i = 0; i < n; i++) {
            Decoded actual = i < logged.size() ? logged.get(i) : null;
            Event wanted = i < expected.size() ? expected.get(i) : null;
            if (actual != null && wanted != null && sameDecision(wanted, actual.event())) {
                verified.merge(actual.event().payload().getClass().getSimpleName(), 1L, Long::sum);
                continue;
            }
            long offset = actual != null ? actual.offset() : group.basis();
            String eventId = actual != null ? actual.event().eventId() : wanted.eventId();
            String problem = actual == null ? group.service() + " would have decided this at basis " + group.basis() + ", but the log lacks it"
                    : wanted == null ? group.service() + " would not have decided this at basis " + group.basis()
                    : "recomputed decision differs";
            failures.add(new AuditReport.Failure(offset, eventId, problem, describe(wanted), actual == null ? null : describe(actual.event())));
        }
    }

    /** Equal in everything a decision determines: id, trial, sequence, service, basis and payload. */
    static boolean sameDecision(Event a, Event b) {
        return a.eventId().equals(b.eventId())
                && a.experimentId().equals(b.experimentId())
                && Objects.equals(a.trialId(), b.trialId())
                && a.sequence() == b.sequence()
                && a.source().service().equals(b.source().service())
                && Objects.equals(a.basis(), b.basis())
                && a.payload().equals(b.payload());
    }

    private static String describe(Event e) {
        return e == null ? "(nothing)" : e.eventId() + " seq=" + e.sequence() + " basis=" + e.basis() + " " + e.payload();
    }

    private static byte[] header(LogRecord r, String key) {
        ByteBuffer b = r.getHeaders().get(key);
        return b == null ? null : ExperimentLog.bytes(b);
    }
}
