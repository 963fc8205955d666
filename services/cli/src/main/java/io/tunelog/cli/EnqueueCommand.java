package io.tunelog.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.tunelog.avro.EnqueueTrial;
import io.tunelog.domain.event.Event;
import io.tunelog.domain.event.EventPayload;
import io.tunelog.domain.spec.ConfigCheck;
import io.tunelog.domain.spec.SpecException;
import io.tunelog.domain.state.Admission;
import io.tunelog.domain.state.ExperimentState;
import io.tunelog.kafka.KafkaClients;
import io.tunelog.kafka.Topics;
import io.tunelog.log.LogReader;
import java.io.IOException;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.apache.kafka.clients.producer.RecordMetadata;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * Asks the gate to evaluate one configuration next in a running experiment (Optuna's enqueue_trial): it becomes a trial
 * before the searcher's next suggestion and takes one of budget.trials. Follows the log until the gate logged it, unless
 * told not to wait.
 */
@Command(name = "enqueue", mixinStandardHelpOptions = true,
        description = "Evaluate a configuration next in a running experiment (it takes one trial of budget.trials).")
final class EnqueueCommand implements Callable<Integer> {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Parameters(index = "0", description = "Experiment id")
    String experimentId;

    @Parameters(index = "1", description = "The configuration as a JSON object, e.g. '{\"lr\": 0.01, \"depth\": 4}'")
    String configJson;

    @Mixin
    KafkaOptions kafka;

    @Option(names = "--no-wait", description = "Return once the broker has the command, without waiting for the gate")
    boolean noWait;

    @Option(names = "--timeout", defaultValue = "60", description = "Seconds to wait for the gate (default: ${DEFAULT-VALUE})")
    long timeoutSeconds;

    @Spec
    CommandSpec command;

    @Override
    public Integer call() {
        Map<String, Object> config = config(configJson);
        KafkaClients clients = kafka.requiredClients();
        ExperimentState state = new ExperimentState(experimentId);
        try (LogReader reader = new LogReader(clients, experimentId)) {
            reader.readToEnd(state::apply);
            String requestedBy = System.getProperty("user.name");
            if (state.spec() != null) {
                try {
                    config = ConfigCheck.check(state.spec().searchSpace(), config, "config");
                } catch (SpecException e) {
                    throw new Tunelog.UserError(Tunelog.BAD_INPUT, e.getMessage());
                }
            }
            // The gate's own rules and words: sending what it would refuse would only leave a rejection behind.
            Admission.refusal(state, null, new EventPayload.TrialEnqueued(config, requestedBy))
                    .or(() -> state.spec() == null ? Optional.empty() : Admission.enqueueRoomRefusal(state)).ifPresent(refusal -> {
                throw new Tunelog.UserError(Tunelog.BAD_INPUT, refusal);
            });
            RecordMetadata sent = ExperimentFollower.send(clients, experimentId, new EnqueueTrial(experimentId, config, requestedBy));
            if (noWait) {
                command.commandLine().getOut().println("configuration for " + experimentId + " sent");
                return 0;
            }
            String eventId = Event.id(experimentId, "enqueued/" + sent.partition() + "-" + sent.offset());
            boolean done = reader.follow(state::apply, rejection -> {
                if (rejection.getTopic().equals(Topics.SUBMISSIONS) && rejection.getPartition() == sent.partition()
                        && rejection.getOffset() == sent.offset()) {
                    throw new Tunelog.UserError(1, "configuration for " + experimentId + " rejected: " + rejection.getReason());
                }
            }, logged -> logged.event().eventId().equals(eventId), Duration.ofSeconds(timeoutSeconds));
            if (!done) {
                throw new Tunelog.UserError(1, "the gate did not answer within " + timeoutSeconds + " s; is a scheduler running?");
            }
        }
        command.commandLine().getOut().println("configuration enqueued in " + experimentId + " (" + state.enqueued().size()
                + " enqueued, " + state.enqueuedTaken() + " of them trials so far)");
        return 0;
    }

    /** The configuration argument: a JSON object of scalars, refused in one line naming the field. */
    static Map<String, Object> config(String json) {
        try {
            return ConfigCheck.fromJson(JSON.readTree(json), "config");
        } catch (IOException e) {
            throw new Tunelog.UserError(Tunelog.BAD_INPUT, "config: expected a JSON object, found text that is not JSON");
        } catch (SpecException e) {
            throw new Tunelog.UserError(Tunelog.BAD_INPUT, e.getMessage());
        }
    }
}
