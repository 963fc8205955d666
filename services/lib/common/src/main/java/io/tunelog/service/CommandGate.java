package io.tunelog.service;

import io.tunelog.avro.CancelExperiment;
import io.tunelog.avro.CommandRejected;
import io.tunelog.avro.EnqueueTrial;
import io.tunelog.avro.SubmitExperiment;
import io.tunelog.avro.TrialAction;
import io.tunelog.avro.TrialControl;
import io.tunelog.avro.WorkerReport;
import io.tunelog.codec.AvroBytes;
import io.tunelog.codec.AvroBytes.UndecodableRecord;
import io.tunelog.codec.EventCodec;
import io.tunelog.domain.event.Event;
import io.tunelog.domain.event.EventPayload;
import io.tunelog.domain.spec.ConfigCheck;
import io.tunelog.domain.spec.ExperimentSpec;
import io.tunelog.domain.spec.SpecException;
import io.tunelog.domain.spec.SpecJson;
import io.tunelog.domain.spec.SpecParser;
import io.tunelog.domain.state.Admission;
import io.tunelog.domain.state.Deadlines;
import io.tunelog.domain.state.ExperimentState;
import io.tunelog.domain.state.ExperimentStatus;
import io.tunelog.domain.state.TrialState;
import io.tunelog.domain.state.TrialStatus;
import io.tunelog.kafka.Topics;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.Function;
import org.apache.avro.specific.SpecificRecordBase;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The trust boundary: turns one command (a submission, a cancellation or a worker report) into an event for
 * the log, or into a rejection with its reason. Producers and workers never write the log themselves. It judges
 * against a view it does not change: the caller folds what it admits into the view before the next command.
 */
final class CommandGate {
    static final String SOURCE = ServiceLogic.GATE_SOURCE;
    /** What producers may send on the submissions topic. */
    private static final List<Class<? extends SpecificRecordBase>> SUBMISSION_COMMANDS =
            List.of(SubmitExperiment.class, CancelExperiment.class, EnqueueTrial.class);

    private static final Logger LOG = LoggerFactory.getLogger(CommandGate.class);

    private final String instance;
    private final Consumer<ExperimentSpec> specCheck;
    private final Function<String, ExperimentState> sources;
    private final ReportCheck reportCheck;

    /** A check of a report's record before the rules judge it: its signature (see ReportSignatures). */
    interface ReportCheck {
        ReportCheck NONE = (record, report) -> Optional.empty();

        /** Why the report is refused, if it is. */
        Optional<String> problem(ConsumerRecord<String, byte[]> record, WorkerReport report);
    }

    /**
     * @param specCheck checks beyond the parser's; a {@link SpecException} from it rejects the submission
     * @param sources an experiment as folded from its own log, for a submission's warmStart; an empty state when unknown
     * @param reportCheck refuses a report before the rules judge it (its signature); {@link ReportCheck#NONE}: none
     */
    CommandGate(String instance, Consumer<ExperimentSpec> specCheck, Function<String, ExperimentState> sources, ReportCheck reportCheck) {
        this.instance = instance;
        this.specCheck = specCheck;
        this.sources = sources;
        this.reportCheck = reportCheck;
    }

    CommandGate(String instance, Consumer<ExperimentSpec> specCheck, Function<String, ExperimentState> sources) {
        this(instance, specCheck, sources, ReportCheck.NONE);
    }

    /** A gate that knows no experiment but those of its views: every warmStart source is unknown. */
    CommandGate(String instance, Consumer<ExperimentSpec> specCheck) {
        this(instance, specCheck, ExperimentState::new);
    }

