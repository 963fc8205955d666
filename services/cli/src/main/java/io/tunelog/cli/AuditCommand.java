package io.tunelog.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tunelog.replay.Audit;
import io.tunelog.replay.AuditReport;
import io.tunelog.results.Json;
import java.util.concurrent.Callable;
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

    @Spec
    CommandSpec command;

    @Override
    public Integer call() throws Exception {
        AuditReport report = Audit.withAllServices().run(source.source(experimentId));
        if (report.events() == 0) {
            throw new Tunelog.UserError(1, "no events for experiment " + experimentId);
        }
        var out = command.commandLine().getOut();
        if (json) {
            out.println(Json.MAPPER.writeValueAsString(toJson(report)));
        } else {
            out.println(text(report));
        }
        return report.passed() ? 0 : FAILED;
    }

    static String text(AuditReport report) {
        StringBuilder s = new StringBuilder();
        s.append("Audit of ").append(report.experimentId()).append(": ").append(report.passed() ? "PASSED" : "FAILED").append('\n');
        s.append("  ").append(report.events()).append(" events; ").append(report.commandsAdmitted()).append(" commands admissible; ")
                .append(report.decisionsTotal()).append(" decisions recomputed and identical\n");
        report.decisionsVerified().forEach((kind, n) -> s.append("    ").append(kind).append(": ").append(n).append('\n'));
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
        return node;
    }
}
