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
import io.tunelog.domain.state.WriterOrder;
import io.tunelog.log.Integrity;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
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

/**
 * Replays an experiment's log and checks it: every record decodes and matches its hash; every event
 * with a basis proves, by digest, the history it was decided or admitted on; the fold finds every
 * command admissible and every sequence unbroken; and every decision, recomputed by the same decider
 * on the state at its basis, equals what was logged, field by field (all but the write time and the
 * writer's instance name, which are not part of a decision).
 *
 * <p>The state at a decision's basis is the log up to its basis, folded in log order; for a decision that also saw
 * its writer's own events past the basis ({@link Event#basisAhead()}: the scheduling service, which decides in the
 * pass that admits a report), it is the log up to there folded in that writer's order ({@link WriterOrder}), which a
 * second fold keeps beside the first.
 *
 * <p>The log is streamed, not held: one thread reads and decodes while another folds ({@link Pipeline}). To stop at a
 * decision's basis, the log-order fold trails the decoder by a window, so it learns of each basis before it
 * passes it; a decision logged further than that after its basis is checked in a second pass. The writer-order fold
 * needs no window: a writer's event comes after its basis.
 */
public final class Audit {
    /**
     * How far the fold trails the decoder. A decision lands a decision latency after its basis: at
     * 45k events/s and 100 ms that is 4,500 events. Larger windows cost more than they save: every
     * event in the window survives young collections (a 100k window measured slower).
     */
    static final int WINDOW = 10_000;

    private final Map<String, Decider> deciders;
    private final Set<String> writtenAhead = ServiceCatalog.writtenAhead();
    private final int window;
    private final SignatureCheck signatures;

    public Audit(Map<String, Decider> deciders) {
        this(deciders, WINDOW, null);
    }

    /** With a smaller window, more decisions take the second pass; tests use it to exercise that path. */
    Audit(Map<String, Decider> deciders, int window) {
        this(deciders, window, null);
    }

    private Audit(Map<String, Decider> deciders, int window, SignatureCheck signatures) {
        this.deciders = Map.copyOf(deciders);
        this.window = window;
        this.signatures = signatures;
    }

    /** This audit, also checking every record's signatures and naming its writer (docs/SIGNING.md). */
    public Audit withSignatures(SignatureCheck check) {
        return new Audit(deciders, window, check);
    }

    public static Audit withAllServices() {
        return new Audit(ServiceCatalog.deciders());
    }

    /** The decisions one decider call wrote: by service and basis, and for a writer-order decision how many of its events it saw past it. */
    private record Group(String service, long basis, Integer ahead) {}

    /** A decoded record: what the fold needs of it, and no more (the bytes are not kept). */
    private record Decoded(long offset, byte[] hash, byte[] basisDigest, Event event) {}

    /** A record with problems: what was found, the event if it still belongs in the fold, and who signed it (if checked). */
    private record Checked(Decoded decoded, List<AuditReport.Failure> failures, SignatureCheck.Result signed) {
        Checked(Decoded decoded, List<AuditReport.Failure> failures) {
            this(decoded, failures, null);
        }
    }

    public AuditReport run(LogSource source) {
        Pass pass = new Pass(source.experimentId());
        Pipeline.run(source, record -> signed(source.experimentId(), check(source.experimentId(), record), record), pass::accept,
                signatures != null);
        pass.drain();
        if (!pass.lateBases.isEmpty()) {
            pass.checkLate(source);
        }
        return pass.report();
    }

    /** Adds the record's signature check to {@code checked}, when this audit checks signatures; on the reader thread. */
    private Checked signed(String experimentId, Checked checked, LogRecord r) {
        if (signatures == null || checked.decoded() == null) {
            return checked;
        }
        Event event = checked.decoded().event();
        SignatureCheck.Result result = signatures.check(experimentId, r, ExperimentLog.bytes(r.getValue()), event);
        List<AuditReport.Failure> failures = new ArrayList<>(checked.failures());
        result.problems().forEach(p -> failures.add(new AuditReport.Failure(r.getOffset(), event.eventId(), p, null, null)));
        return new Checked(checked.decoded(), failures, result);
    }

    /** Decodes one record and checks its hash; runs on the reader thread. */
    private static Checked check(String experimentId, LogRecord r) {
        byte[] value = ExperimentLog.bytes(r.getValue());
        Event event;
        try {
            event = EventCodec.decode(value);
        } catch (UndecodableRecord ex) {
            return new Checked(null, List.of(new AuditReport.Failure(r.getOffset(), null, "cannot be verified: " + ex.getMessage(), null, null)));
        }
        List<AuditReport.Failure> problems = List.of();
        byte[] recorded = header(r, Integrity.HASH);
        byte[] hash = Integrity.hash(value);
        if (recorded == null) {
            problems = List.of(new AuditReport.Failure(r.getOffset(), event.eventId(), "no content hash header", null, null));
        } else if (!Arrays.equals(recorded, hash)) {
            problems = List.of(new AuditReport.Failure(r.getOffset(), event.eventId(), "content does not match its hash: the event was changed", null, null));
        }
        if (!event.experimentId().equals(experimentId)) {
            return new Checked(null, List.of(new AuditReport.Failure(r.getOffset(), event.eventId(), "belongs to experiment " + event.experimentId(), null, null)));
        }
        return new Checked(new Decoded(r.getOffset(), hash, header(r, Integrity.BASIS_DIGEST), event), problems);
    }

