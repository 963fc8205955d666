package io.tunelog.cli;

import io.tunelog.domain.state.ExperimentState;
import io.tunelog.domain.state.ExperimentStatus;
import io.tunelog.kafka.KafkaClients;
import io.tunelog.kafka.Topics;
import io.tunelog.results.Json;
import io.tunelog.results.ResultsWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import org.apache.kafka.clients.admin.Admin;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** Publishes an experiment to a running cluster's submissions topic, and optionally follows it to the end. */
@Command(name = "submit", mixinStandardHelpOptions = true, description = "Submit an experiment to running services.")
final class SubmitCommand implements Callable<Integer> {
    @Parameters(index = "0", description = "Experiment spec (YAML or JSON)")
    Path specPath;

    @Mixin
    KafkaOptions kafka;

    @Option(names = "--id", description = "Experiment id (default: name, time and a random suffix)")
    String experimentId;

    @Option(names = "--wait", description = "Follow the experiment to its end, then write results")
    boolean waitForEnd;

    @Option(names = "--results-dir", description = "With --wait: where experiment directories go (default: ~/tunelog_results)")
    Path resultsRoot;

    @Option(names = "--json", description = "With --wait: print one JSON summary at the end")
    boolean json;

    @Option(names = "--idle-timeout", defaultValue = "300", description = "With --wait: give up after this many seconds without a new event")
    long idleTimeoutSeconds;

    @Spec
    CommandSpec command;

    @Override
    public Integer call() throws Exception {
        SpecFile spec = SpecFile.read(specPath);
        KafkaClients clients = kafka.requiredClients();
        String id = experimentId != null ? experimentId : spec.newExperimentId();
        try (Admin admin = clients.admin()) {
            Topics.ensure(admin, kafka.layout());
        }
        ExperimentFollower.submit(clients, id, spec);
        var out = command.commandLine().getOut();
        if (!waitForEnd) {
            out.println(id);
            return 0;
        }
        command.commandLine().getErr().println("experiment " + id + " submitted");
        ExperimentState state = new ExperimentFollower(clients, command.commandLine().getErr()).follow(id, Duration.ofSeconds(idleTimeoutSeconds));
        Path root = resultsRoot != null ? resultsRoot : Path.of(System.getProperty("user.home"), "tunelog_results");
        Path dir = root.resolve(id);
        ResultsWriter.write(state, dir);
        out.println(json ? Json.MAPPER.writeValueAsString(Json.summary(state, dir)) : Outcome.text(state, dir));
        return state.status() == ExperimentStatus.COMPLETED ? 0 : 1;
    }
}
