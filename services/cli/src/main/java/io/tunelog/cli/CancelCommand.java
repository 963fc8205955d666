package io.tunelog.cli;

import io.tunelog.avro.CancelExperiment;
import io.tunelog.domain.event.EventPayload;
import io.tunelog.domain.state.Admission;
import io.tunelog.domain.state.ExperimentState;
import io.tunelog.domain.state.ExperimentStatus;
import io.tunelog.domain.state.TrialStatus;
import io.tunelog.kafka.KafkaClients;
import io.tunelog.kafka.Topics;
import io.tunelog.log.LogReader;
import java.time.Duration;
import java.util.concurrent.Callable;
import org.apache.kafka.clients.producer.RecordMetadata;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * Asks the gate to cancel a running experiment and, unless told not to wait, follows the log until the
 * cancellation is in it (or the gate refused it).
 */
@Command(name = "cancel", mixinStandardHelpOptions = true, description = "Cancel a running experiment: its open trials end, running ones are stopped.")
final class CancelCommand implements Callable<Integer> {
    @Parameters(index = "0", description = "Experiment id")
    String experimentId;

    @Mixin
    KafkaOptions kafka;

    @Option(names = "--reason", defaultValue = "", description = "Why, for the log and its auditors")
    String reason;

    @Option(names = "--no-wait", description = "Return once the broker has the command, without waiting for the gate")
    boolean noWait;

    @Option(names = "--timeout", defaultValue = "60", description = "Seconds to wait for the gate (default: ${DEFAULT-VALUE})")
    long timeoutSeconds;

    @Spec
    CommandSpec command;

    @Override
    public Integer call() {
        KafkaClients clients = kafka.requiredClients();
        ExperimentState state = new ExperimentState(experimentId);
        try (LogReader reader = new LogReader(clients, experimentId)) {
            reader.readToEnd(state::apply);
            String requestedBy = System.getProperty("user.name");
            // The gate's own rule and words: sending what it would refuse would only leave a rejection behind.
            Admission.refusal(state, null, new EventPayload.ExperimentCancelled(reason, requestedBy)).ifPresent(refusal -> {
                throw new Tunelog.UserError(Tunelog.BAD_INPUT, refusal);
            });
            RecordMetadata sent = ExperimentFollower.send(clients, experimentId, new CancelExperiment(experimentId, reason, requestedBy));
            if (noWait) {
                command.commandLine().getOut().println("cancellation of " + experimentId + " sent");
                return 0;
            }
            boolean done = reader.follow(state::apply, rejection -> {
                if (rejection.getTopic().equals(Topics.SUBMISSIONS) && rejection.getPartition() == sent.partition()
                        && rejection.getOffset() == sent.offset()) {
                    throw new Tunelog.UserError(1, "cancellation of " + experimentId + " rejected: " + rejection.getReason());
                }
            }, logged -> state.status().isFinished(), Duration.ofSeconds(timeoutSeconds));
            if (!done) {
                throw new Tunelog.UserError(1, "the gate did not answer the cancellation of " + experimentId + " within "
                        + timeoutSeconds + " s; is a scheduler running?");
            }
        }
        if (state.status() != ExperimentStatus.CANCELLED) {
            throw new Tunelog.UserError(1, "experiment " + experimentId + " ended " + state.status() + " before the cancellation");
        }
        long cancelled = state.trials().stream().filter(t -> t.status() == TrialStatus.CANCELLED).count();
        command.commandLine().getOut().println("experiment " + experimentId + " cancelled: " + cancelled + " open trial(s) cancelled, "
                + state.trials().stream().filter(t -> t.status() == TrialStatus.COMPLETED).count() + " had completed");
        return 0;
    }
}