    /**
     * The outcome of one command: exactly one of the first two is set; an undecodable command is also a dead
     * letter. {@code stops} go to workers in the same transaction: the running attempts of a cancelled
     * experiment, or an attempt whose start was refused (its worker runs it already, and nothing it reports
     * would be admitted). {@code following} are the gate's events right after the accepted one: a warm-started
     * submission's imported observations.
     */
    record Outcome(Event accepted, CommandRejected rejected, boolean undecodable, List<TrialControl> stops, Held held,
                   List<Event> following) {
        static Outcome accept(Event e) { return new Outcome(e, null, false, List.of(), null, List.of()); }
        static Outcome reject(CommandRejected r) { return new Outcome(null, r, false, List.of(), null, List.of()); }

        Outcome withStops(List<TrialControl> controls) {
            return new Outcome(accepted, rejected, undecodable, controls, held, following);
        }

        Outcome withHeld(Held report) {
            return new Outcome(accepted, rejected, undecodable, stops, report, following);
        }

        Outcome withFollowing(List<Event> events) {
            return new Outcome(accepted, rejected, undecodable, stops, held, List.copyOf(events));
        }
    }

    /** A report its worker holds the trial at until the gate answers (see {@code WorkerReport.held}). */
    record Held(String experimentId, String trialId, int attempt, long step, String workerId) {}

    /** How the gate sees the experiments of a partition. */
    interface Views {
        /** The gate view of an experiment by id (created empty when unknown); never asked about a settled one. */
        ExperimentState view(String experimentId);

        /** Offset of the last log event folded for that experiment, or null. */
        Long basis(String experimentId);

        /**
         * The end status of an experiment skipped as settled (its state was not folded, see
         * {@link PartitionLedger}), or null for any other.
         */
        ExperimentStatus settled(String experimentId);
    }

    /** Judges a command against the look-ahead view of its experiment. */
    Outcome admit(ConsumerRecord<String, byte[]> record, Views views, Instant now) {
        try {
            switch (record.topic()) {
                case Topics.SUBMISSIONS:
                    SpecificRecordBase command = AvroBytes.decodeAny(record.value(), SUBMISSION_COMMANDS);
                    return command instanceof CancelExperiment cancel ? cancellation(record, cancel, views, now)
                            : command instanceof EnqueueTrial enqueue ? enqueue(record, enqueue, views, now)
                            : submission(record, (SubmitExperiment) command, views, now);
                case Topics.REPORTS:
                    return report(record, AvroBytes.decode(WorkerReport.class, record.value()), views, now);
                default:
                    throw new IllegalArgumentException("not a command topic: " + record.topic());
            }
        } catch (UndecodableRecord e) {
            return new Outcome(null, reject(record, record.key(), null, e.getMessage()).rejected(), true, List.of(), null, List.of());
        }
    }

    private Outcome submission(ConsumerRecord<String, byte[]> record, SubmitExperiment cmd, Views views, Instant now) {
        String experimentId = cmd.getExperimentId();
        Optional<String> idProblem = experimentIdProblem(record, experimentId);
        if (idProblem.isPresent()) {
            return reject(record, experimentId, null, idProblem.get());
        }
        ExperimentSpec spec;
        try {
            spec = SpecParser.parse(cmd.getSpec());
            specCheck.accept(spec);
        } catch (SpecException e) {
            return reject(record, experimentId, null, "invalid spec at " + e.getMessage());
        }
        var payload = new EventPayload.ExperimentSubmitted(spec.name(), SpecJson.toJson(spec), spec.seed(), cmd.getSubmittedBy());
        Outcome outcome = accept(record, experimentId, null, "submitted", payload, views, now);
        if (outcome.accepted() == null || spec.warmStartFrom().isEmpty()) {
            return outcome;
        }
        WarmStart.Imports imports;
        try {
            imports = WarmStart.imports(spec, sources);
        } catch (WarmStart.Refused e) {
            return reject(record, experimentId, null, "invalid spec at " + e.getMessage());
        }
        LOG.info("{}: warm start from {}: {} observations imported, {} finished trials outside the search space skipped",
                experimentId, spec.warmStartFrom(), imports.observations().size(), imports.skipped());
        Event submitted = outcome.accepted();
        List<Event> following = new ArrayList<>();
        for (EventPayload.ObservationImported o : imports.observations()) {
            // Numbered on from the submission, which the view has not folded yet.
            following.add(new Event(Event.id(experimentId, "import/" + o.fromExperiment() + "/" + o.fromTrial()), experimentId, null,
                    submitted.sequence() + 1 + following.size(), now, submitted.source(), submitted.basis(), o));
        }
        return outcome.withFollowing(following);
    }

