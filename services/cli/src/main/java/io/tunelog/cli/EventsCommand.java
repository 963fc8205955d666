package io.tunelog.cli;

import io.tunelog.log.LogReader;
import io.tunelog.results.Json;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** Dumps one experiment's log as JSON lines, in log order. */
@Command(name = "events", mixinStandardHelpOptions = true, description = "Print an experiment's events as JSON lines, in log order.")
final class EventsCommand implements Callable<Integer> {
    @Parameters(index = "0", description = "Experiment id")
    String experimentId;

    @Mixin
    KafkaOptions kafka;

    @Spec
    CommandSpec command;

    @Override
    public Integer call() throws Exception {
        var out = command.commandLine().getOut();
        int[] count = {0};
        try (LogReader reader = new LogReader(kafka.requiredClients(), experimentId)) {
            reader.readToEnd(logged -> {
                count[0]++;
                try {
                    out.println(Json.MAPPER.writeValueAsString(Json.event(logged)));
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
        }
        out.flush();
        if (count[0] == 0) {
            throw new Tunelog.UserError(1, "no events for experiment " + experimentId);
        }
        return 0;
    }
}
