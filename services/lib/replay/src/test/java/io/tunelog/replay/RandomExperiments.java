package io.tunelog.replay;

import io.tunelog.domain.decide.Decider;
import io.tunelog.domain.state.TrialState;
import io.tunelog.domain.state.TrialStatus;
import io.tunelog.domain.testing.LogBuilder;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Generates experiment logs the way the real system writes them: the services' own deciders decide
 * after every event, and a random worker starts, reports, checkpoints, fails and completes attempts.
 */
final class RandomExperiments {
    private static final List<Decider> DECIDERS = List.copyOf(ServiceCatalog.deciders().values());

    private RandomExperiments() {}

    static LogBuilder generate(Random r, String experimentId, long firstOffset) {
        String spec = """
                name: random
                metric: {name: acc, mode: %s}
                seed: %d
                budget: {trials: %d, concurrent: %d}
                searchSpace:
                  x: {uniform: [0, 1]}
                  k: {choice: [a, b, c]}
                searcher: {type: %s}
                trial:
                  command: [train]
                  maxFailures: %d
                  checkpoint: {keep: %d%s}
                """.formatted(r.nextBoolean() ? "max" : "min", r.nextLong(), 1 + r.nextInt(8), 1 + r.nextInt(4),
                "random", r.nextInt(3), 1 + r.nextInt(2), r.nextBoolean() ? ", scoreAttribute: acc" : "");
        LogBuilder log = LogBuilder.submitted(experimentId, spec, firstOffset);
        decideAll(log);
        for (int step = 0; step < 5_000 && !log.state().status().isFinished(); step++) {
            List<TrialState> live = log.state().trials().stream()
                    .filter(t -> t.status() == TrialStatus.QUEUED || t.status() == TrialStatus.RUNNING).toList();
            if (live.isEmpty()) {
                throw new IllegalStateException("nothing to run and not finished: " + log.state().status());
            }
            act(r, log, live.get(r.nextInt(live.size())));
            decideAll(log);
        }
        return log;
    }

    private static void act(Random r, LogBuilder log, TrialState t) {
        if (t.status() == TrialStatus.QUEUED) {
            log.started(t.trialId(), t.attempt());
            return;
        }
        long next = Math.max(t.lastStepOfCurrentAttempt(), 0) + 1;
        double acc = Math.round(r.nextDouble() * 1e6) / 1e6;
        int dice = r.nextInt(10);
        if (dice < 5) {
            log.reported(t.trialId(), t.attempt(), next, Map.of("acc", acc));
        } else if (dice < 7) {
            log.reported(t.trialId(), t.attempt(), next, Map.of("acc", acc));
            log.checkpoint(t.trialId(), t.attempt(), next, Map.of("acc", acc));
        } else if (dice < 9) {
            log.completed(t.trialId(), t.attempt());
        } else {
            log.failed(t.trialId(), t.attempt(), r.nextBoolean());
        }
    }

    private static void decideAll(LogBuilder log) {
        boolean more = true;
        while (more) {
            more = false;
            for (Decider d : DECIDERS) {
                more |= !log.decide(d).isEmpty();
            }
        }
    }
}