    /** Ends a running experiment: the fold cancels its open trials, and the workers of the running ones are told to stop. */
    private Outcome cancellation(ConsumerRecord<String, byte[]> record, CancelExperiment cmd, Views views, Instant now) {
        String experimentId = cmd.getExperimentId();
        Optional<String> idProblem = experimentIdProblem(record, experimentId);
        if (idProblem.isPresent()) {
            return reject(record, experimentId, null, idProblem.get());
        }
        // Taken from the view before the cancellation: once it is folded, no trial of the experiment runs.
        List<TrialState> running = views.settled(experimentId) != null ? List.of()
                : views.view(experimentId).openTrials().stream().filter(t -> t.status() == TrialStatus.RUNNING).toList();
        Outcome outcome = accept(record, experimentId, null, "cancelled",
                new EventPayload.ExperimentCancelled(cmd.getReason(), cmd.getRequestedBy()), views, now);
        if (outcome.accepted() == null) {
            return outcome;
        }
        String why = "experiment " + experimentId + " cancelled" + (cmd.getReason().isBlank() ? "" : ": " + cmd.getReason());
        return outcome.withStops(running.stream()
                .map(t -> new TrialControl(experimentId, t.trialId(), t.attempt(), TrialAction.STOP, why, null, null, null))
                .toList());
    }

    /**
     * A configuration to evaluate next in a running experiment: checked against its search space (the reason names the
     * parameter, {@code config.lr: ...}) and logged as written there (a real parameter's 1 as 1.0). Keyed by the command's
     * place on its topic, so the same configuration may be enqueued twice, and one command is logged once.
     */
    private Outcome enqueue(ConsumerRecord<String, byte[]> record, EnqueueTrial cmd, Views views, Instant now) {
        String experimentId = cmd.getExperimentId();
        Optional<String> idProblem = experimentIdProblem(record, experimentId);
        if (idProblem.isPresent()) {
            return reject(record, experimentId, null, idProblem.get());
        }
        java.util.Map<String, Object> config = new java.util.HashMap<>(cmd.getConfig());
        if (views.settled(experimentId) == null && views.view(experimentId).spec() != null) {
            try {
                config = ConfigCheck.check(views.view(experimentId).spec().searchSpace(), config, "config");
            } catch (SpecException e) {
                return reject(record, experimentId, null, e.getMessage());
            }
            Optional<String> full = Admission.enqueueRoomRefusal(views.view(experimentId));
            if (full.isPresent()) {
                return reject(record, experimentId, null, full.get());
            }
        }
        String key = "enqueued/" + record.partition() + "-" + record.offset();
        return accept(record, experimentId, null, key, new EventPayload.TrialEnqueued(config, cmd.getRequestedBy()), views, now);
    }

    private Outcome report(ConsumerRecord<String, byte[]> record, WorkerReport cmd, Views views, Instant now) {
        Outcome outcome = judge(record, cmd, views, now);
        Long step = cmd.getPayload() instanceof io.tunelog.avro.TrialReported r ? Long.valueOf(r.getStep())
                : cmd.getPayload() instanceof io.tunelog.avro.CheckpointRegistered c ? Long.valueOf(c.getStep()) : null;
        return cmd.getHeld() && step != null && keyProblem(record, cmd.getExperimentId()).isEmpty()
                ? outcome.withHeld(new Held(cmd.getExperimentId(), cmd.getTrialId(), cmd.getAttempt(), step, cmd.getWorkerId()))
                : outcome;
    }

