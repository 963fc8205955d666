package io.tunelog.worker;

import io.tunelog.avro.Assignment;
import io.tunelog.codec.AvroBytes;
import io.tunelog.codec.AvroBytes.UndecodableRecord;
import io.tunelog.kafka.WorkQueue;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Iterator;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiConsumer;
import org.apache.kafka.clients.consumer.AcknowledgeType;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaShareConsumer;
import org.apache.kafka.clients.producer.Callback;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The worker's queue thread: takes assignments from the share group while it has a free CPU, starts each once its
 * trial's resources are free ({@link ResourcePool}), and otherwise holds it, hands it back to the queue, or, near the
 * queue's delivery limit, returns it to the gate ({@link IntakeRule}); it polls no sooner than {@link PollPacing} says.
 *
 * <p>A poll may bring more than there is room for (up to {@code --cpus} assignments): the extras are held here, oldest
 * first, and started as resources free up, without asking the queue again. Handing them back at once cost a queue round
 * trip per start and one of each assignment's deliveries per hand-back.
 *
 * <p>An attempt starts at once, while its start report is on its way; its assignment is accepted only when the broker
 * has the report ({@link #settle}). A worker that dies before that leaves the assignment to be delivered again when its
 * lock ends; one that dies after has started the attempt in the log, whose lease then runs out. Accepted at once, an
 * assignment whose taker died before its start reached the log was lost, and its trial stayed queued for ever.
 */
final class AssignmentIntake {
    private static final Logger LOG = LoggerFactory.getLogger(AssignmentIntake.class);

    /** How the intake gets an attempt going, or hands one back to the gate. */
    interface Attempts {
        /**
         * Starts an attempt on resources taken for it; {@code onSent} hears whether the broker has its start report (a null
         * error) or not, with the attempt, to be stopped then.
         */
        void launch(Assignment assignment, ResourcePool.Grant grant, BiConsumer<TrialAttempt, Exception> onSent);

        /** Reports the queued attempt failed, preempted, so that the scheduler queues it again; {@code onSent} as above. */
        void returnToGate(Assignment assignment, String reason, Callback onSent);
    }

    private final KafkaShareConsumer<String, byte[]> queue;
    private final ResourcePool pool;
    private final Attempts attempts;
    private final String workerId;
    private final Duration hold;
    private final AtomicBoolean open;
    /** Start and return reports the broker has answered, for this thread to accept or hand back their assignments. */
    private final BlockingQueue<Sent> sent = new LinkedBlockingQueue<>();
    /** Reports sent and not yet settled; this thread's alone. */
    private int unsettled;
    private final PollPacing pacing;
    private final AtomicLong handedBack = new AtomicLong();
    private final AtomicLong returned = new AtomicLong();

    AssignmentIntake(KafkaShareConsumer<String, byte[]> queue, ResourcePool pool, Attempts attempts, String workerId, Duration hold,
                     AtomicBoolean open) {
        this.queue = queue;
        this.pool = pool;
        this.attempts = attempts;
        this.workerId = workerId;
        this.hold = hold;
        this.open = open;
        this.pacing = new PollPacing(hold);
    }

    /** Assignments released to the queue so far, each one a delivery spent. */
    long handedBack() {
        return handedBack.get();
    }

    /** Assignments returned to the gate near the queue's delivery limit so far. */
    long returned() {
        return returned.get();
    }

    /** An assignment taken from the queue that waits here, since {@code since} (System.nanoTime). */
    private record Held(ConsumerRecord<String, byte[]> record, Assignment assignment, long since) {}

    /**
     * A report about a taken assignment, and what became of it: {@code error} is null when the broker has it;
     * {@code attempt}, for a start, is what to stop when it could not be sent.
     */
    private record Sent(ConsumerRecord<String, byte[]> record, TrialAttempt attempt, Exception error) {}

    void run() {
        Deque<Held> held = new ArrayDeque<>();
        try {
            while (open.get()) {
                settle(0);
                place(held);
                if (!held.isEmpty() || pool.freeCpus() == 0 || !pacing.mayPoll(System.nanoTime(), pool.given())) {
                    pool.awaitGiven(20);
                    continue;
                }
                // The queue's rule for explicit acknowledgement: every record of the last poll is acknowledged before the
                // next poll. So a worker polls only once it has settled every report it sent about one and started,
                // returned or handed back every assignment it held.
                settle(Long.MAX_VALUE);
                for (ConsumerRecord<String, byte[]> record : queue.poll(Duration.ofMillis(500))) {
                    try {
                        held.add(new Held(record, AvroBytes.decode(Assignment.class, record.value()), System.nanoTime()));
                    } catch (UndecodableRecord e) {
                        LOG.error("refusing undecodable assignment at {}-{}@{}: {}", record.topic(), record.partition(), record.offset(), e.getMessage());
                        queue.acknowledge(record, AcknowledgeType.REJECT);
                    }
                }
                place(held);
            }
        } catch (InterruptedException | WakeupException e) {
            // closing
        } finally {
            // Reports still on their way are settled before leaving, so that an assignment this worker started is not
            // handed to another worker to run again, for nothing, as the queue would once the lock ended.
            try {
                settle(2_000);
            } catch (InterruptedException | RuntimeException e) {
                LOG.warn("{}: leaving with {} starts unsettled: {}", workerId, unsettled, e.toString());
            }
            held.forEach(h -> queue.acknowledge(h.record(), AcknowledgeType.RELEASE));
            queue.close(Duration.ofSeconds(5));
        }
    }

    /** Starts, returns or hands back each held assignment as {@link IntakeRule} says, oldest first; keeps the rest. */
    private void place(Deque<Held> held) {
        if (held.isEmpty()) {
            return;
        }
        boolean started = false;
        boolean releasedFitting = false;
        boolean releasedNeverFits = false;
        for (Iterator<Held> it = held.iterator(); it.hasNext(); ) {
            Held h = it.next();
            Assignment a = h.assignment();
            boolean fits = pool.fits(a.getCpus(), a.getGpus());
            Optional<ResourcePool.Grant> grant = fits ? pool.take(a.getCpus(), a.getGpus()) : Optional.empty();
            int delivery = h.record().deliveryCount().map(Short::intValue).orElse(1);
            Duration heldFor = Duration.ofNanos(System.nanoTime() - h.since());
            IntakeRule.Action action = IntakeRule.decide(grant.isPresent(), fits, delivery, WorkQueue.DELIVERY_LIMIT, heldFor, hold);
            switch (action) {
                case START -> {
                    it.remove();
                    launch(h, grant.get());
                    started = true;
                }
                case HOLD -> { }
                case HAND_BACK -> {
                    it.remove();
                    queue.acknowledge(h.record(), AcknowledgeType.RELEASE);
                    handedBack.incrementAndGet();
                    releasedFitting |= fits;
                    releasedNeverFits |= !fits;
                    if (!fits) {
                        LOG.info("{} hands back {}/{}/{}: it needs {}, and this worker has {} CPUs and {} GPUs", workerId,
                                a.getExperimentId(), a.getTrialId(), a.getAttempt(), need(a), pool.cpus(), pool.devices().size());
                    }
                }
                case RETURN -> {
                    it.remove();
                    returnToGate(h, delivery, fits);
                }
            }
        }
        if (releasedFitting || releasedNeverFits) {
            queue.commitSync();
        }
        pacing.placed(System.nanoTime(), pool.given(), started, releasedFitting, releasedNeverFits);
    }

    private void launch(Held h, ResourcePool.Grant grant) {
        unsettled++;
        attempts.launch(h.assignment(), grant, (attempt, error) -> sent.add(new Sent(h.record(), attempt, error)));
    }

    private void returnToGate(Held h, int delivery, boolean fits) {
        Assignment a = h.assignment();
        String reason = "assignment handed back: delivered " + delivery + " times (the queue's limit is " + WorkQueue.DELIVERY_LIMIT
                + ") and worker " + workerId
                + (fits ? " had no room for it then" : " can never run it") + " (it needs " + need(a) + "); returned to the gate";
        LOG.info("{} returns {}/{}/{} to the gate: {}", workerId, a.getExperimentId(), a.getTrialId(), a.getAttempt(), reason);
        unsettled++;
        returned.incrementAndGet();
        try {
            attempts.returnToGate(a, reason, (metadata, error) -> sent.add(new Sent(h.record(), null, error)));
        } catch (RuntimeException e) {
            sent.add(new Sent(h.record(), null, e));
        }
    }

    private static String need(Assignment a) {
        return new io.tunelog.domain.spec.Resources(a.getCpus(), a.getGpus()).describe();
    }

    /**
     * Accepts each assignment whose start or return the broker has, and hands back (stopping its attempt) each whose
     * report could not be sent.
     *
     * @param waitMillis how long to wait for each report still on its way; 0 settles only those already answered
     */
    private void settle(long waitMillis) throws InterruptedException {
        boolean settledAny = false;
        while (unsettled > 0) {
            Sent s = sent.poll(waitMillis, TimeUnit.MILLISECONDS);
            if (s == null) {
                break;
            }
            unsettled--;
            settledAny = true;
            if (s.error() == null) {
                queue.acknowledge(s.record(), AcknowledgeType.ACCEPT);
                continue;
            }
            LOG.warn("{}: handing {}-{}@{} back to the queue: cannot send its report: {}", workerId, s.record().topic(),
                    s.record().partition(), s.record().offset(), s.error().getMessage());
            if (s.attempt() != null) {
                s.attempt().stop("cannot send its start: " + s.error().getMessage());
            }
            queue.acknowledge(s.record(), AcknowledgeType.RELEASE);
        }
        if (settledAny) {
            // Asynchronously: a lost acceptance only means the assignment is delivered again when its lock ends, and the
            // gate refuses its second start.
            queue.commitAsync();
        }
    }
}
