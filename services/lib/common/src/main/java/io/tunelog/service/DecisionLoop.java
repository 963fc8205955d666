package io.tunelog.service;

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
import org.apache.kafka.common.TopicPartition;

/**
 * The one read → fold → decide → append loop that every service runs. Each pass polls the log (and, for the gate,
 * the command topics), folds log events into per-experiment state, admits commands (the gate), asks the service's
 * decider about every experiment that changed, and writes everything together with the consumed offsets in one
 * Kafka transaction. Its stages, each a class of its own:
 * <ul>
 *   <li>{@link CatchUp}: partitions from assignment until caught up (high watermarks, snapshots);</li>
 *   <li>{@link ExperimentTracker}: the experiments folded from the owned partitions;</li>
 *   <li>{@link GateStage}: admission, leases and dead letters, for the gate only;</li>
 *   <li>{@link DecideStage}: asking the decider and writing what it decides;</li>
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
    /** How long a vanished instance keeps its partitions before the group gives them to another. */
    static final Duration SESSION_TIMEOUT = Duration.ofSeconds(10);
    private static final Duration POLL = Duration.ofMillis(200);
    private static final Duration CATCH_UP_POLL = Duration.ofMillis(20);
    private static final Duration METRICS_EVERY = Duration.ofSeconds(1);

    private final ServiceLogic logic;
    private final String instance;
    private final Clock clock;
    private final KafkaClients clients;
    private final ServiceSigning signing;
    private final KafkaConsumer<String, byte[]> consumer;
    private final LoopTransaction txn;
    private final Admin admin;
    private final LoopMetrics metrics;
    private final ExperimentTracker tracker;
    private final CatchUp catchUp;
    /** The gate's stage, for the gate only; made once the topics surely exist. */
    private GateStage gate;
    private final DecideStage deciding;
    private Instant metricsAt = Instant.EPOCH;
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
        this(clients, logic, instance, clock, snapshotPolicy, ServiceSigning.OFF);
    }

    /** @param signing what it signs, and whether its gate admits only signed reports (docs/SIGNING.md) */
    public DecisionLoop(KafkaClients clients, ServiceLogic logic, String instance, Clock clock, SnapshotPolicy snapshotPolicy,
                        ServiceSigning signing) {
        this.signing = signing;
        this.logic = logic;
        this.instance = instance;
        this.clock = clock;
        this.clients = clients;
        String name = "tunelog-" + logic.service();
        // A static member: an instance restarted under the same id takes its partitions back at once, with no
        // rebalance, and one that never comes back releases them after the session timeout.
        this.consumer = clients.consumer(name + "-" + instance, name, Map.of(
                ConsumerConfig.GROUP_INSTANCE_ID_CONFIG, name + "-" + instance,
                ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, (int) SESSION_TIMEOUT.toMillis(),
                ConsumerConfig.MAX_POLL_RECORDS_CONFIG, KafkaClients.RECORDS_PER_PASS));
        this.admin = clients.admin();
        // Micrometer's global registry: a no-op unless the process added one (the CLI does, to serve /metrics).
        this.metrics = new LoopMetrics(io.micrometer.core.instrument.Metrics.globalRegistry, logic.service(), logic.gatesCommands());
        PartitionSnapshots snapshots = new PartitionSnapshots(clients, logic.service(), instance, snapshotPolicy);
        this.tracker = new ExperimentTracker(logic.service(), logic.writtenAhead(), snapshots, metrics);
        this.txn = new LoopTransaction(clients.producer(name + "-" + instance, name + "-" + instance),
                tracker.writesAhead() ? tracker::written : null, signing.signer());
        this.catchUp = new CatchUp(consumer, admin, snapshots, tracker, logic.gatesCommands());
        this.deciding = new DecideStage(logic, instance, clock, tracker, catchUp, txn, metrics);
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
                gate = new GateStage(clients, logic, instance, clock.instant(), tracker, catchUp, txn, metrics, signing.requireSignedReports());
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
            gate.watchWorkers(now, dirty::add);
            gate.observeTime(now, dirty::add);
        }
        dirty.forEach(deciding::decide);
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
        deciding.afterCommit();
    }

    /** Decides for everything folded in partitions that have just caught up. */
    private void decideCaughtUp(List<Integer> caughtUp) {
        if (caughtUp.isEmpty()) {
            return;
        }
        for (int partition : caughtUp) {
            tracker.caughtUp(partition);
            tracker.experiments(partition).forEach(deciding::decide);
        }
        catchUp.dueSnapshots(clock.instant()).forEach(txn::send);
        txn.commit();
        deciding.afterCommit();
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
