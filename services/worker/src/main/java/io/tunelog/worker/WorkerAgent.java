package io.tunelog.worker;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Metrics;
import io.micrometer.core.instrument.Timer;
import io.tunelog.avro.Assignment;
import io.tunelog.avro.ReportsTaken;
import io.tunelog.avro.TrialAction;
import io.tunelog.avro.TrialControl;
import io.tunelog.avro.WorkerHeartbeat;
import io.tunelog.codec.AvroBytes;
import io.tunelog.codec.AvroBytes.UndecodableRecord;
import io.tunelog.kafka.KafkaClients;
import io.tunelog.kafka.Topics;
import io.tunelog.kafka.WorkQueue;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.avro.specific.SpecificRecordBase;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.AcknowledgeType;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.KafkaShareConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A stateless worker: takes assignments from the share-group queue while it has free slots, runs
 * each attempt, reports to the gate, obeys STOP, and sends heartbeats. It keeps nothing that matters:
 * kill it and its attempts are queued again elsewhere.
 */
public final class WorkerAgent implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(WorkerAgent.class);
    private static final Duration HEARTBEAT_EVERY = Duration.ofSeconds(2);
    /** What the gate writes on the control topic. */
    private static final List<Class<? extends SpecificRecordBase>> CONTROL_RECORDS = List.of(TrialControl.class, ReportsTaken.class);
    /** How long a worker holds an assignment it has no free slot for: a third of the queue's 15 s lock on it. */
    static final Duration HOLD = Duration.ofSeconds(5);

    /**
     * Where a worker keeps files, and what it is. {@code maxOutputBytes} caps what one attempt may write to stdout:
     * past it the worker ends the trial and reports it failed, and the trial's {@code stdout.log} never grows past it.
     * {@code policy} says what the worker runs and what of its environment a trial gets.
     */
    public record Settings(String workerId, String host, int slots, Path storageRoot, Path logRoot, String slurmJobId,
                           long maxOutputBytes, TrialPolicy policy, int maxReportsInFlight) {
        /** 64 MiB: far more than reports and progress lines need, little enough that a looping print cannot fill a disk. */
        public static final long DEFAULT_MAX_OUTPUT_BYTES = 64L * 1024 * 1024;
        /**
         * Reports a worker keeps on their way to the gate at most (see {@link ReportWindow}): enough that a worker's
         * trials never wait for the gate at the rates it sustains, few enough that under overload a report is judged
         * within a fraction of a second of being sent.
         */
        public static final int DEFAULT_MAX_REPORTS_IN_FLIGHT = 1000;

        public Settings {
            if (maxOutputBytes < 1) {
                throw new IllegalArgumentException("maxOutputBytes must be positive, found " + maxOutputBytes);
            }
            if (policy == null) {
                throw new IllegalArgumentException("policy must be given; TrialPolicy.open() runs anything");
            }
            if (maxReportsInFlight < 1) {
                throw new IllegalArgumentException("maxReportsInFlight must be positive, found " + maxReportsInFlight);
            }
        }

        public Settings(String workerId, String host, int slots, Path storageRoot, Path logRoot, String slurmJobId,
                        long maxOutputBytes, TrialPolicy policy) {
            this(workerId, host, slots, storageRoot, logRoot, slurmJobId, maxOutputBytes, policy, DEFAULT_MAX_REPORTS_IN_FLIGHT);
        }

        /** A worker that runs anything it is assigned, with the default environment allow-list. */
        public Settings(String workerId, String host, int slots, Path storageRoot, Path logRoot, String slurmJobId,
                        long maxOutputBytes) {
            this(workerId, host, slots, storageRoot, logRoot, slurmJobId, maxOutputBytes, TrialPolicy.open());
        }

        public Settings withMaxOutputBytes(long bytes) {
            return new Settings(workerId, host, slots, storageRoot, logRoot, slurmJobId, bytes, policy, maxReportsInFlight);
        }

        public Settings withPolicy(TrialPolicy trialPolicy) {
            return new Settings(workerId, host, slots, storageRoot, logRoot, slurmJobId, maxOutputBytes, trialPolicy, maxReportsInFlight);
        }

        public Settings withMaxReportsInFlight(int reports) {
            return new Settings(workerId, host, slots, storageRoot, logRoot, slurmJobId, maxOutputBytes, policy, reports);
        }
    }

    private final KafkaClients clients;
    private final Settings settings;
    private final Clock clock = Clock.systemUTC();
    private final Semaphore freeSlots;
    private final ExecutorService trials;
    private final ScheduledExecutorService timers;
    private final Map<String, TrialAttempt> running = new ConcurrentHashMap<>();
    private final ReportWindow window;
    private final Timer held;
    private final List<Meter> meters = new ArrayList<>();
    private final AtomicBoolean open = new AtomicBoolean(true);
    /** Set once {@link #threads} is complete and started; read first, it makes them safe to read elsewhere. */
    private volatile boolean started;
    private final KafkaProducer<String, byte[]> producer;
    /**
     * Heartbeats have a producer of their own: behind a backlog of reports in the shared one (trials reporting faster
     * than the broker takes them), they reached the gate more than a lease late, and every attempt of a live worker
     * was failed (the load test at 20,000 results/s offered).
     */
    private final KafkaProducer<String, byte[]> heartbeats;
    private final KafkaShareConsumer<String, byte[]> queue;
    private final KafkaConsumer<String, byte[]> control;
    private final List<Thread> threads = new ArrayList<>();
    /** Start reports the broker has answered, for the queue thread to accept or hand back their assignments. */
    private final BlockingQueue<Start> sentStarts = new LinkedBlockingQueue<>();
    /** Starts launched and not yet settled; the queue thread's alone. */
    private int unsettledStarts;

    public WorkerAgent(KafkaClients clients, Settings settings) {
        this.clients = clients;
        this.settings = settings;
        this.freeSlots = new Semaphore(settings.slots());
        this.window = new ReportWindow(settings.maxReportsInFlight());
        // Micrometer's global registry: a no-op unless the process added one (the CLI does, to serve /metrics).
        this.held = Timer.builder("tunelog.worker.held").description("Time trials were held at a report until the gate judged it")
                .tag("worker", settings.workerId()).register(Metrics.globalRegistry);
        meters.add(held);
        this.trials = Executors.newFixedThreadPool(settings.slots(), r -> new Thread(r, settings.workerId() + "-trial"));
        ScheduledThreadPoolExecutor timers = new ScheduledThreadPoolExecutor(1, r -> daemon("timers", r));
        timers.setRemoveOnCancelPolicy(true);
        this.timers = timers;
        this.producer = clients.producer(settings.workerId(), null);
        this.heartbeats = clients.producer(settings.workerId() + "-heartbeats", null);
        Map<String, Object> props = clients.common();
        props.put("group.id", WorkQueue.WORKERS_GROUP);
        props.put("client.id", settings.workerId());
        props.put("share.acknowledgement.mode", "explicit");
        // A poll brings at most a slot's worth of assignments, and the broker acquires no more than that for this
        // worker (record_limit): in its default mode it hands out whole batches, which the client keeps acquired for
        // later polls, so a one-slot worker could sit on three assignments, running them one after another, while
        // three other workers idled. Those beyond the free slots wait in the worker (see takeAssignments). One per
        // poll (max.poll.records 1) made a trial wait 2.5 s in the queue, not 0.3 s, in the bookkeeping benchmark.
        props.put("share.acquire.mode", "record_limit");
        props.put("max.poll.records", settings.slots());
        this.queue = new KafkaShareConsumer<>(props, new StringDeserializer(), new ByteArrayDeserializer());
        this.control = clients.consumer(settings.workerId() + "-control", null);
    }

    public WorkerAgent start() {
        try (Admin admin = clients.admin()) {
            // A worker may start before the services have created the topics: wait for them.
            Topics.await(admin, List.of(Topics.ASSIGNMENTS, Topics.CONTROL, Topics.REPORTS, Topics.HEARTBEATS), Duration.ofSeconds(120));
            WorkQueue.configure(admin, WorkQueue.WORKERS_GROUP);
        }
        // Listen for STOP before taking any work, so no stop for our attempts can be missed.
        List<TopicPartition> controlPartitions = control.partitionsFor(Topics.CONTROL).stream()
                .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
        control.assign(controlPartitions);
        control.seekToEnd(controlPartitions);
        controlPartitions.forEach(control::position);
        queue.subscribe(List.of(Topics.ASSIGNMENTS));
        threads.add(daemon("control", this::listenForControl));
        threads.add(daemon("queue", this::takeAssignments));
        threads.add(daemon("heartbeat", this::beat));
        threads.forEach(Thread::start);
        // Micrometer's global registry: a no-op unless the process added one (the CLI does, to serve /metrics).
        MeterRegistry registry = Metrics.globalRegistry;
        meters.add(Gauge.builder("tunelog.worker.slots", settings, Settings::slots).description("Trial slots of the worker")
                .tag("worker", settings.workerId()).register(registry));
        meters.add(Gauge.builder("tunelog.worker.trials.running", running, Map::size).description("Attempts the worker runs")
                .tag("worker", settings.workerId()).register(registry));
        meters.add(Gauge.builder("tunelog.worker.reports.in.flight", window, ReportWindow::size)
                .description("Reports sent and not yet judged by the gate").tag("worker", settings.workerId()).register(registry));
        started = true;
        LOG.info("worker {} on {} ready with {} slots; trials get {} of its environment{}", settings.workerId(), settings.host(),
                settings.slots(), settings.policy().trialEnv(), settings.policy().restricted()
                        ? "; it runs only commands " + settings.policy().allowedCommands() + " and trainables "
                        + settings.policy().allowedTrainables() : "");
        return this;
    }

    /** Whether it has joined the queue and listens for work and STOPs; for health checks. */
    public boolean isStarted() {
        return started && open.get();
    }

    /**
     * Open, and none of its threads has died: a dead queue, control or heartbeat thread leaves an open agent that takes
     * no work, misses STOPs or loses its leases, which only a restart mends.
     */
    public boolean isLive() {
        if (!started) {
            return open.get();
        }
        return open.get() && threads.stream().allMatch(Thread::isAlive);
    }

    public String workerId() {
        return settings.workerId();
    }

    public int runningAttempts() {
        return running.size();
    }

    private Thread daemon(String name, Runnable body) {
        Thread t = new Thread(body, settings.workerId() + "-" + name);
        t.setDaemon(true);
        return t;
    }

    /**
     * Takes assignments while there are free slots. A poll may bring more than there is room for (up to a slot's worth):
     * the extras are held here, oldest first, and started as slots free up, without asking the queue again. Held for
     * longer than {@link #HOLD} they go back to the queue for another worker. Handing them back at once, as this did
     * first, cost a queue round trip per start and one of each assignment's ten deliveries per hand-back.
     *
     * <p>An attempt starts at once, while its start report is on its way; its assignment is accepted only when the
     * broker has the report ({@link #settleStarts}). Waiting for the report before starting idled a slot for a round
     * trip per trial, and the loop for one per batch: with a backlog, 1,000 trials of 0.1 s on 16 slots ran at 120
     * trials/s, not 160.
     */
    private void takeAssignments() {
        Deque<Held> held = new ArrayDeque<>();
        try {
            while (open.get()) {
                settleStarts(0);
                if (!freeSlots.tryAcquire(20, TimeUnit.MILLISECONDS)) {
                    handBackStale(held);
                    continue;
                }
                // Room for as many assignments as there are free slots now, at least the one just acquired.
                int room = 1 + freeSlots.drainPermits();
                int taken = 0;
                try {
                    if (held.isEmpty()) {
                        // The queue's rule for explicit acknowledgement: every record of the last poll is acknowledged
                        // before the next poll. So a worker polls only once it has settled every start it made and
                        // started or handed back every assignment it holds.
                        settleStarts(Long.MAX_VALUE);
                        for (ConsumerRecord<String, byte[]> record : queue.poll(Duration.ofMillis(500))) {
                            try {
                                held.add(new Held(record, AvroBytes.decode(Assignment.class, record.value()), System.nanoTime()));
                            } catch (UndecodableRecord e) {
                                LOG.error("refusing undecodable assignment at {}-{}@{}: {}", record.topic(), record.partition(), record.offset(), e.getMessage());
                                queue.acknowledge(record, AcknowledgeType.REJECT);
                            }
                        }
                    }
                    for (; taken < room && !held.isEmpty(); taken++) {
                        Held next = held.poll();
                        launch(attempt(next.assignment()), next.record());
                    }
                    handBackStale(held);
                } finally {
                    freeSlots.release(room - taken);
                }
            }
        } catch (InterruptedException | WakeupException e) {
            // closing
        } finally {
            // Starts still on their way are settled before leaving, so that an assignment this worker started is not
            // handed to another worker to run again, for nothing, as the queue would once the lock ended.
            try {
                settleStarts(2_000);
            } catch (InterruptedException | RuntimeException e) {
                LOG.warn("{}: leaving with {} starts unsettled: {}", settings.workerId(), unsettledStarts, e.toString());
            }
            held.forEach(h -> queue.acknowledge(h.record(), AcknowledgeType.RELEASE));
            queue.close(Duration.ofSeconds(5));
        }
    }

    /**
     * Accepts each started assignment whose start report the broker has, and hands back (and stops) each whose report
     * could not be sent. Accepted only once the broker has our TrialStarted: a worker that dies before that leaves the
     * assignment to be delivered again when its lock ends; one that dies after has started the attempt in the log,
     * whose lease then runs out. Accepted at once, an assignment whose taker died before its start reached the log was
     * lost, and its trial stayed queued for ever.
     *
     * @param waitMillis how long to wait for each start still on its way; 0 settles only those already answered
     */
    private void settleStarts(long waitMillis) throws InterruptedException {
        boolean settledAny = false;
        while (unsettledStarts > 0) {
            Start start = sentStarts.poll(waitMillis, TimeUnit.MILLISECONDS);
            if (start == null) {
                break;
            }
            unsettledStarts--;
            settledAny = true;
            if (start.error() == null) {
                queue.acknowledge(start.record(), AcknowledgeType.ACCEPT);
            } else {
                LOG.warn("{}: handing {} back to the queue: cannot send its start: {}", settings.workerId(), start.attempt().key(),
                        start.error().getMessage());
                start.attempt().stop("cannot send its start: " + start.error().getMessage());
                queue.acknowledge(start.record(), AcknowledgeType.RELEASE);
            }
        }
        if (settledAny) {
            // Asynchronously: a lost acceptance only means the assignment is delivered again when its lock ends, and the
            // gate refuses its second start.
            queue.commitAsync();
        }
    }

    /** Hands back the held assignments this worker has had no room for within {@link #HOLD}. */
    private void handBackStale(Deque<Held> held) {
        boolean handedBack = false;
        while (!held.isEmpty() && System.nanoTime() - held.peek().since() > HOLD.toNanos()) {
            queue.acknowledge(held.poll().record(), AcknowledgeType.RELEASE);
            handedBack = true;
        }
        if (handedBack) {
            queue.commitSync();
        }
    }

    /** An assignment taken from the queue that waits here for a free slot, since {@code since} (System.nanoTime). */
    private record Held(ConsumerRecord<String, byte[]> record, Assignment assignment, long since) {}

    /** An assignment whose attempt has started, and what became of its start report: null when the broker has it. */
    private record Start(ConsumerRecord<String, byte[]> record, TrialAttempt attempt, Exception error) {}

    /** The attempt an assignment asks for, counted as running (and named in heartbeats) from here on. */
    private TrialAttempt attempt(Assignment a) {
        // Each attempt writes its own directory: a resumed attempt (a retry, a Hyperband resume, a PBT exploit that
        // went back to an earlier step) may save a checkpoint of a step an earlier attempt saved, and retention
        // deleting the earlier one must not delete the later.
        Path checkpointDir = settings.storageRoot().resolve(a.getExperimentId()).resolve(a.getTrialId())
                .resolve("a" + a.getAttempt()).toAbsolutePath().normalize();
        Path logDir = settings.logRoot().resolve(a.getExperimentId()).resolve(a.getTrialId()).resolve("attempt-" + a.getAttempt());
        Reporter reporter = new Reporter(producer, window, new Reporter.Assignment(a.getExperimentId(), a.getTrialId(), a.getAttempt()),
                settings.workerId(), clock);
        TrialAttempt attempt = new TrialAttempt(a, reporter, new Hold(a.getHoldTimeAttr(), a.getHoldAt()), checkpointDir, logDir,
                settings.maxOutputBytes(), timers, settings.workerId(), settings.policy());
        running.put(attempt.key(), attempt);
        return attempt;
    }

    private void launch(TrialAttempt attempt, ConsumerRecord<String, byte[]> record) {
        LOG.info("{} starts {}", settings.workerId(), attempt.key());
        unsettledStarts++;
        try {
            attempt.announce(settings.workerId(), settings.host(), settings.slurmJobId(),
                    (metadata, error) -> sentStarts.add(new Start(record, attempt, error)));
        } catch (RuntimeException e) {
            sentStarts.add(new Start(record, attempt, e));
        }
        trials.execute(() -> {
            try {
                attempt.run();
            } finally {
                Hold hold = attempt.hold();
                if (hold.holds() > 0) {
                    held.record(hold.total());
                    LOG.info("{} held {} {} times for decisions, {} ms in all", settings.workerId(), attempt.key(), hold.holds(),
                            hold.total().toMillis());
                }
                running.remove(attempt.key());
                // No flush: the attempt's last report is on its way, in order behind the others, and waiting for every
                // slot's reports to reach the broker before the next start only idled the slot.
                freeSlots.release();
            }
        });
    }

    private void listenForControl() {
        try {
            while (open.get()) {
                ConsumerRecords<String, byte[]> records;
                try {
                    records = control.poll(Duration.ofMillis(200));
                } catch (WakeupException | org.apache.kafka.common.errors.InterruptException e) {
                    throw e;
                } catch (KafkaException e) {
                    // Missing a STOP would leave a trial running: keep listening through transient errors.
                    LOG.warn("{}: control topic unavailable, retrying: {}", settings.workerId(), e.getMessage());
                    pause(Duration.ofSeconds(1));
                    continue;
                }
                for (ConsumerRecord<String, byte[]> record : records) {
                    try {
                        control(AvroBytes.decodeAny(record.value(), CONTROL_RECORDS));
                    } catch (UndecodableRecord e) {
                        LOG.warn("ignoring undecodable control record: {}", e.getMessage());
                    }
                }
            }
        } catch (WakeupException e) {
            // closing
        } finally {
            control.close();
        }
    }

    /** One record of the control topic: the gate's word on an attempt, or on which reports it has judged. */
    private void control(SpecificRecordBase record) {
        if (record instanceof ReportsTaken taken) {
            window.taken(taken.getPartition(), taken.getThrough());
            return;
        }
        TrialControl c = (TrialControl) record;
        if (c.getWorkerId() != null && !c.getWorkerId().equals(settings.workerId())) {
            return; // for another worker that runs the same attempt (see CommandGate's refused starts)
        }
        TrialAttempt attempt = running.get(TrialAttempt.key(c.getExperimentId(), c.getTrialId(), c.getAttempt()));
        if (attempt == null) {
            return;
        }
        if (c.getAction() == TrialAction.CONTINUE) {
            if (c.getStep() != null) {
                attempt.resume(c.getStep(), c.getHoldAt());
            }
        } else {
            LOG.info("{} {} {}: {}", settings.workerId(), c.getAction(), attempt.key(), c.getReason());
            attempt.stop(c.getReason());
        }
    }

    private static void pause(Duration d) {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void beat() {
        while (open.get()) {
            // An attempt whose reports are still on their way is named too, even once it has ended here: the gate must not
            // take it for lost while it has not judged all it sent.
            Map<String, Integer> inFlight = window.inFlight();
            Set<String> named = new TreeSet<>(running.keySet());
            named.addAll(inFlight.keySet());
            WorkerHeartbeat hb = new WorkerHeartbeat(settings.workerId(), settings.host(), clock.instant(), settings.slots(),
                    new ArrayList<>(named), inFlight, List.of());
            heartbeats.send(new ProducerRecord<>(Topics.HEARTBEATS, settings.workerId(), AvroBytes.encode(hb)));
            try {
                Thread.sleep(HEARTBEAT_EVERY.toMillis());
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    @Override
    public void close() {
        if (!open.compareAndSet(true, false)) {
            return;
        }
        meters.forEach(Metrics.globalRegistry::remove);
        running.values().forEach(a -> a.abandon("worker " + settings.workerId() + " shutting down"));
        queue.wakeup();
        control.wakeup();
        // Kafka clients must not be interrupted (they would fail to leave their groups cleanly): wake them instead.
        threads.stream().filter(t -> t.getName().endsWith("-heartbeat")).forEach(Thread::interrupt);
        trials.shutdown();
        try {
            trials.awaitTermination(TrialAttempt.STOP_GRACE.toSeconds() + 5, TimeUnit.SECONDS);
            for (Thread t : threads) {
                t.join(5000);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        // A KILL still due runs after shutdown (the executor's default policy); its thread is a daemon.
        timers.shutdown();
        producer.close(Duration.ofSeconds(5));
        heartbeats.close(Duration.ofSeconds(5));
    }
}
