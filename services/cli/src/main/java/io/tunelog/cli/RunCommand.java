package io.tunelog.cli;

import ch.qos.logback.classic.Level;
import io.tunelog.domain.spec.SpecException;
import io.tunelog.domain.state.ExperimentState;
import io.tunelog.kafka.KafkaClients;
import io.tunelog.kafka.broker.LocalBroker;
import io.tunelog.platform.Platform;
import io.tunelog.replay.ExperimentLog;
import io.tunelog.worker.GpuDetection;
import java.nio.file.Path;
import java.util.List;
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
        description = {"Run an experiment to the end with local services and workers (an embedded Kafka broker unless one is given).",
                "The logs of Kafka and the services go to tunelog.log in the experiment's results directory (--verbose: here too)."})
final class RunCommand implements Callable<Integer> {
    @Parameters(index = "0", description = "Experiment spec (YAML or JSON)")
    Path specPath;

    @Mixin
    KafkaOptions kafka;

    @Option(names = "--workers", description = "Local worker agents, each running one trial at a time (default: the spec's "
            + "budget.concurrent; fewer when the GPUs do not go round)")
    Integer workers;

    @Option(names = "--gpus", paramLabel = "IDS",
            description = "This machine's GPUs for the workers, shared out trial.resources.gpus to each, no device to two "
                    + "(default: as tunelog worker finds them: CUDA_VISIBLE_DEVICES, Slurm's, nvidia-smi -L, else none)")
    String gpus;

    @Mixin
    FollowOptions follow;

    @Mixin
    ConsoleLogs logs;

    @Spec
    CommandSpec command;

    @Override
    public Integer call() throws Exception {
        SpecFile spec = SpecFile.read(specPath);
        if (spec.spec().trial().askAndTell()) {
            // Its trials wait for HTTP clients of a gateway, and run starts none: it would wait until its idle timeout.
            throw new Tunelog.UserError(Tunelog.BAD_INPUT, specPath + ": trial.askAndTell: an ask-and-tell experiment is"
                    + " evaluated by HTTP clients of a gateway, which tunelog run does not start; run tunelog services and"
                    + " tunelog gateway, then tunelog submit");
        }
        // A population (PBT) or a bracket only works as designed with its trials side by side.
        int workers = this.workers == null ? spec.spec().budget().concurrent() : this.workers;
        if (workers < 1) {
            throw new Tunelog.UserError(Tunelog.BAD_INPUT, "--workers must be at least 1, got " + workers);
        }
        GpuDetection.Found found = WorkerCommand.devices(gpus);
        LocalWorkers local;
        try {
            local = LocalWorkers.plan(spec.spec().trial().resources(), workers, found.devices(), found.source());
        } catch (SpecException e) {
            // A trial these workers could never run would wait for ever: refused, like a spec that does not validate.
            throw new Tunelog.UserError(Tunelog.BAD_INPUT, "invalid spec " + specPath + " at " + e.getMessage());
        }
        String experimentId = spec.newExperimentId();
        Path root = follow.root();
        Path resultsDir = root.resolve(experimentId);
        var err = command.commandLine().getErr();
        // Warnings only from Tunelog's own loggers: the progress line is the console's.
        Path logFile = resultsDir.resolve("tunelog.log");
        logs.toFile(logFile, Level.WARN);
        err.println("log in " + logFile);
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
                    .startServices(Platform.SERVICES, "run-" + UUID.randomUUID().toString().substring(0, 8),
                            ServicesCommand.checkpointStores(List.of(root)));
            for (int i = 0; i < local.count(); i++) {
                platform.startWorker(Platform.workerSettings("local-worker-" + i, local.cpus(), root, root).withGpus(local.devices().get(i)));
            }
            platform.awaitServicesReady(60_000);
            ExperimentFollower.submit(clients, experimentId, spec);
            err.println("experiment " + experimentId + " submitted; results in " + resultsDir);
            err.println(spec.searcherLine());
            state = new ExperimentFollower(clients, err).follow(experimentId, follow.idleTimeout());
            // The embedded broker's data stays on disk, but an archive is what `audit --from` and `export --from` read
            // without a broker: the run's log, kept beside its results.
            Path archive = resultsDir.resolve("log.avro");
            ExperimentLog.fromKafka(clients, experimentId).writeAvro(archive);
            err.println("log archived to " + archive + " (tunelog audit " + experimentId + " --from " + archive + ")");
        } finally {
            if (broker != null) {
                broker.close();
            }
        }
        return follow.finish(state, command.commandLine().getOut(), command.commandLine().getErr());
    }
}
