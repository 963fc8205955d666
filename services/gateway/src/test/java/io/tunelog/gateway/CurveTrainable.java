package io.tunelog.gateway;

import io.tunelog.trial.Trainable;
import io.tunelog.trial.TrialContext;
import java.util.Map;

/**
 * A trainable slow enough to watch: a learning curve of 16 steps, {@code stepMillis} apart, rising towards a
 * ceiling set by {@code lr} (best at 0.1), so ASHA has something to cut.
 */
public final class CurveTrainable implements Trainable {
    @Override
    public void train(TrialContext context) throws Exception {
        double lr = ((Number) context.config().get("lr")).doubleValue();
        long stepMillis = ((Number) context.config().getOrDefault("stepMillis", 100)).longValue();
        double ceiling = 1 - Math.abs(Math.log10(lr) + 1) / 3;
        for (int step = 1; step <= 16; step++) {
            Thread.sleep(stepMillis);
            context.report(step, Map.of("accuracy", ceiling * (1 - Math.exp(-step / 4.0))));
        }
    }
}
