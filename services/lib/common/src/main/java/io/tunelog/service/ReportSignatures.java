package io.tunelog.service;

import io.tunelog.avro.WorkerReport;
import io.tunelog.security.KeyRegistry;
import io.tunelog.security.RecordSignature;
import java.util.Optional;
import java.util.function.Function;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * The gate's check of who sent a report (docs/SIGNING.md), on a gate told to require signed reports: the report's
 * record must be signed by a registered, unrevoked worker (or gateway) key registered for the worker id the report
 * carries, and the signature must verify. A refused report is rejected like any other, naming why; no STOP goes out
 * for it, since whoever sent it may not be the worker it names.
 */
final class ReportSignatures implements CommandGate.ReportCheck {
    /** The registry as it stands, read under whatever lock keeps it (see KeyRegistryFollower). */
    interface Registry {
        <T> T read(Function<KeyRegistry, T> reader);
    }

    private final Registry registry;

    ReportSignatures(Registry registry) {
        this.registry = registry;
    }

    @Override
    public Optional<String> problem(ConsumerRecord<String, byte[]> record, WorkerReport report) {
        Optional<String> signer = RecordSignature.signer(record.headers());
        if (signer.isEmpty()) {
            return Optional.of("report not signed; this gate admits signed reports only (docs/SIGNING.md)");
        }
        String fingerprint = signer.get();
        return registry.read(keys -> {
            Optional<String> problem = keys.reportSignerProblem(fingerprint, report.getWorkerId());
            if (problem.isPresent()) {
                return problem;
            }
            RecordSignature.Verifier verifier = keys.verifier(fingerprint).orElseThrow();
            return verifier.verify(record.topic(), record.key(), record.value(), record.headers()) ? Optional.<String>empty()
                    : Optional.of("the signature of " + fingerprint + " does not verify: the report is not what its signer signed");
        });
    }
}
