package io.tunelog.cli;

import io.tunelog.domain.state.ExperimentState;
import io.tunelog.domain.state.ExperimentStatus;
import io.tunelog.kafka.KafkaClients;
import io.tunelog.kafka.broker.LocalBroker;
import io.tunelog.results.Json;
import io.tunelog.results.ResultsWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** Runs one experiment to its end: services and workers in this process, on a given cluster or an embedded broker. */
@Command(name = "run", mixinStandardHelpOptions = true,
        description = "Run an experiment to the end with local services and workers (an embedded Kafka broker unless one is given).")
final class RunCommand implements Callable<Integer> {
    @Parameters(index = "0", description = "Experiment spec (YAML or JSON)")
    Path specPath;

    @Mixin
    KafkaOptions kafka;

    @Option(names = "--workers", defaultValue = "2", description = "Local worker agents, one slot each (default: ${DEFAULT-VALUE})")
    int workers;

    @Option(names = "--results-dir", description = "Where experiment directories go (default: ~/tunelog_results)")
    Path resultsRoot;

    @Option(names = "--json", description = "Print one JSON summary at the end instead of text")
    boolean json;

    @Option(names = "--idle-timeout", defaultValue = "300", description = "Give up after this many seconds without a new event (default: ${DEFAULT-VALUE})")
    long idleTimeoutSeconds;

    @Spec
    CommandSpec command;

    @Override
    public Integer call() throws Exception {
        SpecFile spec = SpecFile.read(specPath);
        if (workers < 1) {
            throw new Tunelog.UserError(Tunelog.BAD_INPUT, "--workers must be at least 1, got " + workers);
        }
        String experimentId = spec.newExperimentId();
        Path root = resultsRoot != null ? resultsRoot : Path.of(System.getProperty("user.home"), "tunelog_results");
        Path resultsDir = root.resolve(experimentId).toAbsolutePath();
        var err = command.commandLine().getErr();
        LocalBroker broker = null;
        String bootstrap = kafka.bootstrapOrNull();
        if (bootstrap == null) {
            Path data = resultsDir.resolve("kafka-data");
            broker = LocalBroker.start(data, 0);
            bootstrap = broker.bootstrapServers();
            err.println("embedded Kafka broker at " + bootstrap + ", log data in " + data);
        }
        KafkaClients clients = kafka.clients(bootstrap);
        ExperimentState state;
        try (Platform platform = new Platform(clients)) {
            platform.ensureTopics(kafka.layout())
                    .startServices(Platform.SERVICES.keySet(), "run-" + UUID.randomUUID().toString().substring(0, 8));
            for (int i = 0; i < workers; i++) {
                platform.startWorker(Platform.workerSettings("local-worker-" + i, 1, root, root));
            }
            platform.awaitServicesReady(60_000);
            ExperimentFollower.submit(clients, experimentId, spec);
            err.println("experiment " + experimentId + " submitted; results in " + resultsDir);
            state = new ExperimentFollower(clients, err).follow(experimentId, Duration.ofSeconds(idleTimeoutSeconds));
        } finally {
            if (broker != null) {
                broker.close();
            }
        }
        ResultsWriter.write(state, resultsDir);
        printOutcome(state, resultsDir);
        return state.status() == ExperimentStatus.COMPLETED ? 0 : 1;
    }

    private void printOutcome(ExperimentState state, Path resultsDir) throws Exception {
        var out = command.commandLine().getOut();
        if (json) {
            out.println(Json.MAPPER.writeValueAsString(Json.summary(state, resultsDir)));
        } else {
            out.println(Outcome.text(state, resultsDir));
        }
        out.flush();
    }
}