    /** The sequential part: fold, digests and decisions, trailing the reader by the window. */
    private final class Pass {
        private final String experimentId;
        private final List<AuditReport.Failure> failures = new ArrayList<>();
        private final ArrayDeque<Decoded> window = new ArrayDeque<>();
        private final Map<Group, List<Decoded>> logged = new LinkedHashMap<>();
        private final Map<Long, List<String>> servicesAt = new HashMap<>();
        /** Bases the fold has yet to reach, each with how many registered events name it. */
        private final Map<Long, Integer> pendingBases = new HashMap<>();
        /** Digests at bases the fold passed, kept while a registered event still needs one. */
        private final Map<Long, byte[]> digestAt = new HashMap<>();
        /** Events registered after the fold had passed their basis: their checks wait for the second pass. */
        private final Set<Long> lateEvents = new HashSet<>();
        private final Set<Long> lateBases = new HashSet<>();
        private final List<Decoded> lateDigestChecks = new ArrayList<>();
        private final Map<Group, List<Event>> expected = new HashMap<>();
        private final Map<String, Long> writers = new TreeMap<>();
        private final Map<String, Long> reporters = new TreeMap<>();
        private boolean signedSeen;
        private ExperimentState state;
        private final WriterOrder writerOrder;
        private Integrity.PrefixDigest prefix = new Integrity.PrefixDigest();
        private long records;
        private long commands;
        private long foldedUpTo = -1;
        private int anomaliesSeen;

        Pass(String experimentId) {
            this.experimentId = experimentId;
            this.state = new ExperimentState(experimentId);
            this.writerOrder = new WriterOrder(writtenAhead, new ExperimentState(experimentId));
        }

        void accept(Checked c) {
            records++;
            failures.addAll(c.failures());
            if (c.signed() != null) {
                if (c.signed().writer() != null) {
                    signedSeen = true;
                } else if (signedSeen && c.decoded() != null) {
                    // Writers that sign do not stop: an unsigned record after a signed one had its signature stripped.
                    failures.add(new AuditReport.Failure(c.decoded().offset(), c.decoded().event().eventId(),
                            "not signed, though an earlier record of this experiment is: its signature was removed", null, null));
                }
                writers.merge(c.signed().writer() == null ? AuditReport.UNSIGNED : c.signed().writer(), 1L, Long::sum);
                if (c.signed().reporter() != null) {
                    reporters.merge(c.signed().reporter(), 1L, Long::sum);
                }
            }
            Decoded d = c.decoded();
            if (d == null) {
                return;
            }
            register(d);
            foldInWriterOrder(d);
            window.add(d);
            while (window.size() > Audit.this.window) {
                fold(window.poll());
            }
        }

        void drain() {
            while (!window.isEmpty()) {
                fold(window.poll());
            }
        }

        /**
         * The writer-order fold: a decision group that saw its writer's own events past its basis is recomputed on it,
         * just before its first event is folded, once every event at or before its basis is; the events it says it
         * saw past the basis must be the writer's events there in the log.
         */
        private void foldInWriterOrder(Decoded d) {
            Event e = d.event();
            if (writerOrder.isWriters(e)) {
                int ahead = writerOrder.releaseThrough(e.basis());
                Group group = e.basisAhead() == null ? null : new Group(e.source().service(), e.basis(), e.basisAhead());
                if (group != null && e.payload() instanceof EventPayload.Decision && deciders.containsKey(group.service())
                        && !expected.containsKey(group)) {
                    if (ahead != e.basisAhead()) {
                        failures.add(new AuditReport.Failure(d.offset(), e.eventId(), "decided on " + e.basisAhead() + " events of its writer"
                                + " past its basis " + e.basis() + ", but the log has " + ahead + " there", null, null));
                    }
                    ExperimentState seen = writerOrder.state();
                    expected.put(group, Decisions.toEvents(seen, group.service(), "audit", deciders.get(group.service()).decide(seen),
                            e.timestamp(), e.basis(), e.basisAhead()));
                }
            }
            writerOrder.accept(new LoggedEvent(d.offset(), e));
        }

