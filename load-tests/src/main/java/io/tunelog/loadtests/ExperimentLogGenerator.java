package io.tunelog.loadtests;

import io.tunelog.domain.decide.Decider;
import io.tunelog.domain.state.TrialState;
import io.tunelog.domain.state.TrialStatus;
import io.tunelog.domain.testing.LogBuilder;
import io.tunelog.replay.ServiceCatalog;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Generates a large experiment log with the shape of a real one: the services' deciders decide after
 * every event, and simulated workers run {@code concurrent} trials at a time, each reporting
 * {@code steps} results with a checkpoint every ten steps (the registry keeps two).
 */
final class ExperimentLogGenerator {
    static final int STEPS = 90;
    /** Created, queued, started, 90 reports, 9 checkpoints, 7 deletions, completed. */
    static final int EVENTS_PER_TRIAL = 1 + 1 + 1 + STEPS + STEPS / 10 + (STEPS / 10 - 2) + 1;

    private ExperimentLogGenerator() {}

    static LogBuilder generate(String experimentId, long targetEvents, long firstOffset) {
        return generate(experimentId, targetEvents, firstOffset, Long.MAX_VALUE);
    }

    /**
     * As {@link #generate(String, long, long)}, but stops once the log has {@code stopAfter} events, with trials still
     * running: an experiment in progress, for which no service has anything to decide until a worker reports.
     */
    static LogBuilder generate(String experimentId, long targetEvents, long firstOffset, long stopAfter) {
        int trials = (int) Math.max(1, (targetEvents + EVENTS_PER_TRIAL - 1) / EVENTS_PER_TRIAL);
        String spec = """
                name: replay-benchmark
                metric: {name: val_accuracy, mode: max}
                seed: 2026
                budget: {trials: %d, concurrent: 16}
                searchSpace:
                  lr: {loguniform: [0.0001, 0.1]}
                  depth: {randint: [2, 12]}
                  booster: {choice: [gbtree, dart]}
                trial:
                  command: [train]
                  checkpoint: {keep: 2, scoreAttribute: val_accuracy}
                """.formatted(trials);
        List<Decider> deciders = new ArrayList<>(ServiceCatalog.deciders().values());
        LogBuilder log = LogBuilder.submitted(experimentId, spec, firstOffset);
        Random random = new Random(7);
        decideAll(log, deciders);
        int turn = 0;
        while (!log.state().status().isFinished() && log.events().size() < stopAfter) {
            List<TrialState> live = new ArrayList<>(log.state().openTrials());
            TrialState t = live.get(turn++ % live.size());
            if (t.status() == TrialStatus.QUEUED) {
                log.started(t.trialId(), t.attempt());
            } else {
                long step = t.lastStepOfCurrentAttempt() + 1;
                if (step == 0) {
                    step = 1;
                }
                if (step > STEPS) {
                    log.completed(t.trialId(), t.attempt());
                } else {
                    Map<String, Double> metrics = Map.of("val_accuracy", 1 - Math.exp(-step / 30.0) * random.nextDouble(),
                            "loss", Math.exp(-step / 20.0));
                    log.reported(t.trialId(), t.attempt(), step, metrics);
                    if (step % 10 == 0) {
                        log.checkpoint(t.trialId(), t.attempt(), step, metrics);
                    }
                }
            }
            decideAll(log, deciders);
        }
        return log;
    }

    /** Lets every decider decide until none has anything more to decide, as the services would between polls. */
    static void decideAll(LogBuilder log, List<Decider> deciders) {
        boolean more = true;
        while (more) {
            more = false;
            for (Decider d : deciders) {
                more |= !log.decide(d).isEmpty();
            }
        }
    }
}
