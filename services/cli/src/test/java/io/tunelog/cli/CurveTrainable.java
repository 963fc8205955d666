package io.tunelog.cli;

import io.tunelog.trial.Trainable;
import io.tunelog.trial.TrialContext;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

/**
 * A trainable with state, for the schedulers' end-to-end tests. Its model is one number that grows each step
 * by a gain that depends on {@code lr} and on the phase of training: early on a high rate gains most, after
 * step {@value #SWITCH} a low one does, so the best configuration changes during training (what PBT is for).
 * It checkpoints the model every step and, given a checkpoint, carries on from it with its own configuration.
 * A step takes {@code stepMillis} (default 60).
 */
public final class CurveTrainable implements Trainable {
    static final int STEPS = 12;
    static final int SWITCH = 6;
    static final String STATE = "state.txt";

    static double gain(double lr, long step) {
        return step <= SWITCH ? lr : 1 - lr;
    }

    @Override
    public void train(TrialContext context) throws Exception {
        double lr = ((Number) context.config().get("lr")).doubleValue();
        long stepMillis = ((Number) context.config().getOrDefault("stepMillis", 60L)).longValue();
        long step = 0;
        double model = 0;
        Optional<Path> restore = context.restoreFrom();
        if (restore.isPresent()) {
            String[] saved = Files.readString(restore.get().resolve(STATE)).strip().split(",");
            step = Long.parseLong(saved[0]);
            model = Double.parseDouble(saved[1]);
        }
        while (++step <= STEPS) {
            Thread.sleep(stepMillis);
            model += gain(lr, step);
            Path dir = Files.createDirectories(context.checkpointDir().resolve(String.format("checkpoint_%06d", step)));
            Files.writeString(dir.resolve(STATE), step + "," + model);
            context.report(step, Map.of("score", model), dir);
        }
    }

    /**
     * The spec the fault tests run: random {@code lr}, four trials at a time, a checkpoint every step (two kept), and
     * steps of {@code stepMillis}, slow enough for a kill to land mid-trial.
     */
    static SpecFile faultSpec(Path dir, String name, long seed, int trials, long stepMillis, int maxFailures) throws IOException {
        return SpecFile.read(Files.writeString(dir.resolve(name + ".yaml"), """
                name: %s
                metric: {name: score, mode: max}
                seed: %d
                budget: {trials: %d, concurrent: 4}
                searchSpace:
                  lr: {uniform: [0, 1]}
                  stepMillis: {choice: [%d]}
                trial:
                  trainable: io.tunelog.cli.CurveTrainable
                  maxFailures: %d
                  checkpoint: {keep: 2}
                """.formatted(name, seed, trials, stepMillis, maxFailures)));
    }
}
