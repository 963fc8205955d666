package io.tunelog.service;

import io.tunelog.domain.decide.Decided;
import io.tunelog.domain.decide.Decisions;
import io.tunelog.domain.event.Event;
import io.tunelog.domain.state.ExperimentState;
import io.tunelog.kafka.KafkaClients;
import io.tunelog.kafka.Topics;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one read → fold → decide → append loop that every service runs. Each pass polls the log (and, for the gate,
 * the command topics), folds log events into per-experiment state, admits commands (the gate), asks the service's
 * decider about every experiment that changed, and writes everything together with the consumed offsets in one
 * Kafka transaction. Its stages, each a class of its own:
 * <ul>
 *   <li>{@link CatchUp}: partitions from assignment until caught up (high watermarks, snapshots);</li>
 *   <li>{@link ExperimentTracker}: the experiments folded from the owned partitions;</li>
 *   <li>{@link GateStage}: admission, leases and dead letters, for the gate only;</li>
 *   <li>{@link LoopTransaction}: begin, send, commit with offsets; fencing as one exception.</li>
 * </ul>
 *
 * <p>Three rules keep decisions reproducible and unrepeated: nothing of a partition is decided or admitted until it
 * has caught up; decisions carry as their basis the offset of the last log event folded, and, for the scheduling
 * service, which decides in the same pass that admits a report (one hop), how many of its own events past that
 * offset it also folded ({@link Tracked}); and a decision is never made twice: the scheduling service folds its own
 * decisions as it writes them, and every other service does not decide for an experiment again while its last
 * decisions are not read back.
 */
