package io.tunelog.domain.event;

import java.util.List;
import java.util.Map;

/**
 * What happened, one record per kind of fact in the log. Field meanings match the Avro schema in
 * {@code schemas/src/main/avro/tunelog.avdl}; the codec in services/lib/common converts between them.
 */
public sealed interface EventPayload {

    /** Payloads that come from outside (producers, workers) and are admitted by the gate. */
    sealed interface Command extends EventPayload {}

    /** Payloads that a service decided from the folded log; the audit recomputes these. */
    sealed interface Decision extends EventPayload {}

    /** Payloads about one attempt of one trial: what its worker reports, or what the gate observed of it (a lapsed lease, placement). */
    sealed interface AttemptReport extends Command {
        int attempt();
    }

    record ExperimentSubmitted(String name, String specJson, long seed, String submittedBy) implements Command {}

    record ExperimentCancelled(String reason, String cancelledBy) implements Command {}

    /**
     * The experiment ended: every planned trial ended ({@code condition} null), or a stop condition of the spec held
     * ({@code condition} names it, {@code inputs} the numbers it was judged on), and then its running trials were stopped
     * and the fold cancels the rest.
     */
    record ExperimentCompleted(String reason, String bestTrialId, Double bestMetric, String condition,
                               Map<String, Double> inputs) implements Decision {
        public ExperimentCompleted {
            inputs = inputs == null ? Map.of() : Map.copyOf(inputs);
        }

        /** Every planned trial ended. */
        public ExperimentCompleted(String reason, String bestTrialId, Double bestMetric) {
            this(reason, bestTrialId, bestMetric, null, Map.of());
        }
    }

    record TrialCreated(Map<String, Object> config, String origin, int index) implements Decision {
        public TrialCreated {
            config = Map.copyOf(config);
        }
    }

    record TrialQueued(int attempt, String restoreFromCheckpointId, String restoreFromUri) implements Decision {}

    /** @param devices the devices the worker gave the attempt (its CUDA_VISIBLE_DEVICES), none for a trial that asks for none */
    record TrialStarted(int attempt, String workerId, String host, String slurmJobId, List<String> devices) implements AttemptReport {
        public TrialStarted {
            devices = devices == null ? List.of() : List.copyOf(devices);
        }

        /** A start on no device. */
        public TrialStarted(int attempt, String workerId, String host, String slurmJobId) {
            this(attempt, workerId, host, slurmJobId, List.of());
        }
    }

    /** @param heldMs how long the worker held the trial after its previous report, waiting for a decision; null if not held */
    record TrialReported(int attempt, long step, Map<String, Double> metrics, Long workerTimeMs, Long heldMs) implements AttemptReport {
        public TrialReported {
            metrics = Map.copyOf(metrics);
        }

        public TrialReported(int attempt, long step, Map<String, Double> metrics, Long workerTimeMs) {
            this(attempt, step, metrics, workerTimeMs, null);
        }
    }

    record CheckpointRegistered(int attempt, String checkpointId, long step, String uri, long sizeBytes,
                                Map<String, Double> metrics) implements AttemptReport {
        public CheckpointRegistered {
            metrics = Map.copyOf(metrics);
        }
    }

    record CheckpointDeleted(String checkpointId, String reason) implements Decision {}

    enum Action { CONTINUE, STOP, PAUSE }

    /**
     * A scheduler's verdict on one attempt. {@code rule} names the rule that fired and {@code inputs} the
     * numbers it used, so a reader of the log sees why. When {@code rung} is set, the decision records the
     * trial's {@code inputs.score} at that rung, where later decisions compare against it.
     */
    record TrialDecision(int attempt, Action action, String rule, String reason, String rung,
                         Map<String, Double> inputs) implements Decision {
        public static final String SCORE = "score";

        public TrialDecision {
            inputs = Map.copyOf(inputs);
            if (rung != null && !inputs.containsKey(SCORE)) {
                throw new IllegalArgumentException("a decision at rung " + rung + " must record inputs." + SCORE);
            }
        }

        /** A decision that records nothing at a rung. */
        public TrialDecision(int attempt, Action action, String rule, String reason, Map<String, Double> inputs) {
            this(attempt, action, rule, reason, null, inputs);
        }
    }

    /**
     * Population-based training: the trial, paused by the decision logged just before, resumes from
     * {@code donorTrialId}'s checkpoint with {@code config} (the donor's configuration, explored).
     */
    record TrialExploited(int attempt, String donorTrialId, String checkpointId, Map<String, Object> config)
            implements Decision {
        public TrialExploited {
            config = Map.copyOf(config);
        }
    }

    record TrialCompleted(int attempt, Map<String, Double> metrics) implements AttemptReport {
        public TrialCompleted {
            metrics = Map.copyOf(metrics);
        }
    }

    /** {@code preempted}: the worker gave the attempt up, not the trial; a retry then does not use up {@code maxFailures}. */
    record TrialFailed(int attempt, String error, boolean retryable, boolean preempted) implements AttemptReport {
        public TrialFailed(int attempt, String error, boolean retryable) {
            this(attempt, error, retryable, false);
        }
    }

    /**
     * The gate saw, from the capacities live workers state in their heartbeats, that some worker could ({@code placeable})
     * or none could ever run the attempt's {@code trial.resources}; logged when that changes. An observation, admitted
     * like a lapsed lease; the scheduler does not queue a failed attempt of a trial no live worker fits again until one does.
     */
    record TrialPlacement(int attempt, boolean placeable, String reason) implements AttemptReport {}

    /**
     * The gate saw on its clock, at {@code at} (epoch milliseconds, the event's timestamp), that a deadline known from the
     * log had passed: {@code deadline} names it ("budget.seconds", or "trial.stop.seconds" of the event's trial) and
     * {@code due} is when the log says it fell due. An observation, admitted like a lapsed lease: the only way the passing
     * of time reaches a decision, which reads the time last observed, never a clock.
     */
    record TimeObserved(long at, String deadline, long due) implements Command {}

    /**
     * A finished trial of an earlier experiment named by the spec's {@code warmStart.from}, copied by the gate into this
     * log right after the submission: its config restricted to this experiment's space, its last reported metrics.
     * Model-based searchers see it as a finished trial; it is not a trial of this experiment.
     */
    record ObservationImported(String fromExperiment, String fromTrial, Map<String, Object> config,
                               Map<String, Double> metrics) implements Command {
        public ObservationImported {
            config = Map.copyOf(config);
            metrics = Map.copyOf(metrics);
        }
    }

    /**
     * An EnqueueTrial admitted by the gate: a configuration of the experiment's space to evaluate before the searcher's next
     * suggestion, in log order, within {@code budget.trials} (it takes from the budget, as Optuna's enqueue_trial does).
     */
    record TrialEnqueued(Map<String, Object> config, String requestedBy) implements Command {
        /** The origin of the trial created from it. */
        public static final String ORIGIN = "enqueued";

        public TrialEnqueued {
            config = Map.copyOf(config);
        }
    }

    /** Every payload kind, for exhaustive tests and documentation. */
    List<Class<? extends EventPayload>> KINDS = List.of(
            ExperimentSubmitted.class, ExperimentCancelled.class, ExperimentCompleted.class,
            TrialCreated.class, TrialQueued.class, TrialStarted.class, TrialReported.class,
            CheckpointRegistered.class, CheckpointDeleted.class, TrialDecision.class,
            TrialCompleted.class, TrialFailed.class, TrialExploited.class, TrialPlacement.class, TimeObserved.class,
            ObservationImported.class, TrialEnqueued.class);
}
