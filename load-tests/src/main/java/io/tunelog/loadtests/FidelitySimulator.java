package io.tunelog.loadtests;

import io.tunelog.domain.decide.Decider;
import io.tunelog.domain.event.Event;
import io.tunelog.domain.event.EventPayload.CheckpointDeleted;
import io.tunelog.domain.event.EventPayload.CheckpointRegistered;
import io.tunelog.domain.event.EventPayload.TrialQueued;
import io.tunelog.domain.state.ExperimentState;
import io.tunelog.domain.state.TrialState;
import io.tunelog.domain.state.TrialStatus;
import io.tunelog.domain.testing.LogBuilder;
import io.tunelog.replay.ServiceCatalog;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * A discrete-event simulation of an experiment on {@code workers} worker slots, driving the services'
 * real deciders (suggestion, scheduling, checkpoint retention) through the fold, as the live loop does.
 *
 * <p>Each time unit, every free slot takes the oldest queued attempt, and every busy slot trains its
 * trial one step, reports the metric and registers a checkpoint holding the simulated model's state; an
 * attempt ends when its trial reaches {@code maxSteps} (completed) or when the scheduler stops or pauses
 * it. Then the deciders run until none has more to decide. An attempt queued with a checkpoint to restore
 * starts from that checkpoint's step and state, so a paused trial loses no work and a PBT exploiter
 * continues the donor's model.
 */
final class FidelitySimulator {

    /**
     * The simulated trainable: one step of training from a model state (a single number suffices here), which
     * is 0 before the first step. A model whose metric depends only on the configuration and the step keeps the
     * default, stateless, training.
     */
    interface Model {
        /** The metric reported after step {@code step} (from 1), from the state that step reached. */
        double metric(int trialIndex, Map<String, Object> config, long step, double state);

        /** The state after training step {@code step} of the trial with this index and config. */
        default double train(int trialIndex, Map<String, Object> config, long step, double state) {
            return state;
        }
    }

    /**
     * @param totalSteps steps trained, summed over every attempt of every trial
     * @param redoneSteps steps trained at a step the trial had already trained (only a PBT exploit should cause any)
     * @param timeUnits how long the experiment took on the simulated workers
     */
    record Run(ExperimentState state, long totalSteps, long redoneSteps, long timeUnits) {
        /** The configuration the experiment reports as best: the best last reported value's trial. */
        TrialState best() {
            return state.trial(state.best().orElseThrow().trialId());
        }
    }

    private record Saved(long step, double state) {}

    private record Queued(String trialId, int attempt, String restoreFrom) {}

    private static final class Slot {
        final TrialState trial;
        final int attempt;
        long step;
        double state;

        Slot(TrialState trial, int attempt, Saved from) {
            this.trial = trial;
            this.attempt = attempt;
            this.step = from.step();
            this.state = from.state();
        }
    }

    private final Model model;
    private final String metric;
    private final long maxSteps;
    private final int workers;

    FidelitySimulator(Model model, String metric, long maxSteps, int workers) {
        this.model = model;
        this.metric = metric;
        this.maxSteps = maxSteps;
        this.workers = workers;
    }

    Run run(String spec) {
        LogBuilder log = LogBuilder.submitted("mf", spec);
        List<Decider> deciders = new ArrayList<>(ServiceCatalog.deciders().values());
        Deque<Queued> queue = new ArrayDeque<>();
        Map<String, Saved> checkpoints = new HashMap<>();
        Map<String, Long> trainedUpTo = new HashMap<>();
        List<Slot> slots = new ArrayList<>();
        long totalSteps = 0;
        long redone = 0;
        long time = 0;
        decideAll(log, deciders, queue, checkpoints);
        while (!log.state().status().isFinished()) {
            while (slots.size() < workers && !queue.isEmpty()) {
                slots.add(start(log, queue.poll(), checkpoints));
            }
            if (slots.isEmpty()) {
                throw new IllegalStateException("deadlock at time " + time + ": nothing runs or waits, yet the experiment is "
                        + log.state().status() + " with open trials " + describe(log.state()));
            }
            for (Iterator<Slot> it = slots.iterator(); it.hasNext(); ) {
                Slot s = it.next();
                String trialId = s.trial.trialId();
                Map<String, Object> config = s.trial.config();
                s.step++;
                s.state = model.train(s.trial.index(), config, s.step, s.state);
                Map<String, Double> metrics = Map.of(metric, model.metric(s.trial.index(), config, s.step, s.state));
                totalSteps++;
                if (s.step <= trainedUpTo.getOrDefault(trialId, 0L)) {
                    redone++;
                }
                trainedUpTo.merge(trialId, s.step, Math::max);
                log.reported(trialId, s.attempt, s.step, metrics);
                CheckpointRegistered c = (CheckpointRegistered) log.checkpoint(trialId, s.attempt, s.step, metrics).event().payload();
                checkpoints.put(c.checkpointId(), new Saved(s.step, s.state));
                if (s.step == maxSteps) {
                    log.completed(trialId, s.attempt);
                    it.remove();
                }
            }
            if (log.state().anomalyCount() > 0) {
                throw new IllegalStateException("the fold refused a simulated worker's event: " + log.state().anomalies());
            }
            decideAll(log, deciders, queue, checkpoints);
            // A stop or pause ends the attempt: the worker sees it before its next step.
            slots.removeIf(s -> s.trial.status() != TrialStatus.RUNNING || s.trial.attempt() != s.attempt);
            time++;
        }
        return new Run(log.state(), totalSteps, redone, time);
    }

    private Slot start(LogBuilder log, Queued q, Map<String, Saved> checkpoints) {
        TrialState trial = log.state().trial(q.trialId());
        if (trial.status() != TrialStatus.QUEUED || trial.attempt() != q.attempt()) {
            throw new IllegalStateException(q.trialId() + " attempt " + q.attempt() + " was queued but is now "
                    + trial.status() + " at attempt " + trial.attempt());
        }
        Saved from = new Saved(0, 0);
        if (q.restoreFrom() != null) {
            from = checkpoints.get(q.restoreFrom());
            if (from == null) {
                throw new IllegalStateException(q.trialId() + " attempt " + q.attempt() + " restores from " + q.restoreFrom()
                        + ", which the registry has deleted");
            }
        }
        log.started(q.trialId(), q.attempt());
        return new Slot(trial, q.attempt(), from);
    }

    /** Runs every service's decider until none decides more, noting queued attempts and deleted checkpoints. */
    private static void decideAll(LogBuilder log, List<Decider> deciders, Deque<Queued> queue, Map<String, Saved> checkpoints) {
        boolean more = true;
        while (more) {
            more = false;
            for (Decider decider : deciders) {
                List<Event> decided = log.decide(decider);
                more |= !decided.isEmpty();
                for (Event e : decided) {
                    if (e.payload() instanceof TrialQueued q) {
                        queue.add(new Queued(e.trialId(), q.attempt(), q.restoreFromCheckpointId()));
                    } else if (e.payload() instanceof CheckpointDeleted deleted) {
                        checkpoints.remove(deleted.checkpointId());
                    }
                }
            }
        }
        if (log.state().anomalyCount() > 0) {
            throw new IllegalStateException("the fold refused a decision: " + log.state().anomalies());
        }
    }

    private static String describe(ExperimentState state) {
        List<String> open = new ArrayList<>();
        for (TrialState t : state.openTrials()) {
            open.add(t.trialId() + " " + t.status() + (t.status() == TrialStatus.PAUSED ? " approved=" + t.resumeApproved() : ""));
        }
        return open.toString();
    }
}
