package io.tunelog.service;

import io.tunelog.avro.CommandRejected;
import io.tunelog.avro.DeadLetter;
import io.tunelog.avro.TrialAction;
import io.tunelog.avro.TrialControl;
import io.tunelog.codec.AvroBytes;
import io.tunelog.codec.AvroBytes.UndecodableRecord;
import io.tunelog.codec.EventCodec;
import io.tunelog.domain.decide.Decided;
import io.tunelog.domain.decide.Decisions;
import io.tunelog.domain.event.Event;
import io.tunelog.domain.event.EventPayload;
import io.tunelog.domain.event.LoggedEvent;
import io.tunelog.domain.state.ExperimentState;
import io.tunelog.domain.state.ExperimentStatus;
import io.tunelog.kafka.KafkaClients;
import io.tunelog.kafka.Topics;
import io.tunelog.log.Integrity;
import java.nio.ByteBuffer;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.OffsetSpec;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one read → fold → decide → append loop that every service runs.
 *
 * <p>Each pass polls the log (and, for the gate, the command topics), folds log events into
 * per-experiment state, asks the service's decider about every experiment that changed, admits
 * commands, and writes everything together with the consumed offsets in one Kafka transaction. The gate's
 * loop also fails the attempts of workers whose leases ran out ({@link Leases}) and sets aside records no
 * schema decodes on the dead-letter topic. When experiments become settled for the service, the loop also
 * writes a snapshot of the partition ({@link PartitionLedger}), at most once per {@link SnapshotPolicy#interval()}.
 *
 * <p>Three rules keep decisions reproducible and unrepeated:
 * <ul>
 *   <li>After a partition is assigned, every experiment of it that is not settled for the service is folded
 *       from its first event (from the partition's start, or from where the latest snapshot says the first
 *       such experiment begins), and nothing in it is decided or admitted until the fold has reached the high
 *       watermark seen at assignment (catch-up), so that every transaction begun before has ended. An experiment skipped as settled that gets a new event is
 *       folded from its start before that event.</li>
 *   <li>Decisions are made only on the folded log (a prefix of it), and carry that prefix's last
 *       offset as their basis.</li>
 *   <li>While an experiment has decisions of ours not yet read back from the log, we do not decide for
 *       it again, so a decision is never made twice.</li>
 * </ul>
 */
public final class DecisionLoop implements Runnable, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(DecisionLoop.class);

    /** How long a vanished instance keeps its partitions before the group gives them to another. */
    static final Duration SESSION_TIMEOUT = Duration.ofSeconds(10);
    private static final Duration POLL = Duration.ofMillis(200);
    private static final Duration CATCH_UP_POLL = Duration.ofMillis(20);

    private final ServiceLogic logic;
    private final String instance;
    private final Clock clock;
    private final KafkaConsumer<String, byte[]> consumer;
    private final KafkaProducer<String, byte[]> producer;
    private final CommandGate gate;
    private final KafkaClients clients;
    private final Admin admin;
    private final PartitionSnapshots snapshots;
    private final LoopMetrics metrics;
    private Instant metricsAt = Instant.EPOCH;
    /** For each experiment decided in this pass, when the newest event its decision was made on was written. */
    private final List<Instant> decidedOn = new ArrayList<>();
    /** The workers' leases, for the gate only; made once the topics surely exist. */
    private Leases leases;
    private Instant leasesCheckedAt = Instant.EPOCH;
    private final AtomicBoolean running = new AtomicBoolean(true);

    /** Per log partition: the experiments folded here, and its ledger. */
    private final Map<Integer, Partition> partitions = new HashMap<>();
    /** Log partitions still folding their history, with the offset that ends catch-up. */
    private final Map<Integer, Long> catchingUp = new HashMap<>();
    private volatile boolean ready;
    /** Whether the group has given this instance its (possibly empty) share of partitions yet. */
    private boolean hasAssignment;
    /** Whether the current pass has begun its transaction (with its first write). */
    private boolean inTransaction;
    private long assignedAt;
    private final AtomicLong folded = new AtomicLong();
    private final AtomicLong skipped = new AtomicLong();
    private final AtomicLong rebuilt = new AtomicLong();
    private final AtomicLong snapshotsRead = new AtomicLong();
    private final AtomicLong snapshotsWritten = new AtomicLong();
    private volatile Duration lastCatchUp;

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

    /** One log partition as this instance owns it. */
    private static final class Partition {
        final Map<String, Tracked> experiments = new HashMap<>();
        final PartitionLedger ledger;

        Partition(PartitionLedger ledger) {
            this.ledger = ledger;
        }
    }

    /** An experiment as this instance sees it. */
    private static final class Tracked {
        final int partition;
        final ExperimentState log;
        /** The log plus commands admitted but not yet read back; only the gate uses it. */
        final ExperimentState gateView;
        final Set<String> pendingDecisions = new HashSet<>();
        /** Digest of the log prefix folded into {@code log}; written with every event as proof of its basis. */
        final Integrity.PrefixDigest prefix = new Integrity.PrefixDigest();
        /** When the newest event folded into {@code log} was written. */
        Instant lastFoldedAt;

        Tracked(int partition, String experimentId) {
            this.partition = partition;
            log = new ExperimentState(experimentId);
            gateView = new ExperimentState(experimentId);
        }
    }

    public DecisionLoop(KafkaClients clients, ServiceLogic logic, String instance, Clock clock) {
        this(clients, logic, instance, clock, SnapshotPolicy.DEFAULT);
    }

    public DecisionLoop(KafkaClients clients, ServiceLogic logic, String instance, Clock clock, SnapshotPolicy snapshotPolicy) {
        this.logic = logic;
        this.instance = instance;
        this.clock = clock;
        this.clients = clients;
        this.snapshots = new PartitionSnapshots(clients, logic.service(), instance, snapshotPolicy);
        String name = "tunelog-" + logic.service();
        // A static member: an instance restarted under the same id takes its partitions back at once, with no
        // rebalance, and one that never comes back releases them after the session timeout.
        this.consumer = clients.consumer(name + "-" + instance, name, Map.of(
                ConsumerConfig.GROUP_INSTANCE_ID_CONFIG, name + "-" + instance,
                ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, (int) SESSION_TIMEOUT.toMillis()));
        this.producer = clients.producer(name + "-" + instance, name + "-" + instance);
        this.admin = clients.admin();
        this.gate = logic.gatesCommands() ? new CommandGate(instance, logic::checkSubmittedSpec) : null;
        // Micrometer's global registry: a no-op unless the process added one (the CLI does, to serve /metrics).
        this.metrics = new LoopMetrics(io.micrometer.core.instrument.Metrics.globalRegistry, logic.service(), instance, gate != null);
    }

    /** True once every assigned partition has caught up; for tests and health checks. */
    public boolean isReady() {
        return ready;
    }

    public Counters counters() {
        return new Counters(folded.get(), skipped.get(), rebuilt.get(), snapshotsRead.get(), snapshotsWritten.get(), lastCatchUp);
    }

    @Override
    public void run() {
        try {
            // Fences an earlier incarnation of this instance and aborts whatever transaction it left open.
            producer.initTransactions();
            List<String> topics = new ArrayList<>(List.of(Topics.EVENTS));
            if (gate != null) {
                topics.addAll(List.of(Topics.SUBMISSIONS, Topics.REPORTS));
            }
            consumer.subscribe(topics, new Rebalance());
            if (gate != null) {
                leases = new Leases(clients, "tunelog-" + logic.service() + "-" + instance, clock.instant());
            }
            while (running.get()) {
                // Short polls until caught up: a partition assigned during a poll, or started from a snapshot at its end,
                // has nothing to fetch, and its catch-up ends only once the poll has returned.
                ConsumerRecords<String, byte[]> records = consumer.poll(hasAssignment && catchingUp.isEmpty() ? POLL : CATCH_UP_POLL);
                if (!records.isEmpty()) {
                    process(records);
                } else {
                    // Idle: the last experiments to settle should not wait for the next record to be snapshotted.
                    appendDueSnapshots(clock.instant());
                    commit();
                }
                // Only after folding what this poll returned: the position already counts those records.
                updateCatchUp();
                if (leases != null) {
                    expireLeases();
                }
                updateMetrics();
            }
        } finally {
            metrics.close();
            // A stopped instance leaves the group (a static member otherwise holds its partitions until the session
            // times out); a killed process does not get here, and its successor under the same id fences it instead.
            consumer.close(CloseOptions.groupMembershipOperation(CloseOptions.GroupMembershipOperation.LEAVE_GROUP));
            producer.close();
            admin.close();
            if (leases != null) {
                leases.close();
            }
        }
    }

    private void process(ConsumerRecords<String, byte[]> records) {
        Set<Tracked> dirty = new LinkedHashSet<>();
        List<Map.Entry<Event, ExperimentState>> decided = new ArrayList<>();
        for (ConsumerRecord<String, byte[]> record : records.records(Topics.EVENTS)) {
            fold(record, dirty);
        }
        for (Tracked t : dirty) {
            if (t.pendingDecisions.isEmpty() && !catchingUp.containsKey(t.partition)) {
                decide(t, decided);
            }
        }
        if (gate != null) {
            for (String topic : List.of(Topics.SUBMISSIONS, Topics.REPORTS)) {
                for (ConsumerRecord<String, byte[]> record : records.records(topic)) {
                    admit(record);
                }
            }
        }
        appendDueSnapshots(clock.instant());
        // Every transaction that writes carries the offsets this poll consumed: the command topics' so that no command
        // is admitted twice, and with them the consumer's group generation, which fences an instance that lost its
        // partitions while it decided (KIP-447): its transaction fails instead of logging what its successor decides
        // too. A pass that writes nothing opens no transaction and commits nothing: a log partition's committed
        // offset is never read (an owner always seeks it), and one transaction per poll, offsets only, was most of a
        // catch-up's time and, in the load tests, a coordinator round trip on every pass of every service.
        boolean commands = records.partitions().stream().anyMatch(tp -> !tp.topic().equals(Topics.EVENTS));
        if (inTransaction || commands) {
            Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
            for (TopicPartition tp : records.partitions()) {
                offsets.put(tp, new OffsetAndMetadata(consumer.position(tp)));
            }
            begin();
            producer.sendOffsetsToTransaction(offsets, consumer.groupMetadata());
        }
        commit();
        afterCommit(decided);
    }

    /** Begins the pass's transaction if it has not begun: a pass that writes nothing opens none. */
    private void begin() {
        if (!inTransaction) {
            producer.beginTransaction();
            inTransaction = true;
        }
    }

    /** Writes a record in the pass's transaction. */
    private void send(ProducerRecord<String, byte[]> record) {
        begin();
        producer.send(record);
    }

    /** Commits the pass's transaction, if it began one. */
    private void commit() {
        if (inTransaction) {
            producer.commitTransaction();
            inTransaction = false;
        }
    }

    private void afterCommit(List<Map.Entry<Event, ExperimentState>> decided) {
        decided.forEach(d -> logic.afterCommit(d.getKey(), d.getValue()));
        metrics.decisions.increment(decided.size());
        Instant now = clock.instant();
        decidedOn.forEach(on -> metrics.decisionLatency.record(Duration.between(on, now)));
        decidedOn.clear();
    }

    private void fold(ConsumerRecord<String, byte[]> record, Set<Tracked> dirty) {
        Partition p = partition(record.partition());
        // A record of an experiment skipped as settled is passed over undecoded (decoding was most of the cost of
        // skipping). Its key is its experiment id: the services write it so, and every reader of one experiment's
        // log, the audit included, picks its records by key.
        if (record.key() != null && p.ledger.verdict(record.key(), record.offset()) == PartitionLedger.Verdict.SKIP) {
            skipped.incrementAndGet();
            return;
        }
        Event event;
        try {
            event = EventCodec.decode(record.value());
        } catch (UndecodableRecord e) {
            // The log is written only by services; an undecodable record there is a fault to report, not to guess at.
            // The gate's service sets it aside (one letter per record, not one per service); the audit fails on it too.
            LOG.error("{}: cannot decode {}-{}@{}: {}", logic.service(), record.topic(), record.partition(), record.offset(), e.getMessage());
            if (gate != null) {
                deadLetter(record, e.getMessage());
            }
            return;
        }
        switch (p.ledger.verdict(event.experimentId(), record.offset())) {
            case SKIP -> {
                skipped.incrementAndGet();
                return;
            }
            case REBUILD -> rebuild(p, record.partition(), event.experimentId(), record.offset());
            case FOLD -> { }
        }
        Tracked t = tracked(record.partition(), event.experimentId());
        apply(t, p, record, event);
        t.pendingDecisions.remove(event.eventId());
        dirty.add(t);
    }

    private void apply(Tracked t, Partition p, ConsumerRecord<String, byte[]> record, Event event) {
        LoggedEvent logged = new LoggedEvent(record.offset(), event);
        t.log.apply(logged);
        t.prefix.add(Integrity.hash(record.value()));
        t.lastFoldedAt = event.timestamp();
        metrics.folded.increment();
        if (gate != null) {
            t.gateView.apply(logged);
        }
        p.ledger.folded(event.experimentId(), record.offset());
        folded.incrementAndGet();
    }

    /**
     * An experiment skipped as settled has a new record at {@code offset}: fold it from its first record up to
     * that one, with a consumer of its own, so that nothing is decided on part of its history.
     */
    private void rebuild(Partition p, int partition, String experimentId, long offset) {
        PartitionLedger.Settled settled = p.ledger.rebuild(experimentId);
        Tracked t = new Tracked(partition, experimentId);
        p.experiments.put(experimentId, t);
        int records = snapshots.readExperiment(partition, experimentId, settled.firstOffset(), offset, (r, e) -> apply(t, p, r, e));
        rebuilt.incrementAndGet();
        LOG.info("{}: experiment {} was settled but has a new event at {}-{}@{}; folded its {} earlier records from offset {}",
                logic.service(), experimentId, Topics.EVENTS, partition, offset, records, settled.firstOffset());
    }

    private void decide(Tracked t, List<Map.Entry<Event, ExperimentState>> decided) {
        List<Decided> decisions;
        PartitionLedger ledger = partition(t.partition).ledger;
        try {
            decisions = logic.decider().decide(t.log);
        } catch (RuntimeException e) {
            // One experiment's state must not stop every other experiment of the partition: this one
            // waits (it is retried on its next event) and the error is reported.
            LOG.error("{}: cannot decide for experiment {} at offset {}", logic.service(), t.log.experimentId(), t.log.lastOffset(), e);
            ledger.decided(t.log.experimentId(), t.log.status(), false, t.pendingDecisions.isEmpty());
            return;
        }
        ledger.decided(t.log.experimentId(), t.log.status(), decisions.isEmpty(), t.pendingDecisions.isEmpty());
        if (decisions.isEmpty()) {
            return;
        }
        List<Event> events = Decisions.toEvents(t.log, logic.service(), instance, decisions, clock.instant());
        if (t.lastFoldedAt != null) {
            decidedOn.add(t.lastFoldedAt);
        }
        for (Event e : events) {
            append(e, t);
            if (gate != null) {
                // Reports judged after this decision must see it: once a trial is stopped or paused here, the
                // commands of this same poll that still find it running would be anomalies in the log.
                t.gateView.applyAhead(e);
            }
            for (ProducerRecord<String, byte[]> side : logic.sideOutputs(e, t.log)) {
                send(side);
            }
            t.pendingDecisions.add(e.eventId());
            decided.add(Map.entry(e, t.log));
        }
    }

    private void admit(ConsumerRecord<String, byte[]> record) {
        int partition = record.partition();
        CommandGate.Outcome outcome = gate.admit(record, new CommandGate.Views() {
            @Override
            public ExperimentState view(String experimentId) {
                return tracked(partition, experimentId).gateView;
            }

            @Override
            public Long basis(String experimentId) {
                long last = tracked(partition, experimentId).log.lastOffset();
                return last < 0 ? null : last;
            }

            @Override
            public ExperimentStatus settled(String experimentId) {
                return partition(partition).ledger.skippedStatus(experimentId);
            }
        }, clock.instant());
        if (outcome.accepted() != null) {
            metrics.admitted.increment();
            append(outcome.accepted(), tracked(partition, outcome.accepted().experimentId()));
        } else {
            metrics.rejected.increment();
            CommandRejected r = outcome.rejected();
            if (outcome.undecodable()) {
                deadLetter(record, r.getReason());
            }
            LOG.info("{}: rejected {}-{}@{}: {}", logic.service(), r.getTopic(), r.getPartition(), r.getOffset(), r.getReason());
            send(new ProducerRecord<>(Topics.REJECTIONS, r.getExperimentId(), AvroBytes.encode(r)));
        }
        for (TrialControl stop : outcome.stops()) {
            send(new ProducerRecord<>(Topics.CONTROL, stop.getExperimentId(), AvroBytes.encode(stop)));
        }
    }

    /** Sets a record aside on the dead-letter topic, in the current transaction, with where it was and why. */
    private void deadLetter(ConsumerRecord<String, byte[]> record, String reason) {
        DeadLetter letter = new DeadLetter(record.topic(), record.partition(), record.offset(), record.key(), reason,
                logic.service() + "/" + instance, record.value() == null ? null : ByteBuffer.wrap(record.value()));
        send(new ProducerRecord<>(Topics.DEAD_LETTERS, record.topic() + "-" + record.partition(), AvroBytes.encode(letter)));
    }

    /** Writes an event to the log with its integrity headers (see {@link Integrity}). */
    private void append(Event e, Tracked t) {
        send(Integrity.logRecord(e, t.prefix.digest()));
    }

    private Tracked tracked(int partition, String experimentId) {
        return partition(partition).experiments.computeIfAbsent(experimentId, id -> new Tracked(partition, id));
    }

    private Partition partition(int partition) {
        return partitions.computeIfAbsent(partition, p -> new Partition(PartitionLedger.fromBeginning()));
    }

    /**
     * Adds to the pass's transaction a snapshot of every caught-up partition where an experiment settled since its
     * last one, if that was at least an interval ago. Its offset is the partition's position: every record before
     * it was folded (or skipped as settled) in this or an earlier pass.
     */
    private void appendDueSnapshots(Instant now) {
        partitions.forEach((partition, p) -> {
            if (!catchingUp.containsKey(partition)) {
                snapshots.due(partition, p.ledger, () -> consumer.position(new TopicPartition(Topics.EVENTS, partition)), now)
                        .ifPresent(r -> {
                            send(r);
                            snapshotsWritten.incrementAndGet();
                        });
            }
        });
    }

    /** Ends catch-up for log partitions whose position reached their target; resumes their commands. */
    private void updateCatchUp() {
        if (catchingUp.isEmpty()) {
            return;
        }
        List<Tracked> caughtUp = new ArrayList<>();
        catchingUp.entrySet().removeIf(e -> {
            TopicPartition tp = new TopicPartition(Topics.EVENTS, e.getKey());
            if (consumer.position(tp) < e.getValue()) {
                return false;
            }
            if (gate != null) {
                consumer.resume(commandPartitions(List.of(e.getKey())));
            }
            // Everything folded during catch-up may need a decision now.
            Partition p = partitions.get(e.getKey());
            if (p != null) {
                caughtUp.addAll(p.experiments.values());
            }
            return true;
        });
        if (!caughtUp.isEmpty()) {
            List<Map.Entry<Event, ExperimentState>> decided = new ArrayList<>();
            for (Tracked t : caughtUp) {
                if (t.pendingDecisions.isEmpty()) {
                    decide(t, decided);
                }
            }
            appendDueSnapshots(clock.instant());
            commit();
            afterCommit(decided);
        }
        if (catchingUp.isEmpty() && !ready) {
            lastCatchUp = Duration.ofNanos(System.nanoTime() - assignedAt);
        }
        ready = catchingUp.isEmpty();
    }

    /**
     * Once a second, fails the running attempts whose workers' leases ran out, in experiments this instance
     * owns and has caught up with, and tells their workers (if they are alive but lost) to end them.
     */
    private void expireLeases() {
        Instant now = clock.instant();
        leases.poll(now);
        if (Duration.between(leasesCheckedAt, now).compareTo(Duration.ofSeconds(1)) < 0) {
            return;
        }
        leasesCheckedAt = now;
        List<Map.Entry<Event, Tracked>> failures = new ArrayList<>();
        for (Map.Entry<Integer, Partition> partition : partitions.entrySet()) {
            if (catchingUp.containsKey(partition.getKey())) {
                continue;
            }
            for (Tracked t : partition.getValue().experiments.values()) {
                for (Leases.Lapsed lapsed : leases.lapsed(t.gateView, now)) {
                    Long basis = t.log.lastOffset() < 0 ? null : t.log.lastOffset();
                    gate.admitLapsedLease(t.gateView, lapsed.trial().trialId(), lapsed.trial().attempt(), lapsed.reason(), basis, now)
                            .ifPresent(e -> failures.add(Map.entry(e, t)));
                }
            }
        }
        if (failures.isEmpty()) {
            return;
        }
        for (Map.Entry<Event, Tracked> failure : failures) {
            Event e = failure.getKey();
            EventPayload.TrialFailed failed = (EventPayload.TrialFailed) e.payload();
            LOG.warn("{}: {} attempt {}: {}", logic.service(), e.trialId(), failed.attempt(), failed.error());
            append(e, failure.getValue());
            send(new ProducerRecord<>(Topics.CONTROL, e.experimentId(), AvroBytes.encode(
                    new TrialControl(e.experimentId(), e.trialId(), failed.attempt(), TrialAction.STOP, failed.error(), null))));
        }
        commit();
    }

    /**
     * The consumer's lag, trials by status and live workers, once a second: a scrape comes far less often, and
     * counting trials walks every one of them, so none of it belongs on every poll.
     */
    private void updateMetrics() {
        Instant now = clock.instant();
        if (Duration.between(metricsAt, now).compareTo(Duration.ofSeconds(1)) < 0) {
            return;
        }
        metricsAt = now;
        long lag = 0;
        for (TopicPartition tp : consumer.assignment()) {
            lag += consumer.currentLag(tp).orElse(0);
        }
        metrics.lag(lag);
        List<ExperimentState> states = new ArrayList<>();
        partitions.values().forEach(p -> p.experiments.values().forEach(t -> states.add(t.log)));
        metrics.trials(states);
        if (leases != null) {
            metrics.workers(leases.liveWorkers(now));
        }
    }

    private List<TopicPartition> commandPartitions(Collection<Integer> logPartitions) {
        List<TopicPartition> result = new ArrayList<>();
        for (int p : logPartitions) {
            result.add(new TopicPartition(Topics.SUBMISSIONS, p));
            result.add(new TopicPartition(Topics.REPORTS, p));
        }
        return result;
    }

    /**
     * Where catch-up ends: the partitions' high watermarks, not the read_committed end offsets a consumer reports
     * (the last stable offset). Our predecessor's last transactions are committed (or, if it died, are being
     * aborted) but may lie beyond another service's transaction still open at this moment; ending catch-up at the
     * last stable offset would decide without them, and decide again what they decided (the chaos soak caught
     * that). Waiting for the high watermark waits for every transaction begun before we took over.
     */
    private Map<TopicPartition, Long> highWatermarks(List<TopicPartition> partitions) {
        Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
        partitions.forEach(tp -> latest.put(tp, OffsetSpec.latest()));
        try {
            Map<TopicPartition, Long> ends = new HashMap<>();
            admin.listOffsets(latest, new ListOffsetsOptions(IsolationLevel.READ_UNCOMMITTED)).all().get()
                    .forEach((tp, info) -> ends.put(tp, info.offset()));
            return ends;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while reading the log's end offsets", e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("cannot read the log's end offsets: " + e.getCause().getMessage(), e);
        }
    }

    private final class Rebalance implements ConsumerRebalanceListener {
        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> assigned) {
            hasAssignment = true;
            List<TopicPartition> logs = assigned.stream().filter(tp -> tp.topic().equals(Topics.EVENTS)).toList();
            if (logs.isEmpty()) {
                return;
            }
            assignedAt = System.nanoTime();
            // State is never carried over: the log is the only truth. A snapshot only says which experiments need
            // not be folded, and where the first that must be begins.
            Map<Integer, Long> ends = new HashMap<>();
            highWatermarks(logs).forEach((tp, end) -> ends.put(tp.partition(), end));
            Map<Integer, PartitionSnapshots.Start> starts = snapshots.starts(ends);
            for (TopicPartition tp : logs) {
                PartitionSnapshots.Start start = starts.get(tp.partition());
                partitions.put(tp.partition(), new Partition(start.ledger()));
                if (start.seek() == null) {
                    consumer.seekToBeginning(List.of(tp));
                } else {
                    consumer.seek(tp, start.seek());
                    snapshotsRead.incrementAndGet();
                }
                catchingUp.put(tp.partition(), ends.get(tp.partition()));
            }
            if (gate != null) {
                List<TopicPartition> commands = commandPartitions(logs.stream().map(TopicPartition::partition).toList())
                        .stream().filter(assigned::contains).toList();
                consumer.pause(commands);
            }
            ready = false;
        }

        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> revoked) {
            for (TopicPartition tp : revoked) {
                if (tp.topic().equals(Topics.EVENTS)) {
                    partitions.remove(tp.partition());
                    catchingUp.remove(tp.partition());
                }
            }
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
