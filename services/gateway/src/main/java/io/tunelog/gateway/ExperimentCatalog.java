package io.tunelog.gateway;

import io.tunelog.avro.CommandRejected;
import io.tunelog.codec.AvroBytes;
import io.tunelog.codec.AvroBytes.UndecodableRecord;
import io.tunelog.codec.EventCodec;
import io.tunelog.domain.event.Event;
import io.tunelog.domain.event.EventPayload.TrialDecision;
import io.tunelog.domain.event.LoggedEvent;
import io.tunelog.domain.state.ExperimentState;
import io.tunelog.domain.state.TrialState;
import io.tunelog.domain.state.TrialStatus;
import io.tunelog.kafka.KafkaClients;
import io.tunelog.kafka.Topics;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every experiment of the log, folded by one reader thread: all partitions of the log and of the rejections,
 * assigned (no group: the gateway needs every experiment, not a share, and any number of gateways can run),
 * from the beginning, committed records only, then following. Besides each experiment's {@link ExperimentState}
 * it keeps the experiment's events (for paging and streaming), its scheduler decisions, counts of trials by
 * status and of decisions by rule, and the rejected submissions under its id: kept up as events are folded, so
 * that no request has to walk the log.
 *
 * <p>Each experiment has its own lock (its {@link Experiment} object): the fold mutates the state, which is not
 * safe to read meanwhile, and one lock per experiment keeps a long read of one from holding up the others.
 */
