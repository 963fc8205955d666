package io.tunelog.replay;

import io.tunelog.avro.LogRecord;
import io.tunelog.avro.WorkerReport;
import io.tunelog.codec.AvroBytes;
import io.tunelog.codec.EventCodec;
import io.tunelog.domain.event.Event;
import io.tunelog.kafka.AccessControl.Role;
import io.tunelog.kafka.Topics;
import io.tunelog.security.KeyEntry;
import io.tunelog.security.KeyRegistry;
import io.tunelog.security.RecordSignature;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * The audit's check of one log record's signatures (docs/SIGNING.md): the service's over the record, and, for an event
 * admitted from a signed report, its worker's over the report it carries, which must say what the event says. It
 * names who wrote each; an unsigned record is named as such and fails only when signatures are required. The registry
 * is read, never changed, so one check may serve the reader thread while the registry is not folded further.
 */
public final class SignatureCheck {
    private static final String REPORT = RecordSignature.REPORT;
    private static final String REPORT_SIGNER = RecordSignature.REPORT_SIGNER;
    private static final String REPORT_SIG = RecordSignature.REPORT_SIG;
    /**
     * The keys that may sign each writer's events: any service's, since one `tunelog services` process runs several with
     * one key. Not a worker's or a gateway's: they sign reports, never log records.
     */
    private static final Set<Role> SERVICE_KEYS = Set.of(Role.SCHEDULER, Role.SUGGESTION, Role.REGISTRY);
    private static final Map<String, Set<Role>> WRITERS = Map.of(
            "gate", SERVICE_KEYS, "scheduler", SERVICE_KEYS, "suggestion", SERVICE_KEYS, "registry", SERVICE_KEYS);

    private final KeyRegistry registry;
    private final boolean required;

    /** What a record's signatures say: who signed it (null: unsigned), who signed the report it carries, what is wrong. */
    public record Result(String writer, String reporter, List<String> problems) {}

    public SignatureCheck(KeyRegistry registry, boolean required) {
        this.registry = Objects.requireNonNull(registry, "registry");
        this.required = required;
    }

    public Result check(String experimentId, LogRecord r, byte[] value, Event event) {
        Map<String, byte[]> headers = headers(r);
        List<String> problems = new ArrayList<>();
        String writer = null;
        byte[] signer = headers.get(RecordSignature.SIGNER);
        if (signer == null) {
            if (required) {
                problems.add("not signed");
            }
        } else {
            String fingerprint = new String(signer, StandardCharsets.UTF_8);
            Optional<KeyEntry> entry = registry.entry(fingerprint);
            writer = describe(fingerprint, entry);
            problem(fingerprint, experimentId, r.getOffset()).ifPresent(problems::add);
            if (entry.isPresent()) {
                Set<Role> may = WRITERS.getOrDefault(event.source().service(), Set.of());
                if (!may.contains(entry.get().role())) {
                    problems.add("signed with a " + entry.get().role().name().toLowerCase(java.util.Locale.ROOT) + " key, but written as "
                            + event.source().service());
                }
                if (!registry.verifier(fingerprint).orElseThrow().verify(Topics.EVENTS, r.getKey(), value, headers)) {
                    problems.add("its signature by " + fingerprint + " does not verify: the record is not what its writer signed");
                }
            }
        }
        String reporter = checkReport(experimentId, r.getOffset(), headers, event, problems);
        return new Result(writer, reporter, problems);
    }

    /** The worker's statement inside an event admitted from its report; returns who signed it, or null for none. */
    private String checkReport(String experimentId, long offset, Map<String, byte[]> headers, Event event, List<String> problems) {
        byte[] report = headers.get(REPORT);
        byte[] signer = headers.get(REPORT_SIGNER);
        byte[] sig = headers.get(REPORT_SIG);
        if (report == null && signer == null && sig == null) {
            return null;
        }
        if (report == null || signer == null || sig == null) {
            problems.add("carries part of a signed report (" + REPORT + ", " + REPORT_SIGNER + ", " + REPORT_SIG + " go together)");
            return null;
        }
        String fingerprint = new String(signer, StandardCharsets.UTF_8);
        Optional<KeyEntry> entry = registry.entry(fingerprint);
        problem(fingerprint, experimentId, offset).ifPresent(p -> problems.add("its report: " + p));
        WorkerReport decoded;
        try {
            decoded = AvroBytes.decode(WorkerReport.class, report);
        } catch (AvroBytes.UndecodableRecord e) {
            problems.add("its report: " + e.getMessage());
            return describe(fingerprint, entry);
        }
        if (entry.isPresent()) {
            entry.get().reportAsProblem(decoded.getWorkerId()).ifPresent(p -> problems.add("its report: " + p));
            Map<String, byte[]> asSent = Map.of(RecordSignature.SIGNER, signer, RecordSignature.SIG, sig);
            if (!registry.verifier(fingerprint).orElseThrow().verify(Topics.REPORTS, experimentId, report, asSent)) {
                problems.add("its report's signature by " + fingerprint + " does not verify: the report is not what its worker signed");
            }
        }
        if (!decoded.getExperimentId().equals(event.experimentId()) || !decoded.getTrialId().equals(event.trialId())
                || !EventCodec.payloadFromAvro(decoded.getPayload()).equals(event.payload())) {
            problems.add("says other than the report it carries, which " + decoded.getWorkerId() + " signed");
        }
        return describe(fingerprint, entry) + " as " + decoded.getWorkerId();
    }

    private Optional<String> problem(String fingerprint, String experimentId, long offset) {
        Optional<KeyEntry> entry = registry.entry(fingerprint);
        if (entry.isEmpty()) {
            return Optional.of("signer " + fingerprint + " is not registered");
        }
        KeyEntry.Revocation revocation = entry.get().revocation();
        // The log partition of the experiment among as many as the log had at revocation, which it keeps.
        int partition = revocation == null ? 0 : Topics.partitionFor(experimentId, Math.max(1, revocation.logOffsets().size()));
        return registry.signerProblemAt(fingerprint, partition, offset);
    }

    private static String describe(String fingerprint, Optional<KeyEntry> entry) {
        return entry.map(e -> e.role().name().toLowerCase(java.util.Locale.ROOT) + " " + e.principal() + " " + fingerprint)
                .orElse("unregistered " + fingerprint);
    }

    private static Map<String, byte[]> headers(LogRecord r) {
        Map<String, byte[]> headers = new HashMap<>();
        r.getHeaders().forEach((k, v) -> headers.put(k, ExperimentLog.bytes(v)));
        return headers;
    }
}
