package io.tunelog.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tunelog.domain.state.ExperimentState;
import io.tunelog.replay.ExperimentLog;
import io.tunelog.replay.Replay;
import io.tunelog.results.Json;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** Time travel: the experiment as it stood at a log position or a moment. */
@Command(name = "state", mixinStandardHelpOptions = true, description = "Show an experiment as it stood at a log position or time.")
final class StateCommand implements Callable<Integer> {
    @Parameters(index = "0", description = "Experiment id")
    String experimentId;

    @Mixin
    LogSourceOptions source;

    @Option(names = "--at", required = true, description = "A log offset (e.g. 120) or an ISO-8601 time (e.g. 2026-11-28T17:06:31Z)")
    String at;

    @Spec
    CommandSpec command;

    @Override
    public Integer call() throws Exception {
        Instant time = null;
        if (!at.matches("\\d+")) {
            try {
                time = Instant.parse(at);
            } catch (DateTimeParseException e) {
                throw new Tunelog.UserError(Tunelog.BAD_INPUT, "--at: expected a log offset or an ISO-8601 time such as 2026-11-28T17:06:31Z, got " + at);
            }
        }
        ExperimentLog log = source.load(experimentId);
        ExperimentState state = time == null ? Replay.stateAtOffset(log, Long.parseLong(at)) : Replay.stateAtTime(log, time);
        ObjectNode node = Json.summary(state, null);
        node.remove("resultsDir");
        node.put("at", at);
        node.put("lastOffset", state.lastOffset());
        node.put("lastEventTime", state.lastTimestamp() == null ? null : state.lastTimestamp().toString());
        ArrayNode trials = node.putArray("trialList");
        state.trials().forEach(t -> {
            ObjectNode row = trials.addObject();
            row.put("trialId", t.trialId());
            row.put("status", t.status().name());
            row.put("attempt", t.attempt());
            row.put("reports", t.reports().size());
            if (state.spec() != null) {
                Json.putMetrics(row, t, state.spec());
            }
            row.set("config", Json.MAPPER.valueToTree(new TreeMap<>(t.config())));
        });
        command.commandLine().getOut().println(Json.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(node));
        return 0;
    }
}