public final class DecisionLoop implements Runnable, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(DecisionLoop.class);

    /** How long a vanished instance keeps its partitions before the group gives them to another. */
    static final Duration SESSION_TIMEOUT = Duration.ofSeconds(10);
    private static final Duration POLL = Duration.ofMillis(200);
    private static final Duration CATCH_UP_POLL = Duration.ofMillis(20);
    private static final Duration METRICS_EVERY = Duration.ofSeconds(1);
    /** Rounds of decisions about one experiment in one pass, at most: a decider that never settles is a bug, not a reason to stall. */
    private static final int MAX_ROUNDS = 16;

    private final ServiceLogic logic;
    private final String instance;
    private final Clock clock;
    private final KafkaClients clients;
    private final KafkaConsumer<String, byte[]> consumer;
    private final LoopTransaction txn;
    private final Admin admin;
    private final LoopMetrics metrics;
    private final ExperimentTracker tracker;
    private final CatchUp catchUp;
    /** The gate's stage, for the gate only; made once the topics surely exist. */
    private GateStage gate;
    private Instant metricsAt = Instant.EPOCH;
    /** For each experiment decided in this pass, when the newest event its decision was made on was written. */
    private final List<Instant> decidedOn = new ArrayList<>();
    /** The decided events of this pass with the state they were decided on, for their effects after the commit. */
    private final List<Map.Entry<Event, ExperimentState>> decided = new ArrayList<>();
    private final AtomicBoolean running = new AtomicBoolean(true);

    /**
     * How the loop uses partition snapshots.
     *
     * @param read     whether a new owner starts from the latest snapshot (else it folds the partition from its start)
     * @param interval the least time between two snapshots of a partition
     */
    public record SnapshotPolicy(boolean read, Duration interval) {
        public static final SnapshotPolicy DEFAULT = new SnapshotPolicy(true, Duration.ofSeconds(5));
    }

    /**
     * What the loop has done since it started, for tests, benchmarks and health checks.
     *
     * @param folded           log records folded into experiments' states (rebuilt ones included)
     * @param skipped          log records skipped as belonging to a settled experiment
     * @param rebuilt          settled experiments folded again from their start because something new was logged
     * @param snapshotsRead    log partitions whose catch-up started from a snapshot
     * @param snapshotsWritten snapshots written
     * @param lastCatchUp      from the last assignment to the end of its catch-up (snapshot read included), or null
     */
    public record Counters(long folded, long skipped, long rebuilt, long snapshotsRead, long snapshotsWritten, Duration lastCatchUp) {}

    public DecisionLoop(KafkaClients clients, ServiceLogic logic, String instance, Clock clock) {
        this(clients, logic, instance, clock, SnapshotPolicy.DEFAULT);
    }

    public DecisionLoop(KafkaClients clients, ServiceLogic logic, String instance, Clock clock, SnapshotPolicy snapshotPolicy) {
        this.logic = logic;
        this.instance = instance;
        this.clock = clock;
        this.clients = clients;
        String name = "tunelog-" + logic.service();
        // A static member: an instance restarted under the same id takes its partitions back at once, with no
        // rebalance, and one that never comes back releases them after the session timeout.
        this.consumer = clients.consumer(name + "-" + instance, name, Map.of(
                ConsumerConfig.GROUP_INSTANCE_ID_CONFIG, name + "-" + instance,
                ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, (int) SESSION_TIMEOUT.toMillis()));
        this.admin = clients.admin();
        // Micrometer's global registry: a no-op unless the process added one (the CLI does, to serve /metrics).
        this.metrics = new LoopMetrics(io.micrometer.core.instrument.Metrics.globalRegistry, logic.service(), instance, logic.gatesCommands());
        PartitionSnapshots snapshots = new PartitionSnapshots(clients, logic.service(), instance, snapshotPolicy);
        this.tracker = new ExperimentTracker(logic.service(), logic.writtenAhead(), snapshots, metrics);
        this.txn = new LoopTransaction(clients.producer(name + "-" + instance, name + "-" + instance),
                tracker.writesAhead() ? tracker::written : null);
        this.catchUp = new CatchUp(consumer, admin, snapshots, tracker, logic.gatesCommands());
    }

    /** True once every assigned partition has caught up; for tests and health checks. */
    public boolean isReady() {
        return catchUp.isReady();
    }

    public Counters counters() {
        return new Counters(tracker.folded.get(), tracker.skipped.get(), tracker.rebuilt.get(), catchUp.snapshotsRead.get(),
                catchUp.snapshotsWritten.get(), catchUp.lastCatchUp());
    }

    @Override
    public void run() {
        try {
            txn.init();
            List<String> topics = new ArrayList<>(List.of(Topics.EVENTS));
            if (logic.gatesCommands()) {
                topics.addAll(List.of(Topics.SUBMISSIONS, Topics.REPORTS));
            }
            consumer.subscribe(topics, catchUp);
            if (logic.gatesCommands()) {
                gate = new GateStage(clients, logic, instance, clock.instant(), tracker, catchUp, txn, metrics);
            }
            while (running.get()) {
                pass(consumer.poll(catchUp.pollTimeout(POLL, CATCH_UP_POLL)));
                // Only after folding what this poll returned: the position already counts those records.
                decideCaughtUp(catchUp.update());
                updateMetrics();
            }
        } finally {
            metrics.close();
            // A stopped instance leaves the group (a static member otherwise holds its partitions until the session
            // times out); a killed process does not get here, and its successor under the same id fences it instead.
            consumer.close(CloseOptions.groupMembershipOperation(CloseOptions.GroupMembershipOperation.LEAVE_GROUP));
            txn.close();
            admin.close();
            if (gate != null) {
                gate.close();
            }
        }
    }

    /** One pass over what a poll returned (perhaps nothing: leases and snapshots are due all the same). */
    private void pass(ConsumerRecords<String, byte[]> records) {
        Set<Tracked> dirty = new LinkedHashSet<>();
        for (ConsumerRecord<String, byte[]> record : records.records(Topics.EVENTS)) {
            Tracked t = tracker.fold(record, catchUp.isCatchingUp(record.partition()), (r, why) -> {
                // One letter per record, not one per service: the gate's service sets it aside; the audit fails on it too.
                if (gate != null) {
                    gate.deadLetter(r, why);
                }
            });
            if (t != null) {
                dirty.add(t);
            }
        }
        Instant now = clock.instant();
        if (gate != null) {
            for (String topic : List.of(Topics.SUBMISSIONS, Topics.REPORTS)) {
                for (ConsumerRecord<String, byte[]> record : records.records(topic)) {
                    gate.admit(record, now, dirty::add);
                }
            }
            gate.expireLeases(now, dirty::add);
        }
        for (Tracked t : dirty) {
            if (maySpeakFor(t)) {
                decide(t);
            }
        }
        if (gate != null) {
            gate.answerHeld();
            Map<Integer, Long> reports = new HashMap<>();
            records.partitions().stream().filter(tp -> tp.topic().equals(Topics.REPORTS))
                    .forEach(tp -> reports.put(tp.partition(), consumer.position(tp)));
            gate.reportsTaken(reports);
        }
        // Idle passes too: the last experiments to settle should not wait for the next record to be snapshotted.
        catchUp.dueSnapshots(now).forEach(txn::send);
        // Every transaction that writes carries the offsets this poll consumed: the command topics' so that no command
        // is admitted twice, and with them the consumer's group generation (see LoopTransaction#commit). A pass that
        // writes nothing opens no transaction and commits nothing: a log partition's committed offset is never read
        // (an owner always seeks it), and one transaction per poll, offsets only, was most of a catch-up's time and,
        // in the load tests, a coordinator round trip on every pass of every service.
        boolean commands = records.partitions().stream().anyMatch(tp -> !tp.topic().equals(Topics.EVENTS));
        if (commands || (txn.isOpen() && !records.isEmpty())) {
            Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
            for (TopicPartition tp : records.partitions()) {
                offsets.put(tp, new OffsetAndMetadata(consumer.position(tp)));
            }
            txn.commit(offsets, consumer.groupMetadata());
        } else {
            txn.commit();
        }
        afterCommit();
    }

    /**
     * Whether the loop may decide for an experiment now: its partition has caught up, and either the loop folds what
     * it writes as it writes it (then it decides once anything of the experiment has been read from the log, so that
     * its decisions have a basis) or its last decisions about it have come back.
     */
    private boolean maySpeakFor(Tracked t) {
        if (catchUp.isCatchingUp(t.partition)) {
            return false;
        }
        return tracker.writesAhead() ? t.basis() != null : t.unechoed.isEmpty();
    }

    /** Decides for everything folded in partitions that have just caught up. */
    private void decideCaughtUp(List<Integer> caughtUp) {
        if (caughtUp.isEmpty()) {
            return;
        }
        for (int partition : caughtUp) {
            tracker.caughtUp(partition);
            for (Tracked t : tracker.experiments(partition)) {
                if (maySpeakFor(t)) {
                    decide(t);
                }
            }
        }
        catchUp.dueSnapshots(clock.instant()).forEach(txn::send);
        txn.commit();
        afterCommit();
    }

    /**
     * Asks the decider about an experiment and writes what it decides. A loop that folds what it writes asks again
     * until the decider has nothing more (a stop, then the queuing of the next attempt), each round one group of
     * decisions whose basis counts the rounds before it; deciders return only what the state lacks, so that ends.
     */
    private void decide(Tracked t) {
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
    private void afterCommit() {
        decided.forEach(d -> logic.afterCommit(d.getKey(), d.getValue()));
        metrics.decisions.increment(decided.size());
        decided.clear();
        Instant now = clock.instant();
        decidedOn.forEach(on -> metrics.decisionLatency.record(Duration.between(on, now)));
        decidedOn.clear();
    }

    /**
     * The consumer's lag, trials by status and live workers, once a second: a scrape comes far less often, and
     * counting trials walks every one of them, so none of it belongs on every poll.
     */
    private void updateMetrics() {
        Instant now = clock.instant();
        if (Duration.between(metricsAt, now).compareTo(METRICS_EVERY) < 0) {
            return;
        }
        metricsAt = now;
        long lag = 0;
        for (TopicPartition tp : consumer.assignment()) {
            lag += consumer.currentLag(tp).orElse(0);
        }
        metrics.lag(lag);
        metrics.trials(tracker.states());
        if (gate != null) {
            metrics.workers(gate.liveWorkers(now));
        }
    }

    /**
     * Stops the loop after its current pass, so that the pass's transaction commits: a wakeup could interrupt a
     * pass between its writes and its commit and leave the transaction open, stalling every read_committed
     * reader of those partitions until it timed out. A pass waits at most one 200 ms poll.
     */
    @Override
    public void close() {
        running.set(false);
    }
}
