package io.tunelog.loadtests;

import io.tunelog.avro.LogRecord;
import io.tunelog.domain.event.LoggedEvent;
import io.tunelog.domain.testing.LogBuilder;
import io.tunelog.kafka.AccessControl.Role;
import io.tunelog.log.Integrity;
import io.tunelog.replay.Audit;
import io.tunelog.replay.AuditReport;
import io.tunelog.replay.LogSource;
import io.tunelog.replay.SignatureCheck;
import io.tunelog.security.KeyEntry;
import io.tunelog.security.KeyRegistry;
import io.tunelog.security.RecordSignature;
import io.tunelog.security.SigningKeys;
import java.nio.ByteBuffer;
import java.security.KeyPair;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * What verifying signatures adds to an audit (docs/SIGNING.md, Cost): ReplayBenchmark's generated log, every record
 * signed by one service key as `tunelog services --key` would, held in memory (no Kafka, no file: the audit's own
 * work only), audited with and without `--require-signatures`, alternately.
 *
 * <p>Usage: {@code java -cp ... io.tunelog.loadtests.SignedAuditBenchmark [events] [rounds]}
 */
public final class SignedAuditBenchmark {

    public static void main(String[] args) {
        long target = args.length > 0 ? Long.parseLong(args[0]) : 100_000L;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 3;
        String id = "signed-bench";
        LogBuilder log = ExperimentLogGenerator.generate(id, target, 0);
        KeyPair key = SigningKeys.generate();
        RecordSignature.Signer signer = new RecordSignature.Signer(key);
        KeyEntry entry = KeyEntry.register(key.getPublic(), Role.SCHEDULER, "User:bench", null, Instant.now());
        KeyRegistry registry = new KeyRegistry();
        registry.apply(entry.fingerprint(), entry.encode(), 0);

        long t = System.nanoTime();
        List<LogRecord> records = new ArrayList<>();
        Integrity.SequentialWriter writer = new Integrity.SequentialWriter();
        for (LoggedEvent e : log.events()) {
            var r = writer.next(e);
            signer.sign(r.topic(), r.key(), r.value(), r.headers());
            Map<String, ByteBuffer> headers = new HashMap<>();
            r.headers().forEach(h -> headers.put(h.key(), ByteBuffer.wrap(h.value())));
            records.add(new LogRecord(e.offset(), e.event().timestamp(), r.key(), ByteBuffer.wrap(r.value()), headers));
        }
        long events = records.size();
        System.out.printf("signed %,d records in %.1f s: %.1f µs a record%n", events, (System.nanoTime() - t) / 1e9,
                (System.nanoTime() - t) / 1e3 / events);

        LogSource source = LogSource.of(id, sink -> records.forEach(sink));
        Audit plain = Audit.withAllServices();
        Audit verified = plain.withSignatures(new SignatureCheck(registry, true));
        for (int round = 1; round <= rounds; round++) {
            double without = audit(plain, source, events);
            double with = audit(verified, source, events);
            System.out.printf("round %d: audit %,.0f events/s; with every signature verified %,.0f events/s (%.2f x)%n",
                    round, without, with, with / without);
        }
    }

    private static double audit(Audit audit, LogSource source, long events) {
        long t = System.nanoTime();
        AuditReport report = audit.run(source);
        double rate = events / ((System.nanoTime() - t) / 1e9);
        if (!report.passed()) {
            throw new IllegalStateException("audit failed: " + report.failures().subList(0, Math.min(5, report.failures().size())));
        }
        return rate;
    }
}