    private Outcome judge(ConsumerRecord<String, byte[]> record, WorkerReport cmd, Views views, Instant now) {
        String experimentId = cmd.getExperimentId();
        Optional<String> keyProblem = keyProblem(record, experimentId);
        if (keyProblem.isPresent()) {
            return reject(record, experimentId, cmd.getTrialId(), keyProblem.get());
        }
        Optional<String> signatureProblem = reportCheck.problem(record, cmd);
        if (signatureProblem.isPresent()) {
            return reject(record, experimentId, cmd.getTrialId(), signatureProblem.get());
        }
        EventPayload payload = EventCodec.payloadFromAvro(cmd.getPayload());
        if (!(payload instanceof EventPayload.AttemptReport report) || report.attempt() != cmd.getAttempt()) {
            return reject(record, experimentId, cmd.getTrialId(), "report body does not match attempt " + cmd.getAttempt());
        }
        if (report instanceof EventPayload.CheckpointRegistered checkpoint) {
            Optional<String> problem = WorkerChecks.checkpointProblem(experimentId, cmd.getTrialId(), checkpoint);
            if (problem.isPresent()) {
                return reject(record, experimentId, cmd.getTrialId(), problem.get());
            }
        }
        if (views.settled(experimentId) == null) {
            Optional<String> holder = WorkerChecks.holderProblem(views.view(experimentId), cmd, report);
            if (holder.isPresent()) {
                return reject(record, experimentId, cmd.getTrialId(), holder.get());
            }
        }
        String key = cmd.getTrialId() + "/a" + report.attempt() + "/" + reportKey(report);
        Outcome outcome = accept(record, experimentId, cmd.getTrialId(), key, report, views, now);
        if (outcome.rejected() != null && report instanceof EventPayload.TrialStarted && !holds(views, cmd)) {
            return outcome.withStops(List.of(new TrialControl(experimentId, cmd.getTrialId(), report.attempt(), TrialAction.STOP,
                    "start refused: " + outcome.rejected().getReason(), cmd.getWorkerId(), null, null)));
        }
        return outcome;
    }

    /** Whether the sender already holds the attempt, whose start was then sent twice: that attempt must go on. */
    private static boolean holds(Views views, WorkerReport cmd) {
        return views.settled(cmd.getExperimentId()) == null
                && WorkerChecks.holder(views.view(cmd.getExperimentId()), cmd.getTrialId(), cmd.getAttempt()).filter(cmd.getWorkerId()::equals).isPresent();
    }

    /** What makes a report unique within its attempt; a resent report gets the same event id. */
    private static String reportKey(EventPayload.AttemptReport report) {
        if (report instanceof EventPayload.TrialReported r) {
            return "step-" + r.step();
        }
        if (report instanceof EventPayload.CheckpointRegistered c) {
            return "checkpoint-" + c.checkpointId();
        }
        return report instanceof EventPayload.TrialStarted ? "started"
                : report instanceof EventPayload.TrialCompleted ? "completed" : "failed";
    }

    private Outcome accept(ConsumerRecord<String, byte[]> record, String experimentId, String trialId, String key,
                           EventPayload.Command payload, Views views, Instant now) {
        ExperimentStatus settled = views.settled(experimentId);
        if (settled != null) {
            // Ended, so every command is refused, and in the words the fold's rules would use.
            return reject(record, experimentId, trialId, Admission.refusalOfEnded(experimentId, settled, payload));
        }
        ExperimentState view = views.view(experimentId);
        Optional<String> refusal = refusal(view, trialId, key, payload);
        if (refusal.isPresent()) {
            return reject(record, view.experimentId(), trialId, refusal.get());
        }
        return Outcome.accept(admitted(view, trialId, key, payload, views.basis(view.experimentId()), now));
    }

