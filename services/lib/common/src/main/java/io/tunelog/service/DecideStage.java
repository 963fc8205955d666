package io.tunelog.service;

import io.tunelog.domain.decide.Decided;
import io.tunelog.domain.decide.Decisions;
import io.tunelog.domain.event.Event;
import io.tunelog.domain.state.ExperimentState;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Asks the service's decider about an experiment and writes what it decides into the pass's transaction, with its
 * side outputs; after the commit, runs the decisions' effects outside Kafka and records their metrics.
 *
 * <p>A loop that folds what it writes (the scheduling service) decides once anything of the experiment has been read
 * from the log, so that its decisions have a basis, and asks again until the decider has nothing more (a stop, then
 * the queuing of the next attempt): each round is one group of decisions whose {@code basisAhead} counts what it
 * wrote before. Any other loop decides only when its last decisions about the experiment have come back.
 */
final class DecideStage {
    private static final Logger LOG = LoggerFactory.getLogger(DecideStage.class);
    /** Rounds of decisions about one experiment in one pass, at most: a decider that never settles is a bug, not a reason to stall. */
    private static final int MAX_ROUNDS = 16;

    private final ServiceLogic logic;
    private final String instance;
    private final Clock clock;
    private final ExperimentTracker tracker;
    private final CatchUp catchUp;
    private final LoopTransaction txn;
    private final LoopMetrics metrics;
    /** The decided events of this pass with the state they were decided on, for their effects after the commit. */
    private final List<Map.Entry<Event, ExperimentState>> decided = new ArrayList<>();
    /** For each experiment decided in this pass, when the newest event its decision was made on was written. */
    private final List<Instant> decidedOn = new ArrayList<>();

    DecideStage(ServiceLogic logic, String instance, Clock clock, ExperimentTracker tracker, CatchUp catchUp, LoopTransaction txn,
                LoopMetrics metrics) {
        this.logic = logic;
        this.instance = instance;
        this.clock = clock;
        this.tracker = tracker;
        this.catchUp = catchUp;
        this.txn = txn;
        this.metrics = metrics;
    }

    /** Decides for the experiment if the loop may speak for it now (its partition has caught up; see above). */
    void decide(Tracked t) {
        if (catchUp.isCatchingUp(t.partition) || (tracker.writesAhead() ? t.basis() == null : !t.unechoed.isEmpty())) {
            return;
        }
        for (int round = 0; round < MAX_ROUNDS; round++) {
            if (!decideOnce(t) || !tracker.writesAhead()) {
                return;
            }
        }
        LOG.warn("{}: experiment {} still had decisions after {} rounds in one pass; the rest waits for its next event",
                logic.service(), t.experimentId(), MAX_ROUNDS);
    }

    /** One round of {@link #decide}; whether it decided anything. */
    private boolean decideOnce(Tracked t) {
        List<Decided> decisions;
        PartitionLedger ledger = tracker.partition(t.partition).ledger;
        try {
            decisions = logic.decider().decide(t.state);
        } catch (RuntimeException e) {
            // One experiment's state must not stop every other experiment of the partition: this one
            // waits (it is retried on its next event) and the error is reported.
            LOG.error("{}: cannot decide for experiment {} at offset {}", logic.service(), t.experimentId(), t.state.lastOffset(), e);
            ledger.decided(t.experimentId(), t.state.status(), false, t.unechoed.isEmpty());
            return false;
        }
        ledger.decided(t.experimentId(), t.state.status(), decisions.isEmpty(), t.unechoed.isEmpty());
        if (decisions.isEmpty()) {
            return false;
        }
        Integer ahead = tracker.writesAhead() ? t.unechoed.size() : null;
        List<Event> events = Decisions.toEvents(t.state, logic.service(), instance, decisions, clock.instant(), t.basis(), ahead);
        if (t.lastFoldedAt != null) {
            decidedOn.add(t.lastFoldedAt);
        }
        for (Event e : events) {
            txn.append(t, e);
            for (ProducerRecord<String, byte[]> side : logic.sideOutputs(e, t.state)) {
                txn.send(side);
            }
            if (tracker.writesAhead()) {
                t.wroteAhead(e);
            } else {
                t.wrote(e);
            }
            decided.add(Map.entry(e, t.state));
        }
        return true;
    }

    /** Effects outside Kafka of what the pass committed, and its metrics. */
    void afterCommit() {
        decided.forEach(d -> logic.afterCommit(d.getKey(), d.getValue()));
        metrics.decisions.increment(decided.size());
        decided.clear();
        Instant now = clock.instant();
        decidedOn.forEach(on -> metrics.decisionLatency.record(Duration.between(on, now)));
        decidedOn.clear();
    }
}
