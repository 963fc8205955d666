package io.tunelog.cli;

import ch.qos.logback.classic.Level;
import io.tunelog.domain.event.Event;
import io.tunelog.domain.state.ExperimentState;
import io.tunelog.kafka.KafkaClients;
import io.tunelog.kafka.Topics;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.apache.kafka.clients.admin.Admin;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** Publishes an experiment to a running cluster's submissions topic, and optionally follows it to the end. */
@Command(name = "submit", mixinStandardHelpOptions = true, description = {"Submit an experiment to running services.",
        "The Kafka clients' logs go to tunelog.log in the experiment's results directory (--verbose: here too)."})
final class SubmitCommand implements Callable<Integer> {
    @Parameters(index = "0", description = "Experiment spec (YAML or JSON)")
    Path specPath;

    @Mixin
    KafkaOptions kafka;

    @Option(names = "--id", description = "Experiment id (default: name, time and a random suffix)")
    String experimentId;

    @Option(names = "--wait", description = "Follow the experiment to its end, then write results (the options below apply)")
    boolean waitForEnd;

    @Mixin
    FollowOptions follow;

    @Mixin
    ConsoleLogs logs;

    @Spec
    CommandSpec command;

    @Override
    public Integer call() throws Exception {
        SpecFile spec = SpecFile.read(specPath);
        KafkaClients clients = kafka.requiredClients();
        String id = experimentId != null ? experimentId : spec.newExperimentId();
        if (Event.experimentIdProblem(id) != null) {
            throw new Tunelog.UserError(Tunelog.BAD_INPUT, "--id: " + Event.experimentIdProblem(id));
        }
        logs.toFile(follow.root().resolve(id).resolve("tunelog.log"), Level.WARN);
        try (Admin admin = clients.admin()) {
            Topics.ensure(admin, kafka.layout());
        }
        ExperimentFollower.submit(clients, id, spec);
        command.commandLine().getErr().println(spec.searcherLine());
        var out = command.commandLine().getOut();
        if (!waitForEnd) {
            out.println(id);
            return 0;
        }
        command.commandLine().getErr().println("experiment " + id + " submitted");
        ExperimentState state = new ExperimentFollower(clients, command.commandLine().getErr()).follow(id, follow.idleTimeout());
        return follow.finish(state, out, command.commandLine().getErr());
    }
}
