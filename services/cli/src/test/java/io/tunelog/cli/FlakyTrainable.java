package io.tunelog.cli;

import io.tunelog.trial.Trainable;
import io.tunelog.trial.TrialContext;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/** Fails its first attempt after a checkpoint; the retry resumes from it and runs slowly to the end. */
public final class FlakyTrainable implements Trainable {
    @Override
    public void train(TrialContext context) throws Exception {
        if (context.attempt() == 1) {
            Path dir = Files.createDirectories(context.checkpointDir().resolve("checkpoint_000001"));
            context.report(1, Map.of("score", 0.1), dir);
            throw new IllegalStateException("simulated crash in attempt 1");
        }
        if (context.restoreFrom().isEmpty()) {
            throw new IllegalStateException("attempt " + context.attempt() + " has nothing to restore from");
        }
        for (int step = 2; step <= 6; step++) {
            Thread.sleep(300);
            context.report(step, Map.of("score", 0.1 * step));
        }
    }
}