    /**
     * Admits the failure of an attempt whose worker's lease ran out: the gate's own observation, judged by
     * the same rules as a worker's report (a failure the worker already reported is a duplicate, a trial
     * that ended meanwhile refuses it).
     */
    Optional<Event> admitLapsedLease(ExperimentState view, String trialId, int attempt, String reason, Long basis, Instant now) {
        EventPayload.TrialFailed failed = new EventPayload.TrialFailed(attempt, reason, true);
        String key = trialId + "/a" + attempt + "/" + reportKey(failed);
        if (refusal(view, trialId, key, failed).isPresent()) {
            return Optional.empty();
        }
        return Optional.of(admitted(view, trialId, key, failed, basis, now));
    }

    /**
     * Admits what the gate observed of whether any live worker could run a waiting attempt, when that differs from what
     * the log says; judged by the same rules as any observation of an attempt.
     */
    Optional<Event> admitPlacement(ExperimentState view, TrialState trial, Placement.Verdict verdict, Long basis, Instant now) {
        EventPayload.TrialPlacement placement = new EventPayload.TrialPlacement(trial.attempt(), verdict.placeable(), verdict.reason());
        // Numbered: a trial may become unplaceable and placeable again any number of times.
        String key = trial.trialId() + "/a" + trial.attempt() + "/placement-" + trial.placementChanges();
        if (refusal(view, trial.trialId(), key, placement).isPresent()) {
            return Optional.empty();
        }
        return Optional.of(admitted(view, trial.trialId(), key, placement, basis, now));
    }

    /**
     * Admits the gate's observation that the next deadline the log sets has passed on its clock ({@code now}): judged by
     * the rules the fold applies to it, so it is admitted only for that deadline, once, and never before it falls due.
     */
    Optional<Event> admitTimeObserved(ExperimentState view, Deadlines.Deadline deadline, Long basis, Instant now) {
        EventPayload.TimeObserved observed = new EventPayload.TimeObserved(now.toEpochMilli(), deadline.name(), deadline.due());
        // Numbered: an experiment may see any number of deadlines pass.
        String key = "time-" + view.stops().timeObservations();
        if (refusal(view, deadline.trialId(), key, observed).isPresent()) {
            return Optional.empty();
        }
        return Optional.of(admitted(view, deadline.trialId(), key, observed, basis, now));
    }

    private static Optional<String> refusal(ExperimentState view, String trialId, String key, EventPayload.Command payload) {
        Optional<String> refusal = Admission.refusal(view, trialId, payload);
        if (refusal.isPresent()) {
            return refusal;
        }
        String eventId = Event.id(view.experimentId(), key);
        // The same command twice that the rules would admit again (a resent failure, say): the log has it.
        return view.hasEvent(eventId) ? Optional.of("duplicate of " + eventId) : Optional.empty();
    }

    private Event admitted(ExperimentState view, String trialId, String key, EventPayload.Command payload, Long basis, Instant now) {
        return new Event(Event.id(view.experimentId(), key), view.experimentId(), trialId, view.nextSequence(SOURCE), now,
                new Event.Source(SOURCE, instance), basis, payload);
    }

    /** What is wrong with the experiment id an experiment command names: its record's key, or its form. */
    private static Optional<String> experimentIdProblem(ConsumerRecord<String, byte[]> record, String experimentId) {
        return keyProblem(record, experimentId).or(() -> Optional.ofNullable(Event.experimentIdProblem(experimentId)));
    }

    private static Optional<String> keyProblem(ConsumerRecord<String, byte[]> record, String experimentId) {
        return experimentId.equals(record.key()) ? Optional.empty()
                : Optional.of("record key " + record.key() + " is not the experiment id " + experimentId);
    }

    private static Outcome reject(ConsumerRecord<String, byte[]> record, String experimentId, String trialId, String reason) {
        return Outcome.reject(new CommandRejected(record.topic(), record.partition(), record.offset(), experimentId, trialId, reason));
    }
}
