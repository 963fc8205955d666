package io.tunelog.service;

import io.tunelog.domain.decide.Decider;
import io.tunelog.domain.event.Event;
import io.tunelog.domain.state.ExperimentState;
import java.util.List;
import java.util.Set;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * What makes one service different from another: its decider and what it emits beside the log.
 * Everything else (consuming, folding, catching up, transactions) is {@link DecisionLoop}'s.
 */
public interface ServiceLogic {

    /** The source written on the events the gate admits: commands turned into events (see {@link #gatesCommands}). */
    String GATE_SOURCE = "gate";

    Decider decider();

    default String service() {
        return decider().service();
    }

    /** Whether this service is the gate that turns commands into events (exactly one service is). */
    default boolean gatesCommands() {
        return false;
    }

    /**
     * The sources of the events this service's loop folds as it writes them, deciding on them at once rather than
     * when they come back from the log: the gate's and its own decisions, for the service that is the gate (one
     * transactional hop from a worker's report to the decision on it); none for any other.
     */
    default Set<String> writtenAhead() {
        return gatesCommands() ? Set.of(GATE_SOURCE, service()) : Set.of();
    }

    /**
     * Checks a gate applies to a submitted spec beyond the parser's, for rules that live in other
     * services (the searchers' options); throws {@link io.tunelog.domain.spec.SpecException} naming the field.
     */
    default void checkSubmittedSpec(io.tunelog.domain.spec.ExperimentSpec spec) {}

    /**
     * For the gate's service: the time of a running trial's next report its rule will judge, where the worker holds
     * the trial until the decision arrives; null never to hold it.
     */
    default Double nextMilestone(ExperimentState state, String trialId) {
        return null;
    }

    /** Records to produce in the same transaction as a decided event (assignments, control messages). */
    default List<ProducerRecord<String, byte[]>> sideOutputs(Event decided, ExperimentState state) {
        return List.of();
    }

    /** An effect outside Kafka, run once a decided event is committed (deleting files, for example). */
    default void afterCommit(Event decided, ExperimentState state) {}
}
