package io.tunelog.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tunelog.avro.LogRecord;
import io.tunelog.kafka.KeyRegistryTopic;
import io.tunelog.kafka.Topics;
import io.tunelog.replay.Audit;
import io.tunelog.replay.AuditReport;
import io.tunelog.replay.LogSource;
import io.tunelog.replay.SignatureCheck;
import io.tunelog.replay.anchor.Anchor;
import io.tunelog.replay.anchor.AnchorChain;
import io.tunelog.replay.anchor.AnchorCheck;
import io.tunelog.results.Json;
import io.tunelog.security.KeyRegistry;
import io.tunelog.security.SigningKeys;
import java.io.IOException;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.PublicKey;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.function.Consumer;
import org.apache.kafka.clients.admin.Admin;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** Replays an experiment and recomputes every decision; exits non-zero on any mismatch or unverifiable record. */
@Command(name = "audit", mixinStandardHelpOptions = true,
        description = "Replay an experiment, recompute every decision at its basis and check the log's integrity.")
final class AuditCommand implements Callable<Integer> {
    /** Exit code when the audit ran and found problems. */
    static final int FAILED = 3;

    @Parameters(index = "0", description = "Experiment id")
    String experimentId;

    @Mixin
    LogSourceOptions source;

    @Option(names = "--json", description = "Print the report as JSON")
    boolean json;

    @Option(names = "--anchor", paramLabel = "FILE",
            description = "When the audit passes, write a signed statement of the log's head to FILE (keep it outside Kafka)")
    Path anchorOut;

    @Option(names = "--key", paramLabel = "KEYFILE", description = "The private key that signs the anchor (from `tunelog key new`; mode 0600)")
    Path keyFile;

    @Option(names = "--since", paramLabel = "FILE", description = "Check that today's log extends the head an earlier --anchor signed")
    Path since;

    @Option(names = "--public-key", paramLabel = "PUBFILE",
            description = "The public key the --since anchor must be signed by (else only the key it embeds is checked)")
    Path publicKeyFile;

    @Option(names = "--verify-signatures", description = "Check every record's signature and the worker's signature of each report it "
            + "carries against the key registry (" + Topics.KEYS + ", read from the cluster given, also for --from), and say who signed "
            + "what; an unsigned record passes (docs/SIGNING.md)")
    boolean verifySignatures;

    @Option(names = "--require-signatures", description = "As --verify-signatures, and an unsigned record fails")
    boolean requireSignatures;

    @Spec
    CommandSpec command;

    @Override
    public Integer call() throws Exception {
        KeyPair signer = signingKey();
        if (publicKeyFile != null && since == null) {
            throw new Tunelog.UserError(Tunelog.BAD_INPUT, "--public-key checks who signed an anchor: give --since FILE with it");
        }
        PublicKey trusted = publicKeyFile == null ? null : keys(() -> SigningKeys.readPublic(publicKeyFile));
        Anchor earlier = since == null ? null : readAnchor();

        LogSource log = source.source(experimentId);
        List<Consumer<LogRecord>> taps = new ArrayList<>();
        AnchorChain chain = signer == null ? null : new AnchorChain(experimentId);
        AnchorCheck check = earlier == null ? null : new AnchorCheck(earlier.statement());
        if (chain != null) {
            taps.add(chain::add);
        }
        if (check != null) {
            taps.add(check::add);
        }
        Audit audit = Audit.withAllServices();
        if (verifySignatures || requireSignatures) {
            KeyRegistry keys = KeyRegistryTopic.read(source.kafka.requiredClients(), Duration.ofSeconds(60));
            audit = audit.withSignatures(new SignatureCheck(keys, requireSignatures));
        }
        AuditReport report = audit.run(taps.isEmpty() ? log : firstPassTapped(log, taps));
        if (report.events() == 0) {
            throw new Tunelog.UserError(1, "no events for experiment " + experimentId);
        }

        List<String> anchorLines = new ArrayList<>();
        boolean anchorFailed = false;
        if (earlier != null) {
            String signature = earlier.signatureProblem(trusted);
            String extension = check.problem();
            anchorFailed = signature != null || extension != null;
            Anchor.Statement s = earlier.statement();
            anchorLines.add(signature != null ? "FAIL anchor " + since + ": " + signature
                    : "anchor " + since + " of " + s.time() + " signed by " + s.signer() + (trusted != null
                    ? ", verified against " + publicKeyFile : ", verified only against the key it embeds (give --public-key to check who signed it)"));
            anchorLines.add(extension != null ? "FAIL " + extension
                    : "the log extends the anchor: its " + s.records() + " records up to offset " + s.offset() + " are unchanged"
                    + (s.auditPassed() ? "" : " (their audit had FAILED when they were anchored)"));
        }
        if (signer != null) {
            anchorLines.add(writeAnchor(report, chain, signer));
        }

        var out = command.commandLine().getOut();
        if (json) {
            ObjectNode node = toJson(report);
            if (!anchorLines.isEmpty()) {
                node.set("anchor", Json.MAPPER.valueToTree(anchorLines));
            }
            out.println(Json.MAPPER.writeValueAsString(node));
        } else {
            out.println(text(report));
            anchorLines.forEach(line -> out.println("  " + line));
        }
        return report.passed() && !anchorFailed ? 0 : FAILED;
    }

