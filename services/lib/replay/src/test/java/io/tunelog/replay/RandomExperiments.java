package io.tunelog.replay;

import io.tunelog.domain.decide.Decider;
import io.tunelog.domain.state.Deadlines;
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
        return generate(r, experimentId, firstOffset, false);
    }

    /**
     * @param stopping whether the spec has random stop conditions (trial.stop, goal, plateau, budget.seconds and
     *     maxFailedTrials); then the clock also jumps at random, and the gate's observation of time is logged whenever
     *     a deadline has passed, as the gate writes it
     */
    static LogBuilder generate(Random r, String experimentId, long firstOffset, boolean stopping) {
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
        if (stopping) {
            spec = withStopConditions(r, spec);
        }
        LogBuilder log = LogBuilder.submitted(experimentId, spec, firstOffset);
        decideAll(log);
        for (int step = 0; step < 5_000 && !log.state().status().isFinished(); step++) {
            if (stopping) {
                log.advance(java.time.Duration.ofMillis(r.nextInt(3_000)));
                if (Deadlines.next(log.state()).filter(d -> d.due() <= log.now().toEpochMilli()).isPresent()) {
                    log.timeObserved();
                    decideAll(log);
                    continue;
                }
            }
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

    /** The spec with some stop conditions, each present or not at random. */
    private static String withStopConditions(Random r, String spec) {
        boolean max = spec.contains("mode: max");
        List<String> trialStop = new java.util.ArrayList<>();
        if (r.nextBoolean()) {
            trialStop.add("step: " + (1 + r.nextInt(6)));
        }
        if (r.nextBoolean()) {
            trialStop.add("seconds: " + (2 + r.nextInt(20)));
        }
        if (r.nextBoolean()) {
            trialStop.add("acc: {" + (r.nextBoolean() ? "above: 0.9" : "below: 0.1") + "}");
        }
        String budget = (r.nextBoolean() ? ", seconds: " + (10 + r.nextInt(100)) : "") + (r.nextBoolean() ? ", maxFailedTrials: " + r.nextInt(3) : "");
        StringBuilder out = new StringBuilder(spec.replaceFirst("(budget: \\{trials: \\d+, concurrent: \\d+)\\}", "$1" + budget + "}"));
        if (!trialStop.isEmpty()) {
            out.append("  stop: {").append(String.join(", ", trialStop)).append("}\n");
        }
        if (r.nextBoolean()) {
            out.append("goal: {").append(max ? "above: 0.95" : "below: 0.05").append("}\n");
        }
        if (r.nextBoolean()) {
            out.append("plateau: {top: ").append(2 + r.nextInt(2)).append(", std: 0.2, patience: ").append(1 + r.nextInt(2)).append("}\n");
        }
        return out.toString();
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