public final class ExperimentCatalog implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ExperimentCatalog.class);

    private final Map<String, Experiment> experiments = new ConcurrentHashMap<>();
    private final KafkaConsumer<String, byte[]> consumer;
    private final List<TopicPartition> partitions = new ArrayList<>();
    private final Thread reader;
    private final AtomicBoolean closed = new AtomicBoolean();
    private volatile boolean caughtUp;
    private volatile RuntimeException failure;

    /** Starts reading; waits (up to a minute) for the log and the rejections topic to exist. */
    public ExperimentCatalog(KafkaClients clients) {
        try (Admin admin = clients.admin()) {
            Topics.await(admin, List.of(Topics.EVENTS, Topics.REJECTIONS), Duration.ofSeconds(60));
            for (String topic : List.of(Topics.EVENTS, Topics.REJECTIONS)) {
                int count = Topics.partitionsOf(admin, topic);
                for (int p = 0; p < count; p++) {
                    partitions.add(new TopicPartition(topic, p));
                }
            }
        }
        consumer = clients.consumer("tunelog-gateway", null, Map.of(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 5_000));
        consumer.assign(partitions);
        consumer.seekToBeginning(partitions);
        reader = new Thread(this::read, "gateway-log-reader");
        reader.setDaemon(true);
        reader.start();
    }

    /**
     * Runs {@code query} on the experiment under its lock; the query must copy out what it needs. Empty when the
     * log holds no event of the experiment (yet), even if submissions under its id were rejected.
     */
    public <T> Optional<T> read(String experimentId, Function<Experiment, T> query) {
        Experiment experiment = experiments.get(experimentId);
        if (experiment == null) {
            return Optional.empty();
        }
        synchronized (experiment) {
            return experiment.events.isEmpty() ? Optional.empty() : Optional.ofNullable(query.apply(experiment));
        }
    }

    /** {@code query} on every experiment that has events, each under its own lock in turn. */
    public <T> List<T> readAll(Function<Experiment, T> query) {
        List<T> results = new ArrayList<>();
        for (Experiment experiment : experiments.values()) {
            synchronized (experiment) {
                if (!experiment.events.isEmpty()) {
                    results.add(query.apply(experiment));
                }
            }
        }
        return results;
    }

    /** The submissions under this id that the gate rejected, oldest first. */
    public List<Rejection> rejections(String experimentId) {
        Experiment experiment = experiments.get(experimentId);
        if (experiment == null) {
            return List.of();
        }
        synchronized (experiment) {
            return List.copyOf(experiment.rejections);
        }
    }

    /**
     * Calls {@code onChange} (on the reader thread, so it must only hand off) after each batch of records that
     * added events to the experiment, until the returned handle is run.
     */
    public Runnable subscribe(String experimentId, Runnable onChange) {
        Experiment experiment = experiments.computeIfAbsent(experimentId, Experiment::new);
        experiment.listeners.add(onChange);
        return () -> experiment.listeners.remove(onChange);
    }

    /** Whether the fold has reached the end the topics had when reading began: before that, absence proves nothing. */
    public boolean caughtUp() {
        return caughtUp;
    }

    /** Why the reader stopped, when it did. */
    public Optional<RuntimeException> failure() {
        return Optional.ofNullable(failure);
    }

    /** A submission the gate refused: the offset of the command on the submissions topic, and why. */
    public record Rejection(int partition, long commandOffset, String reason) {}

    /**
     * One experiment as folded so far. Every method must be called under the object's lock, as
     * {@link ExperimentCatalog#read} does.
     */
    public static final class Experiment {
        private final String experimentId;
        private final ExperimentState state;
        private final List<LoggedEvent> events = new ArrayList<>();
        private final List<LoggedEvent> decisions = new ArrayList<>();
        private final Map<TrialStatus, Integer> trialsByStatus = new EnumMap<>(TrialStatus.class);
        private final Map<String, Integer> decisionsByRule = new TreeMap<>();
        private final List<Rejection> rejections = new ArrayList<>();
        private final List<Runnable> listeners = new CopyOnWriteArrayList<>();
        private Optional<ExperimentState.Best> best = Optional.empty();
        private long bestAtOffset = Long.MIN_VALUE;

        Experiment(String experimentId) {
            this.experimentId = experimentId;
            this.state = new ExperimentState(experimentId);
        }

        public String experimentId() {
            return experimentId;
        }

        /** The folded state: read it only under the lock, and copy out what outlives the read. */
        public ExperimentState state() {
            return state;
        }

        /** Trials by status; statuses no trial has are absent. */
        public Map<TrialStatus, Integer> trialsByStatus() {
            return Collections.unmodifiableMap(trialsByStatus);
        }

        /** Scheduler decisions by {@code <rule>.<action>}, as {@code Json.summary} counts them. */
        public Map<String, Integer> decisionsByRule() {
            return Collections.unmodifiableMap(decisionsByRule);
        }

        /** The TrialDecision events the fold took, in log order. */
        public List<LoggedEvent> decisions() {
            return Collections.unmodifiableList(decisions);
        }

        public List<Rejection> rejections() {
            return Collections.unmodifiableList(rejections);
        }

        public int eventCount() {
            return events.size();
        }

        /**
         * The best trial, computed at most once per change of the log: it looks at every trial, and a listing
         * asks for it of every experiment.
         */
        public Optional<ExperimentState.Best> best() {
            if (bestAtOffset != state.lastOffset()) {
                best = state.best();
                bestAtOffset = state.lastOffset();
            }
            return best;
        }

        /** Up to {@code limit} events from the first at or after {@code offset}: a binary search, then a copy. */
        public List<LoggedEvent> eventsFrom(long offset, int limit) {
            return eventsAt(firstIndexAtOrAfter(offset), limit);
        }

        /** Up to {@code limit} events from the {@code index}-th the experiment has (its events only ever grow). */
        public List<LoggedEvent> eventsAt(int index, int limit) {
            int from = Math.min(index, events.size());
            return List.copyOf(events.subList(from, Math.min(events.size(), from + limit)));
        }

        /** The index of the first event at or after {@code offset}. */
        public int firstIndexAtOrAfter(long offset) {
            int lo = 0;
            int hi = events.size();
            while (lo < hi) {
                int mid = (lo + hi) >>> 1;
                if (events.get(mid).offset() < offset) {
                    lo = mid + 1;
                } else {
                    hi = mid;
                }
            }
            return lo;
        }

        private void fold(LoggedEvent logged) {
            events.add(logged);
            String trialId = logged.event().trialId();
            TrialState before = trialId == null ? null : state.trial(trialId);
            TrialStatus was = before == null ? null : before.status();
            int decided = before == null ? 0 : before.decisions().size();
            state.apply(logged);
            if (trialId == null) {
                // An experiment's own event: a cancellation ends every open trial at once. These are few; count anew.
                trialsByStatus.clear();
                state.trials().forEach(t -> trialsByStatus.merge(t.status(), 1, Integer::sum));
                return;
            }
            // Only the event's own trial can change, so the counts follow from its status before and after.
            TrialState after = state.trial(trialId);
            if (after == null) {
                return;
            }
            if (was != after.status()) {
                if (was != null) {
                    trialsByStatus.merge(was, -1, Integer::sum);
                    trialsByStatus.remove(was, 0);
                }
                trialsByStatus.merge(after.status(), 1, Integer::sum);
            }
            if (after.decisions().size() > decided) {
                // Counted only when the fold took it: a decision it refused is an anomaly, not a decision.
                TrialDecision d = after.decisions().get(after.decisions().size() - 1);
                decisions.add(logged);
                decisionsByRule.merge(d.rule() + "." + d.action().name().toLowerCase(java.util.Locale.ROOT), 1, Integer::sum);
            }
        }
    }

    private void read() {
        try {
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            while (!closed.get()) {
                var records = consumer.poll(Duration.ofMillis(500));
                Set<Experiment> changed = new LinkedHashSet<>();
                for (ConsumerRecord<String, byte[]> record : records) {
                    Experiment touched = record.topic().equals(Topics.REJECTIONS) ? reject(record) : fold(record);
                    if (touched != null) {
                        changed.add(touched);
                    }
                }
                for (Experiment experiment : changed) {
                    experiment.listeners.forEach(Runnable::run);
                }
                if (!caughtUp && partitions.stream().allMatch(tp -> consumer.position(tp) >= end.get(tp))) {
                    caughtUp = true;
                }
            }
        } catch (WakeupException e) {
            if (!closed.get()) {
                failure = e;
            }
        } catch (RuntimeException e) {
            LOG.error("the gateway stopped reading the log", e);
            failure = e;
        } finally {
            consumer.close();
        }
    }

    private Experiment fold(ConsumerRecord<String, byte[]> record) {
        Event event;
        try {
            event = EventCodec.decode(record.value());
        } catch (UndecodableRecord e) {
            // As in the services: only services write the log, so this is a fault to report, not to guess at.
            LOG.error("cannot decode {}-{}@{}: {}", record.topic(), record.partition(), record.offset(), e.getMessage());
            return null;
        }
        Experiment experiment = experiments.computeIfAbsent(event.experimentId(), Experiment::new);
        synchronized (experiment) {
            try {
                experiment.fold(new LoggedEvent(record.offset(), event));
            } catch (RuntimeException e) {
                // The services would have stopped at such an event; the gateway still serves what it has.
                LOG.error("cannot fold {}-{}@{} into {}", record.topic(), record.partition(), record.offset(), event.experimentId(), e);
            }
        }
        return experiment;
    }

    private Experiment reject(ConsumerRecord<String, byte[]> record) {
        CommandRejected rejection;
        try {
            rejection = AvroBytes.decode(CommandRejected.class, record.value());
        } catch (UndecodableRecord e) {
            LOG.error("cannot decode {}-{}@{}: {}", record.topic(), record.partition(), record.offset(), e.getMessage());
            return null;
        }
        // Reports refused at the gate are a worker's business; only a refused submission concerns a client.
        if (!Topics.SUBMISSIONS.equals(rejection.getTopic()) || rejection.getExperimentId() == null) {
            return null;
        }
        Experiment experiment = experiments.computeIfAbsent(rejection.getExperimentId(), Experiment::new);
        synchronized (experiment) {
            experiment.rejections.add(new Rejection(rejection.getPartition(), rejection.getOffset(), rejection.getReason()));
        }
        return null;
    }

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        consumer.wakeup();
        try {
            reader.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
