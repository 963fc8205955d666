package io.tunelog.service;

import io.tunelog.avro.CommandRejected;
import io.tunelog.avro.DeadLetter;
import io.tunelog.avro.ReportsTaken;
import io.tunelog.avro.TrialAction;
import io.tunelog.avro.TrialControl;
import io.tunelog.codec.AvroBytes;
import io.tunelog.domain.event.Event;
import io.tunelog.domain.event.EventPayload;
import io.tunelog.domain.state.Deadlines;
import io.tunelog.domain.state.ExperimentState;
import io.tunelog.domain.state.ExperimentStatus;
import io.tunelog.domain.state.TrialState;
import io.tunelog.domain.state.TrialStatus;
import io.tunelog.kafka.KafkaClients;
import io.tunelog.kafka.KeyRegistryFollower;
import io.tunelog.kafka.Topics;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The gate's part of the scheduling service's loop: admits commands into the pass's transaction (or rejects them),
 * fails the attempts of workers whose leases ran out, writes the passing of deadlines the log sets ({@code TimeObserved}),
 * and sets aside records no schema decodes. It also answers the
 * workers: which reports it has judged ({@code ReportsTaken}, which bounds what each worker keeps in flight), and,
 * for a report a worker holds its trial at, CONTINUE once the pass's decisions are made (a STOP or PAUSE among them
 * is its own answer). Only the service that {@link ServiceLogic#gatesCommands() gates commands} has one.
 */
final class GateStage implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(GateStage.class);
    private static final Duration LEASE_CHECK_EVERY = Duration.ofSeconds(1);

    private static final Duration KEYS_TIMEOUT = Duration.ofSeconds(60);

    private final String service;
    private final String instance;
    private final KeyRegistryFollower keys;
    private final CommandGate gate;
    private final Leases leases;
    private final ExperimentTracker tracker;
    private final CatchUp catchUp;
    private final LoopTransaction txn;
    private final LoopMetrics metrics;
    private final ServiceLogic logic;
    private static final long CLOCK_CHECK_EVERY_MS = 50;
    private Instant leasesCheckedAt = Instant.EPOCH;
    private Instant clockCheckedAt = Instant.EPOCH;
    /** Reports admitted in this pass that their workers hold their trials at, with their experiments. */
    private final List<Map.Entry<CommandGate.Held, Tracked>> held = new ArrayList<>();

    /**
     * @param requireSignedReports admit only reports signed by their worker's registered key (docs/SIGNING.md): the gate
     *                             then follows the key registry
     */
    GateStage(KafkaClients clients, ServiceLogic logic, String instance, Instant now, ExperimentTracker tracker, CatchUp catchUp,
              LoopTransaction txn, LoopMetrics metrics, boolean requireSignedReports) {
        this.service = logic.service();
        this.instance = instance;
        this.keys = requireSignedReports
                ? new KeyRegistryFollower(clients, "tunelog-" + service + "-" + instance + "-keys", KEYS_TIMEOUT) : null;
        this.gate = new CommandGate(instance, logic::checkSubmittedSpec, id -> WarmStartSources.fold(clients, id),
                keys == null ? CommandGate.ReportCheck.NONE : new ReportSignatures(keys::read));
        this.leases = new Leases(clients, "tunelog-" + service + "-" + instance, now);
        this.tracker = tracker;
        this.catchUp = catchUp;
        this.txn = txn;
        this.metrics = metrics;
        this.logic = logic;
    }

    /**
     * Judges one command and writes its event, or its rejection, with any STOPs it calls for, in the pass's
     * transaction; an admitted event is folded into its experiment at once, which {@code admitted} hears of.
     */
    void admit(ConsumerRecord<String, byte[]> record, Instant now, Consumer<Tracked> admitted) {
        int partition = record.partition();
        CommandGate.Outcome outcome = gate.admit(record, new CommandGate.Views() {
            @Override
            public ExperimentState view(String experimentId) {
                return tracker.tracked(partition, experimentId).state;
            }

            @Override
            public Long basis(String experimentId) {
                return tracker.tracked(partition, experimentId).basis();
            }

            @Override
            public ExperimentStatus settled(String experimentId) {
                return tracker.partition(partition).ledger.skippedStatus(experimentId);
            }
        }, now);
        if (outcome.accepted() != null) {
            metrics.admitted.increment();
            Tracked t = tracker.tracked(partition, outcome.accepted().experimentId());
            txn.append(t, outcome.accepted(), ReportAttestation.headers(record));
            t.wroteAhead(outcome.accepted());
            for (Event imported : outcome.following()) {
                txn.append(t, imported);
                t.wroteAhead(imported);
            }
            admitted.accept(t);
            if (outcome.held() != null) {
                held.add(Map.entry(outcome.held(), t));
            }
        } else {
            metrics.rejected.increment();
            CommandRejected r = outcome.rejected();
            if (outcome.undecodable()) {
                deadLetter(record, r.getReason());
            }
            LOG.info("{}: rejected {}-{}@{}: {}", service, r.getTopic(), r.getPartition(), r.getOffset(), r.getReason());
            txn.send(new ProducerRecord<>(Topics.REJECTIONS, r.getExperimentId(), AvroBytes.encode(r)));
        }
        for (TrialControl stop : outcome.stops()) {
            txn.send(new ProducerRecord<>(Topics.CONTROL, stop.getExperimentId(), AvroBytes.encode(stop)));
        }
        if (outcome.rejected() != null && outcome.held() != null) {
            // Nothing will judge a refused report: its worker goes on, and holds the attempt no more.
            answer(outcome.held(), "report refused: " + outcome.rejected().getReason(), null);
        }
    }

    /**
     * Answers the held reports admitted in this pass, once its decisions are made: CONTINUE, with where to hold next,
     * for a trial still running the same attempt; a trial stopped or paused has its STOP or PAUSE already.
     */
    void answerHeld() {
        for (Map.Entry<CommandGate.Held, Tracked> entry : held) {
            CommandGate.Held report = entry.getKey();
            TrialState trial = entry.getValue().state.trial(report.trialId());
            if (trial != null && trial.status() == TrialStatus.RUNNING && trial.attempt() == report.attempt()) {
                answer(report, "judged", logic.nextMilestone(entry.getValue().state, report.trialId()));
            }
        }
        held.clear();
    }

    private void answer(CommandGate.Held report, String reason, Double holdAt) {
        txn.send(new ProducerRecord<>(Topics.CONTROL, report.experimentId(), AvroBytes.encode(new TrialControl(report.experimentId(),
                report.trialId(), report.attempt(), TrialAction.CONTINUE, reason, report.workerId(), report.step(), holdAt))));
    }

    /** Tells the workers which reports the gate has judged: on each partition of the reports topic, those before its position. */
    void reportsTaken(Map<Integer, Long> positions) {
        positions.forEach((partition, through) -> txn.send(new ProducerRecord<>(Topics.CONTROL, "reports-" + partition,
                AvroBytes.encode(new ReportsTaken(partition, through)))));
    }

    /** Sets a record aside on the dead-letter topic, in the pass's transaction, with where it was and why. */
    void deadLetter(ConsumerRecord<String, byte[]> record, String reason) {
        DeadLetter letter = new DeadLetter(record.topic(), record.partition(), record.offset(), record.key(), reason,
                service + "/" + instance, record.value() == null ? null : ByteBuffer.wrap(record.value()));
        txn.send(new ProducerRecord<>(Topics.DEAD_LETTERS, record.topic() + "-" + record.partition(), AvroBytes.encode(letter)));
    }

    /**
     * Takes in heartbeats and, once a second, fails the running attempts whose workers' leases ran out, in experiments
     * of caught-up partitions, and tells their workers (if they are alive but lost) to end them; and logs, for each
     * attempt waiting for a worker, when whether any live worker could run it has changed ({@link Placement}). Each
     * event is written in the pass's transaction and folded into its experiment at once, which {@code changed} hears of.
     */
    void watchWorkers(Instant now, Consumer<Tracked> changed) {
        leases.poll(now);
        if (Duration.between(leasesCheckedAt, now).compareTo(LEASE_CHECK_EVERY) < 0) {
            return;
        }
        leasesCheckedAt = now;
        List<Placement.Worker> live = leases.liveCapacities(now);
        for (int partition : tracker.partitions().keySet()) {
            if (catchUp.isCatchingUp(partition)) {
                continue;
            }
            for (Tracked t : tracker.experiments(partition)) {
                for (Leases.Lapsed lapsed : leases.lapsed(t.state, now)) {
                    // Folded before the next is judged: two failures of one experiment take consecutive sequence numbers.
                    gate.admitLapsedLease(t.state, lapsed.trial().trialId(), lapsed.trial().attempt(), lapsed.reason(), t.basis(), now)
                            .ifPresent(e -> {
                                EventPayload.TrialFailed trialFailed = (EventPayload.TrialFailed) e.payload();
                                LOG.warn("{}: {} attempt {}: {}", service, e.trialId(), trialFailed.attempt(), trialFailed.error());
                                txn.append(t, e);
                                t.wroteAhead(e);
                                txn.send(new ProducerRecord<>(Topics.CONTROL, e.experimentId(), AvroBytes.encode(new TrialControl(
                                        e.experimentId(), e.trialId(), trialFailed.attempt(), TrialAction.STOP, trialFailed.error(), null, null, null))));
                                changed.accept(t);
                            });
                }
                observePlacements(t, live, now, changed);
            }
        }
    }

    /**
     * Logs a waiting attempt as unplaceable when its trial's resources exceed every live worker's, and as placeable again
     * once one covers them: an observation of the heartbeats, which the scheduler's decisions then read from the log.
     */
    private void observePlacements(Tracked t, List<Placement.Worker> live, Instant now, Consumer<Tracked> changed) {
        if (t.state.status() != ExperimentStatus.RUNNING) {
            return;
        }
        Optional<Placement.Verdict> judged = Placement.judge(t.state.spec().trial().resources(), live);
        if (judged.isEmpty()) {
            return;
        }
        Placement.Verdict verdict = judged.get();
        // A copy: each admitted event is folded into the state at once.
        for (TrialState trial : List.copyOf(t.state.openTrials())) {
            boolean waiting = trial.status() == TrialStatus.QUEUED || trial.status() == TrialStatus.FAILED;
            if (!waiting || verdict.placeable() == (trial.unplaceable() == null)) {
                continue;
            }
            gate.admitPlacement(t.state, trial, verdict, t.basis(), now).ifPresent(e -> {
                LOG.info("{}: {} attempt {} {}: {}", service, e.trialId(), trial.attempt(), verdict.placeable() ? "placeable" : "unplaceable",
                        verdict.reason());
                txn.append(t, e);
                t.wroteAhead(e);
                changed.accept(t);
            });
        }
    }

    /**
     * Writes the passing of time to the log: for each running experiment of a caught-up partition whose next deadline
     * ({@link Deadlines}: {@code budget.seconds}, a running trial's {@code trial.stop.seconds}) has passed on this gate's
     * clock, a {@code TimeObserved}, which the scheduler then decides on. One observation covers every deadline passed by
     * then. Checked every {@value #CLOCK_CHECK_EVERY_MS} ms at most: a stop lands within that and a pass of its deadline.
     */
    void observeTime(Instant now, Consumer<Tracked> changed) {
        if (Duration.between(clockCheckedAt, now).toMillis() < CLOCK_CHECK_EVERY_MS) {
            return;
        }
        clockCheckedAt = now;
        for (int partition : tracker.partitions().keySet()) {
            if (catchUp.isCatchingUp(partition)) {
                continue;
            }
            for (Tracked t : tracker.experiments(partition)) {
                Optional<Deadlines.Deadline> next = Deadlines.next(t.state);
                if (next.isEmpty() || next.get().due() > now.toEpochMilli()) {
                    continue;
                }
                gate.admitTimeObserved(t.state, next.get(), t.basis(), now).ifPresent(e -> {
                    LOG.info("{}: experiment {}: {} passed, observed at {}", service, e.experimentId(), next.get().describe(), now);
                    txn.append(t, e);
                    t.wroteAhead(e);
                    changed.accept(t);
                });
            }
        }
    }

    /** The workers heard from within a lease. */
    int liveWorkers(Instant now) {
        return leases.liveWorkers(now);
    }

    @Override
    public void close() {
        leases.close();
        if (keys != null) {
            keys.close();
        }
    }
}
