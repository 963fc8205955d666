package io.tunelog.service;

import io.tunelog.domain.decide.Decider;
import io.tunelog.domain.event.Event;
import io.tunelog.domain.state.ExperimentState;
import java.util.List;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * What makes one service different from another: its decider and what it emits beside the log.
 * Everything else (consuming, folding, catching up, transactions) is {@link DecisionLoop}'s.
 */
public interface ServiceLogic {

    Decider decider();

    default String service() {
        return decider().service();
    }

    /** Whether this service is the gate that turns commands into events (exactly one service is). */
    default boolean gatesCommands() {
        return false;
    }

    /**
     * Checks a gate applies to a submitted spec beyond the parser's, for rules that live in other
     * services (the searchers' options); throws {@link io.tunelog.domain.spec.SpecException} naming the field.
     */
    default void checkSubmittedSpec(io.tunelog.domain.spec.ExperimentSpec spec) {}

    /** Records to produce in the same transaction as a decided event (assignments, control messages). */
    default List<ProducerRecord<String, byte[]>> sideOutputs(Event decided, ExperimentState state) {
        return List.of();
    }

    /** An effect outside Kafka, run once a decided event is committed (deleting files, for example). */
    default void afterCommit(Event decided, ExperimentState state) {}
}
