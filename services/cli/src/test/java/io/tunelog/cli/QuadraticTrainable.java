package io.tunelog.cli;

import io.tunelog.trial.Trainable;
import io.tunelog.trial.TrialContext;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * A quick deterministic trainable for end-to-end tests: its score climbs towards a peak at
 * (x=0.3, y=-0.1) over five steps, with a checkpoint at step 3.
 */
public final class QuadraticTrainable implements Trainable {
    static final int STEPS = 5;

    static double finalScore(double x, double y) {
        return -((x - 0.3) * (x - 0.3) + (y + 0.1) * (y + 0.1));
    }

    @Override
    public void train(TrialContext context) throws Exception {
        double x = (Double) context.config().get("x");
        double y = (Double) context.config().get("y");
        for (int step = 1; step <= STEPS; step++) {
            Thread.sleep(20);
            double score = finalScore(x, y) - (STEPS - step) * 0.01;
            if (step == 3) {
                Path dir = Files.createDirectories(context.checkpointDir().resolve("checkpoint_000003"));
                Files.writeString(dir.resolve("state.txt"), x + "," + y);
                context.report(step, Map.of("score", score), dir);
            } else {
                context.report(step, Map.of("score", score));
            }
        }
    }
}
