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
 * schema decodes on the dead-letter topic.
 *
 * <p>Three rules keep decisions reproducible and unrepeated:
 * <ul>
 *   <li>After a partition is assigned, its log is folded from the start, and nothing in it is decided
 *       or admitted until the fold has reached the high watermark seen at assignment (catch-up),
 *       so that every transaction begun before has ended.</li>
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

    private final ServiceLogic logic;
    private final String instance;
    private final Clock clock;
    private final KafkaConsumer<String, byte[]> consumer;
    private final KafkaProducer<String, byte[]> producer;
    private final CommandGate gate;
    private final KafkaClients clients;
    private final Admin admin;
    /** The workers' leases, for the gate only; made once the topics surely exist. */
    private Leases leases;
    private Instant leasesCheckedAt = Instant.EPOCH;
    private final AtomicBoolean running = new AtomicBoolean(true);

    /** Per log partition: the experiments in it. */
    private final Map<Integer, Map<String, Tracked>> partitions = new HashMap<>();
    /** Log partitions still folding their history, with the offset that ends catch-up. */
    private final Map<Integer, Long> catchingUp = new HashMap<>();
    private volatile boolean ready;

    /** An experiment as this instance sees it. */
    private static final class Tracked {
        final int partition;
        final ExperimentState log;
        /** The log plus commands admitted but not yet read back; only the gate uses it. */
        final ExperimentState gateView;
        final Set<String> pendingDecisions = new HashSet<>();
        /** Digest of the log prefix folded into {@code log}; written with every event as proof of its basis. */
        final Integrity.PrefixDigest prefix = new Integrity.PrefixDigest();

        Tracked(int partition, String experimentId) {
            this.partition = partition;
            log = new ExperimentState(experimentId);
            gateView = new ExperimentState(experimentId);
        }
    }

    public DecisionLoop(KafkaClients clients, ServiceLogic logic, String instance, Clock clock) {
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
        this.producer = clients.producer(name + "-" + instance, name + "-" + instance);
        this.admin = clients.admin();
        this.gate = logic.gatesCommands() ? new CommandGate(instance, logic::checkSubmittedSpec) : null;
    }

    /** True once every assigned partition has caught up; for tests and health checks. */
    public boolean isReady() {
        return ready;
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
                ConsumerRecords<String, byte[]> records = consumer.poll(Duration.ofMillis(200));
                if (!records.isEmpty()) {
                    process(records);
                }
                // Only after folding what this poll returned: the position already counts those records.
                updateCatchUp();
                if (leases != null) {
                    expireLeases();
                }
            }
        } finally {
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
        producer.beginTransaction();
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
        Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
        for (TopicPartition tp : records.partitions()) {
            offsets.put(tp, new OffsetAndMetadata(consumer.position(tp)));
        }
        producer.sendOffsetsToTransaction(offsets, consumer.groupMetadata());
        producer.commitTransaction();
        afterCommit(decided);
    }

    private void afterCommit(List<Map.Entry<Event, ExperimentState>> decided) {
        decided.forEach(d -> logic.afterCommit(d.getKey(), d.getValue()));
    }

    private void fold(ConsumerRecord<String, byte[]> record, Set<Tracked> dirty) {
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
        Tracked t = tracked(record.partition(), event.experimentId());
        LoggedEvent logged = new LoggedEvent(record.offset(), event);
        t.log.apply(logged);
        t.prefix.add(Integrity.hash(record.value()));
        if (gate != null) {
            t.gateView.apply(logged);
        }
        t.pendingDecisions.remove(event.eventId());
        dirty.add(t);
    }

    private void decide(Tracked t, List<Map.Entry<Event, ExperimentState>> decided) {
        List<Decided> decisions;
        try {
            decisions = logic.decider().decide(t.log);
        } catch (RuntimeException e) {
            // One experiment's state must not stop every other experiment of the partition: this one
            // waits (it is retried on its next event) and the error is reported.
            LOG.error("{}: cannot decide for experiment {} at offset {}", logic.service(), t.log.experimentId(), t.log.lastOffset(), e);
            return;
        }
        if (decisions.isEmpty()) {
            return;
        }
        List<Event> events = Decisions.toEvents(t.log, logic.service(), instance, decisions, clock.instant());
        for (Event e : events) {
            append(e, t);
            if (gate != null) {
                // Reports judged after this decision must see it: once a trial is stopped or paused here, the
                // commands of this same poll that still find it running would be anomalies in the log.
                t.gateView.applyAhead(e);
            }
            for (ProducerRecord<String, byte[]> side : logic.sideOutputs(e, t.log)) {
                producer.send(side);
            }
            t.pendingDecisions.add(e.eventId());
            decided.add(Map.entry(e, t.log));
        }
    }

    private void admit(ConsumerRecord<String, byte[]> record) {
        int partition = record.partition();
        CommandGate.Outcome outcome = gate.admit(record,
                id -> tracked(partition, id).gateView,
                id -> {
                    long last = tracked(partition, id).log.lastOffset();
                    return last < 0 ? null : last;
                },
                clock.instant());
        if (outcome.accepted() != null) {
            append(outcome.accepted(), tracked(partition, outcome.accepted().experimentId()));
        } else {
            CommandRejected r = outcome.rejected();
            if (outcome.undecodable()) {
                deadLetter(record, r.getReason());
            }
            LOG.info("{}: rejected {}-{}@{}: {}", logic.service(), r.getTopic(), r.getPartition(), r.getOffset(), r.getReason());
            producer.send(new ProducerRecord<>(Topics.REJECTIONS, r.getExperimentId(), AvroBytes.encode(r)));
        }
    }

    /** Sets a record aside on the dead-letter topic, in the current transaction, with where it was and why. */
    private void deadLetter(ConsumerRecord<String, byte[]> record, String reason) {
        DeadLetter letter = new DeadLetter(record.topic(), record.partition(), record.offset(), record.key(), reason,
                logic.service() + "/" + instance, record.value() == null ? null : ByteBuffer.wrap(record.value()));
        producer.send(new ProducerRecord<>(Topics.DEAD_LETTERS, record.topic() + "-" + record.partition(), AvroBytes.encode(letter)));
    }

    /** Writes an event to the log with its integrity headers (see {@link Integrity}). */
    private void append(Event e, Tracked t) {
        producer.send(Integrity.logRecord(e, t.prefix.digest()));
    }

    private Tracked tracked(int partition, String experimentId) {
        return partitions.computeIfAbsent(partition, p -> new HashMap<>())
                .computeIfAbsent(experimentId, id -> new Tracked(partition, id));
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
            caughtUp.addAll(partitions.getOrDefault(e.getKey(), Map.of()).values());
            return true;
        });
        if (!caughtUp.isEmpty()) {
            producer.beginTransaction();
            List<Map.Entry<Event, ExperimentState>> decided = new ArrayList<>();
            for (Tracked t : caughtUp) {
                if (t.pendingDecisions.isEmpty()) {
                    decide(t, decided);
                }
            }
            producer.commitTransaction();
            afterCommit(decided);
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
        for (Map.Entry<Integer, Map<String, Tracked>> partition : partitions.entrySet()) {
            if (catchingUp.containsKey(partition.getKey())) {
                continue;
            }
            for (Tracked t : partition.getValue().values()) {
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
        producer.beginTransaction();
        for (Map.Entry<Event, Tracked> failure : failures) {
            Event e = failure.getKey();
            EventPayload.TrialFailed failed = (EventPayload.TrialFailed) e.payload();
            LOG.warn("{}: {} attempt {}: {}", logic.service(), e.trialId(), failed.attempt(), failed.error());
            append(e, failure.getValue());
            producer.send(new ProducerRecord<>(Topics.CONTROL, e.experimentId(), AvroBytes.encode(
                    new TrialControl(e.experimentId(), e.trialId(), failed.attempt(), TrialAction.STOP, failed.error()))));
        }
        producer.commitTransaction();
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
            List<TopicPartition> logs = assigned.stream().filter(tp -> tp.topic().equals(Topics.EVENTS)).toList();
            if (logs.isEmpty()) {
                return;
            }
            // State is never carried over: the log from its start is the only truth.
            consumer.seekToBeginning(logs);
            Map<TopicPartition, Long> ends = highWatermarks(logs);
            for (TopicPartition tp : logs) {
                partitions.put(tp.partition(), new HashMap<>());
                catchingUp.put(tp.partition(), ends.get(tp));
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
