package io.tunelog.gateway;

import io.tunelog.trial.Trainable;
import io.tunelog.trial.TrialContext;
import java.util.Map;

/**
 * Two objectives that trade off, and a constrained metric, for the dashboard's Pareto front (as the CLI tests have it):
 * {@code loss} = x and {@code size} = 1 - sqrt(x) + y (both minimised; the front is y = 0, as in the ZDT1 problem), and
 * {@code mem_gb} = 20 - 10 x: the lowest losses need the most memory, so a constraint on it cuts into the front. Three
 * steps of {@code stepMillis} (default 20), each reporting all three, the last step's values final.
 */
public final class TradeOffTrainable implements Trainable {
    static final int STEPS = 3;

    static double loss(double x, double y) {
        return x;
    }

    static double size(double x, double y) {
        return 1 - Math.sqrt(x) + y;
    }

    static double memGb(double x, double y) {
        return 20 - 10 * x;
    }

    @Override
    public void train(TrialContext context) throws Exception {
        double x = ((Number) context.config().get("x")).doubleValue();
        double y = ((Number) context.config().get("y")).doubleValue();
        long stepMillis = ((Number) context.config().getOrDefault("stepMillis", 20L)).longValue();
        for (int step = 1; step <= STEPS; step++) {
            Thread.sleep(stepMillis);
            // Earlier steps are worse on both, so the values that count are the last ones.
            double late = STEPS - step;
            context.report(step, Map.of("loss", loss(x, y) + late, "size", size(x, y) + late, "mem_gb", memGb(x, y)));
        }
    }
}