        private void register(Decoded d) {
            Event e = d.event();
            if (e.basis() != null) {
                if (e.basis() <= foldedUpTo) {
                    lateBases.add(e.basis());
                    lateEvents.add(d.offset());
                } else {
                    pendingBases.merge(e.basis(), 1, Integer::sum);
                }
            }
            if (!(e.payload() instanceof EventPayload.Decision)) {
                return;
            }
            if (!deciders.containsKey(e.source().service())) {
                failures.add(new AuditReport.Failure(d.offset(), e.eventId(), "decision from unknown service "
                        + e.source().service() + "; no decider to verify it", null, null));
            } else if (e.basis() == null) {
                failures.add(new AuditReport.Failure(d.offset(), e.eventId(), "decision without a basis", null, null));
            } else if (e.basisAhead() != null && !writtenAhead.contains(e.source().service())) {
                failures.add(new AuditReport.Failure(d.offset(), e.eventId(), "decision of " + e.source().service()
                        + " names events past its basis, but that service decides on the log alone", null, null));
            } else {
                Group group = new Group(e.source().service(), e.basis(), e.basisAhead());
                // Recomputed in log order at the basis, or in writer order just before the group (foldInWriterOrder).
                if (!logged.containsKey(group) && group.ahead() == null) {
                    servicesAt.computeIfAbsent(e.basis(), b -> new ArrayList<>()).add(group.service());
                }
                logged.computeIfAbsent(group, g -> new ArrayList<>()).add(d);
            }
        }

        private void fold(Decoded d) {
            Event e = d.event();
            if (e.basis() != null) {
                if (lateEvents.remove(d.offset())) {
                    lateDigestChecks.add(d);
                } else {
                    checkBasisDigest(d);
                    release(e.basis());
                }
            }
            state.apply(new LoggedEvent(d.offset(), e));
            prefix.add(d.hash());
            foldedUpTo = d.offset();
            for (; anomaliesSeen < state.anomalyCount(); anomaliesSeen++) {
                Anomaly a = state.anomalies().get(anomaliesSeen);
                failures.add(new AuditReport.Failure(a.offset(), a.eventId(), a.reason(), null, null));
            }
            if (e.payload() instanceof EventPayload.Command && anomaliesSeen == state.anomalyCount()) {
                commands++;
            }
            if (pendingBases.containsKey(d.offset())) {
                atBasis(d.offset(), e);
            }
        }

        /** One registered event no longer needs the digest at {@code basis}; drop it when none does. */
        private void release(long basis) {
            Integer left = pendingBases.merge(basis, -1, Integer::sum);
            if (left != null && left == 0) {
                pendingBases.remove(basis);
                digestAt.remove(basis);
            }
        }

        private void atBasis(long offset, Event e) {
            digestAt.put(offset, prefix.digest());
            List<String> services = servicesAt.remove(offset);
            for (String service : services == null ? List.<String>of() : services) {
                expected.put(new Group(service, offset, null),
                        Decisions.toEvents(state, service, "audit", deciders.get(service).decide(state), e.timestamp()));
            }
        }

        private void checkBasisDigest(Decoded d) {
            Event e = d.event();
            byte[] actual = digestAt.get(e.basis());
            if (d.basisDigest() == null) {
                failures.add(new AuditReport.Failure(d.offset(), e.eventId(), "no basis digest header", null, null));
            } else if (actual == null || !Arrays.equals(d.basisDigest(), actual)) {
                failures.add(new AuditReport.Failure(d.offset(), e.eventId(), actual == null
                        ? "basis " + e.basis() + " is not an event of this experiment before it"
                        : "the history up to its basis (offset " + e.basis() + ") is not the one it was made on:"
                          + " an event before it was changed, removed, inserted or moved", null, null));
            }
        }

        /** A second fold, stopping only at the bases that decisions named after the first fold had passed them. */
        void checkLate(LogSource source) {
            ExperimentState first = state;
            state = new ExperimentState(experimentId);
            prefix = new Integrity.PrefixDigest();
            source.forEach(record -> {
                Checked c = check(experimentId, record);
                if (c.decoded() == null) {
                    return;
                }
                state.apply(new LoggedEvent(c.decoded().offset(), c.decoded().event()));
                prefix.add(c.decoded().hash());
                if (lateBases.contains(c.decoded().offset())) {
                    atBasis(c.decoded().offset(), c.decoded().event());
                }
            });
            state = first;
        }

        AuditReport report() {
            lateDigestChecks.forEach(this::checkBasisDigest);
            Map<String, Long> verified = new TreeMap<>();
            logged.forEach((group, events) -> compare(group, events, expected.getOrDefault(group, List.of()), verified, failures));
            failures.sort((a, b) -> Long.compare(a.offset(), b.offset()));
            return new AuditReport(experimentId, records, verified, commands, failures, signatures == null ? null : writers,
                    signatures == null ? null : reporters);
        }
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
                && Objects.equals(a.basisAhead(), b.basisAhead())
                && a.payload().equals(b.payload());
    }

    private static String describe(Event e) {
        return e == null ? "(nothing)" : e.eventId() + " seq=" + e.sequence() + " basis=" + e.basis()
                + (e.basisAhead() == null ? "" : "+" + e.basisAhead()) + " " + e.payload();
    }

    private static byte[] header(LogRecord r, String key) {
        ByteBuffer b = r.getHeaders().get(key);
        return b == null ? null : ExperimentLog.bytes(b);
    }
}