    private String writeAnchor(AuditReport report, AnchorChain chain, KeyPair signer) {
        if (chain.records() == 0) {
            return "no anchor written: experiment " + experimentId + " has no records";
        }
        Anchor anchor = Anchor.sign(experimentId, Topics.EVENTS, partition(), chain, report.passed(), Instant.now().truncatedTo(ChronoUnit.MILLIS), signer);
        try {
            anchor.write(anchorOut);
        } catch (IOException e) {
            throw new Tunelog.UserError(Tunelog.BAD_INPUT, "cannot write anchor " + anchorOut + ": " + e.getMessage());
        }
        return "anchor written to " + anchorOut + ": " + chain.records() + " records up to offset " + chain.lastOffset()
                + ", signed by " + anchor.statement().signer()
                + (report.passed() ? "" : " (it records that this audit FAILED: it fixes the log as it is, not that it is right)");
    }

    /** The log partition, read from Kafka; an archive does not record it. */
    private Integer partition() {
        if (source.from != null) {
            return null;
        }
        try (Admin admin = source.kafka.requiredClients().admin()) {
            return Topics.partitionFor(experimentId, Topics.partitionsOf(admin, Topics.EVENTS));
        }
    }

    private KeyPair signingKey() {
        if (anchorOut == null) {
            if (keyFile != null) {
                throw new Tunelog.UserError(Tunelog.BAD_INPUT, "--key signs an anchor: give --anchor FILE with it");
            }
            return null;
        }
        if (keyFile == null) {
            throw new Tunelog.UserError(Tunelog.BAD_INPUT, "--anchor needs --key KEYFILE, the private key that signs it (make one with `tunelog key new`)");
        }
        return keys(() -> SigningKeys.readPrivate(keyFile));
    }

    private Anchor readAnchor() {
        Anchor anchor;
        try {
            anchor = Anchor.read(since);
        } catch (Anchor.AnchorFileException e) {
            throw new Tunelog.UserError(Tunelog.BAD_INPUT, e.getMessage());
        }
        if (!experimentId.equals(anchor.statement().experimentId())) {
            throw new Tunelog.UserError(Tunelog.BAD_INPUT, since + " anchors experiment " + anchor.statement().experimentId() + ", not " + experimentId);
        }
        return anchor;
    }

    private static <T> T keys(java.util.function.Supplier<T> read) {
        try {
            return read.get();
        } catch (SigningKeys.KeyFileException e) {
            throw new Tunelog.UserError(Tunelog.BAD_INPUT, e.getMessage());
        }
    }

    /** The log, with {@code taps} seeing each record of the first reading only (the audit may read again). */
    private static LogSource firstPassTapped(LogSource log, List<Consumer<LogRecord>> taps) {
        boolean[] tapped = {false};
        return LogSource.of(log.experimentId(), action -> {
            if (tapped[0]) {
                log.forEach(action);
                return;
            }
            tapped[0] = true;
            log.forEach(r -> {
                taps.forEach(t -> t.accept(r));
                action.accept(r);
            });
        });
    }

    static String text(AuditReport report) {
        StringBuilder s = new StringBuilder();
        s.append("Audit of ").append(report.experimentId()).append(": ").append(report.passed() ? "PASSED" : "FAILED").append('\n');
        s.append("  ").append(report.events()).append(" events; ").append(report.commandsAdmitted()).append(" commands admissible; ")
                .append(report.decisionsTotal()).append(" decisions recomputed and identical\n");
        report.decisionsVerified().forEach((kind, n) -> s.append("    ").append(kind).append(": ").append(n).append('\n'));
        if (report.writers() != null) {
            s.append("  written by:\n");
            report.writers().forEach((writer, n) -> s.append("    ").append(writer).append(": ").append(n).append('\n'));
            if (!report.reporters().isEmpty()) {
                s.append("  admitted from reports signed by:\n");
                report.reporters().forEach((worker, n) -> s.append("    ").append(worker).append(": ").append(n).append('\n'));
            }
        }
        for (AuditReport.Failure f : report.failures()) {
            s.append("  FAIL ").append(f).append('\n');
        }
        return s.toString().stripTrailing();
    }

    static ObjectNode toJson(AuditReport report) {
        ObjectNode node = Json.MAPPER.createObjectNode();
        node.put("experimentId", report.experimentId());
        node.put("passed", report.passed());
        node.put("events", report.events());
        node.put("commandsAdmitted", report.commandsAdmitted());
        node.set("decisionsVerified", Json.MAPPER.valueToTree(report.decisionsVerified()));
        node.set("failures", Json.MAPPER.valueToTree(report.failures()));
        if (report.writers() != null) {
            node.set("writers", Json.MAPPER.valueToTree(report.writers()));
            node.set("reporters", Json.MAPPER.valueToTree(report.reporters()));
        }
        return node;
    }
}
