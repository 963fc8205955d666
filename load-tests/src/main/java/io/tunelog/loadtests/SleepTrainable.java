package io.tunelog.loadtests;

import io.tunelog.worker.Trainable;
import io.tunelog.worker.TrialContext;
import java.util.Map;

/**
 * Ray Tune's bookkeeping trainable: it sleeps {@code seconds} (from its config) and reports one result. Any time
 * a run takes beyond trials × seconds ÷ slots is the platform's own.
 */
public final class SleepTrainable implements Trainable {
    @Override
    public void train(TrialContext context) throws Exception {
        double seconds = ((Number) context.config().get("seconds")).doubleValue();
        Thread.sleep(Math.round(seconds * 1000));
        context.report(1, Map.of("score", ((Number) context.config().get("x")).doubleValue()));
    }
}
