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
import io.tunelog.domain.event.EventPayload;
import io.tunelog.kafka.KafkaClients;
import io.tunelog.kafka.Topics;
import io.tunelog.security.RecordSignature;
import io.tunelog.kafka.WorkQueue;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BiConsumer;
import org.apache.avro.specific.SpecificRecordBase;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.KafkaShareConsumer;
import org.apache.kafka.clients.producer.Callback;
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
 * A stateless worker: takes assignments from the share-group queue while it has a free CPU, runs each attempt once its
 * trial's resources are free (on devices of its own), reports to the gate, obeys STOP, and sends heartbeats that state
 * what it has. It keeps nothing that matters: kill it and its attempts are queued again elsewhere.
 */
public final class WorkerAgent implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(WorkerAgent.class);
    private static final Duration HEARTBEAT_EVERY = Duration.ofSeconds(2);
    /** What the gate writes on the control topic. */
    private static final List<Class<? extends SpecificRecordBase>> CONTROL_RECORDS = List.of(TrialControl.class, ReportsTaken.class);
    /**
     * Where a worker keeps files, and what it is. {@code slots} is its CPUs ({@code --cpus}): a trial holds its
     * {@code trial.resources.cpus} of them while it runs. {@code gpus} are its devices ({@code --gpus}), each given to one
     * attempt at a time. {@code maxOutputBytes} caps what one attempt may write to stdout, and to stderr: past it the worker
     * ends the trial and reports it failed, and the trial's {@code stdout.log} and {@code stderr.log} never grow past it. {@code policy} says what the
     * worker runs and what of its environment a trial gets. {@code hold}: how long it keeps an assignment that fits it
     * but not yet, before it hands it back for another worker. {@code pythonHelper} is the {@code tunelog} Python
     * package it puts first on a process trial's {@code PYTHONPATH}, if any. {@code sandbox}, when given, is what each
     * process trial runs in (its storage and log roots hidden there too); such a worker refuses JVM trainables.
     */
    public record Settings(String workerId, String host, int slots, Path storageRoot, Path logRoot, String slurmJobId,
                           long maxOutputBytes, TrialPolicy policy, int maxReportsInFlight, List<String> gpus, Duration hold,
                           PythonHelper pythonHelper, Sandbox sandbox, RecordSignature.Signer reportSigner) {
        /** A third of the queue's 15 s lock on an assignment. */
        public static final Duration DEFAULT_HOLD = Duration.ofSeconds(5);
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
            gpus = gpus == null ? List.of() : List.copyOf(gpus);
            hold = hold == null ? DEFAULT_HOLD : hold;
            pythonHelper = pythonHelper == null ? PythonHelper.none("none was given to this worker") : pythonHelper;
        }

        public Settings(String workerId, String host, int slots, Path storageRoot, Path logRoot, String slurmJobId,
                        long maxOutputBytes, TrialPolicy policy) {
            this(workerId, host, slots, storageRoot, logRoot, slurmJobId, maxOutputBytes, policy, DEFAULT_MAX_REPORTS_IN_FLIGHT,
                    List.of(), DEFAULT_HOLD, null, null, null);
        }

        /** A worker that runs anything it is assigned, with the default environment allow-list. */
        public Settings(String workerId, String host, int slots, Path storageRoot, Path logRoot, String slurmJobId,
                        long maxOutputBytes) {
            this(workerId, host, slots, storageRoot, logRoot, slurmJobId, maxOutputBytes, TrialPolicy.open());
        }

        public Settings withMaxOutputBytes(long bytes) {
            return new Settings(workerId, host, slots, storageRoot, logRoot, slurmJobId, bytes, policy, maxReportsInFlight, gpus, hold, pythonHelper,
                    sandbox, reportSigner);
        }

        public Settings withPolicy(TrialPolicy trialPolicy) {
            return new Settings(workerId, host, slots, storageRoot, logRoot, slurmJobId, maxOutputBytes, trialPolicy, maxReportsInFlight,
                    gpus, hold, pythonHelper, sandbox, reportSigner);
        }

        public Settings withMaxReportsInFlight(int reports) {
            return new Settings(workerId, host, slots, storageRoot, logRoot, slurmJobId, maxOutputBytes, policy, reports, gpus, hold, pythonHelper,
                    sandbox, reportSigner);
        }

        /** Its devices (ids as CUDA_VISIBLE_DEVICES names them), each given to one attempt at a time. */
        public Settings withGpus(List<String> devices) {
            return new Settings(workerId, host, slots, storageRoot, logRoot, slurmJobId, maxOutputBytes, policy, maxReportsInFlight,
                    devices, hold, pythonHelper, sandbox, reportSigner);
        }

        public Settings withPythonHelper(PythonHelper helper) {
            return new Settings(workerId, host, slots, storageRoot, logRoot, slurmJobId, maxOutputBytes, policy, maxReportsInFlight,
                    gpus, hold, helper, sandbox, reportSigner);
        }

        /** Runs every process trial in this sandbox, and refuses JVM trainables; null: no sandbox. */
        public Settings withSandbox(Sandbox trialSandbox) {
            return new Settings(workerId, host, slots, storageRoot, logRoot, slurmJobId, maxOutputBytes, policy, maxReportsInFlight,
                    gpus, hold, pythonHelper, trialSandbox, reportSigner);
        }

        /** Signs every report with this key (docs/SIGNING.md); null: reports go unsigned. */
        public Settings withReportSigner(RecordSignature.Signer signer) {
            return new Settings(workerId, host, slots, storageRoot, logRoot, slurmJobId, maxOutputBytes, policy, maxReportsInFlight,
                    gpus, hold, pythonHelper, sandbox, signer);
        }

        public Settings withHold(Duration held) {
            return new Settings(workerId, host, slots, storageRoot, logRoot, slurmJobId, maxOutputBytes, policy, maxReportsInFlight,
                    gpus, held, pythonHelper, sandbox, reportSigner);
        }
    }

    private final KafkaClients clients;
    private final Settings settings;
    private final Clock clock = Clock.systemUTC();
    private final ResourcePool pool;
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
    private final AssignmentIntake intake;
    /** The settings' sandbox, hiding this worker's storage and log roots as well; null when trials run unsandboxed. */
    private final Sandbox sandbox;

    public WorkerAgent(KafkaClients clients, Settings settings) {
        this.clients = clients;
        this.settings = settings;
        this.pool = new ResourcePool(settings.slots(), settings.gpus());
        this.sandbox = settings.sandbox() == null ? null : settings.sandbox().hiding(List.of(settings.storageRoot(), settings.logRoot()));
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
        // three other workers idled. Those beyond the free CPUs wait in the worker (see AssignmentIntake). One per
        // poll (max.poll.records 1) made a trial wait 2.5 s in the queue, not 0.3 s, in the bookkeeping benchmark.
        props.put("share.acquire.mode", "record_limit");
        props.put("max.poll.records", settings.slots());
        this.queue = new KafkaShareConsumer<>(props, new StringDeserializer(), new ByteArrayDeserializer());
        this.control = clients.consumer(settings.workerId() + "-control", null);
        this.intake = new AssignmentIntake(queue, pool, new Attempts(), settings.workerId(), settings.hold(), open);
    }

    public WorkerAgent start() {
        settings.pythonHelper().sayOnce(LOG);
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
        threads.add(daemon("queue", intake::run));
        threads.add(daemon("heartbeat", this::beat));
        threads.forEach(Thread::start);
        // Micrometer's global registry: a no-op unless the process added one (the CLI does, to serve /metrics).
        MeterRegistry registry = Metrics.globalRegistry;
        // Each gauge's name ends in its base unit, as Prometheus's naming asks; Micrometer appends it where it does not.
        meters.add(Gauge.builder("tunelog.worker.slots", settings, Settings::slots).baseUnit("slots").description("Trial slots of the worker")
                .tag("worker", settings.workerId()).register(registry));
        meters.add(Gauge.builder("tunelog.worker.running.attempts", running, Map::size).baseUnit("attempts").description("Attempts the worker runs")
                .tag("worker", settings.workerId()).register(registry));
        meters.add(Gauge.builder("tunelog.worker.in.flight.reports", window, ReportWindow::size).baseUnit("reports")
                .description("Reports sent and not yet judged by the gate").tag("worker", settings.workerId()).register(registry));
        started = true;
        LOG.info("worker {} on {} ready with {} CPUs and GPUs {}; trials get {} of its environment{}", settings.workerId(),
                settings.host(), settings.slots(), settings.gpus(), settings.policy().trialEnv(), settings.policy().restricted()
                        ? "; it runs only commands " + settings.policy().allowedCommands() + " and trainables "
                        + settings.policy().allowedTrainables() : "");
        if (sandbox != null) {
            LOG.info("worker {} runs trial commands in a sandbox ({}) and refuses JVM trainables", settings.workerId(), sandbox);
        }
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

    /** Assignments this worker released to the queue so far (each a delivery spent), and returned to the gate at the limit. */
    public long handedBack() {
        return intake.handedBack();
    }

    public long returnedToGate() {
        return intake.returned();
    }

    private Thread daemon(String name, Runnable body) {
        Thread t = new Thread(body, settings.workerId() + "-" + name);
        t.setDaemon(true);
        return t;
    }

    /** The attempt an assignment asks for, on resources taken for it, counted as running (and named in heartbeats) from here on. */
    private TrialAttempt attempt(Assignment a, ResourcePool.Grant grant) {
        // Each attempt writes its own directory: a resumed attempt (a retry, a Hyperband resume, a PBT exploit that
        // went back to an earlier step) may save a checkpoint of a step an earlier attempt saved, and retention
        // deleting the earlier one must not delete the later.
        Path checkpointDir = settings.storageRoot().resolve(a.getExperimentId()).resolve(a.getTrialId())
                .resolve("a" + a.getAttempt()).toAbsolutePath().normalize();
        Path logDir = settings.logRoot().resolve(a.getExperimentId()).resolve(a.getTrialId()).resolve("attempt-" + a.getAttempt());
        TrialAttempt attempt = new TrialAttempt(a, reporter(a), new Hold(a.getHoldTimeAttr(), a.getHoldAt()), checkpointDir, logDir,
                settings.maxOutputBytes(), timers, settings.workerId(), settings.policy(), settings.pythonHelper(), grant.devices(),
                sandbox);
        running.put(attempt.key(), attempt);
        return attempt;
    }

    private Reporter reporter(Assignment a) {
        return new Reporter(producer, window, new Reporter.Assignment(a.getExperimentId(), a.getTrialId(), a.getAttempt()),
                settings.workerId(), clock, settings.reportSigner());
    }

    /** How the queue thread starts an attempt and hands one back to the gate. */
    private final class Attempts implements AssignmentIntake.Attempts {
        @Override
        public void launch(Assignment a, ResourcePool.Grant grant, BiConsumer<TrialAttempt, Exception> onSent) {
            TrialAttempt attempt = attempt(a, grant);
            LOG.info("{} starts {}{}", settings.workerId(), attempt.key(), grant.devices().isEmpty() ? "" : " on devices " + grant.devices());
            try {
                attempt.announce(settings.workerId(), settings.host(), settings.slurmJobId(),
                        (metadata, error) -> onSent.accept(attempt, error));
            } catch (RuntimeException e) {
                onSent.accept(attempt, e);
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
                    // No flush: the attempt's last report is on its way, in order behind the others (the next start on
                    // these devices follows it on the same partition), and waiting for every slot's reports to reach the
                    // broker before the next start only idled the slot.
                    pool.give(grant);
                }
            });
        }

        @Override
        public void returnToGate(Assignment a, String reason, Callback onSent) {
            reporter(a).send(new EventPayload.TrialFailed(a.getAttempt(), reason, true, true), onSent);
        }
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
                    new ArrayList<>(named), inFlight, settings.gpus());
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
