package io.tunelog.loadtests;

import io.tunelog.trial.Trainable;
import io.tunelog.trial.TrialContext;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The load generator's trainable: it trains nothing and reports on a schedule, so that any time beyond the schedule
 * is the platform's own. From its config:
 * <ul>
 *   <li>{@code seconds}: how long the trial runs;</li>
 *   <li>{@code rate}: results per second, steps 1, 2, … at fixed times from the start (a late report does not delay the
 *       next); 0 means one result at the end, as Ray Tune's bookkeeping trainable does;</li>
 *   <li>{@code checkpointBytes} (optional, 0 for none): every {@code checkpointEvery}-th result comes with a checkpoint
 *       file of that size.</li>
 * </ul>
 * The score is the step: every trial scores the same at a rung, so an ASHA cutoff never falls above a score (a trial
 * stops only below it), no trial is stopped, and the offered load stays what was asked for, while every result is
 * still judged.
 *
 * <p>It runs in the worker's JVM, so it notes when it sent each report ({@link #sentAt}) for the load test, in the same
 * JVM, to time what follows from it.
 */
public final class SimulatedTrainable implements Trainable {
    private static final Map<String, Long> SENT = new ConcurrentHashMap<>();

    /** When (System.nanoTime) the report of this trial's step was sent, and forgets it; null if unknown. */
    static Long sentAt(String trialId, long step, boolean forget) {
        String key = trialId + "@" + step;
        return forget ? SENT.remove(key) : SENT.get(key);
    }

    static void forgetAll() {
        SENT.clear();
    }

    @Override
    public void train(TrialContext context) throws Exception {
        Map<String, Object> config = context.config();
        double seconds = number(config, "seconds", 1);
        double rate = number(config, "rate", 0);
        long checkpointBytes = (long) number(config, "checkpointBytes", 0);
        long checkpointEvery = Math.max(1, (long) number(config, "checkpointEvery", 1));
        long steps = rate <= 0 ? 1 : Math.max(1, Math.round(seconds * rate));
        double interval = rate <= 0 ? seconds : 1 / rate;
        long start = System.nanoTime();
        for (long step = 1; step <= steps; step++) {
            long due = start + Math.round(step * interval * 1e9);
            long wait = due - System.nanoTime();
            if (wait > 0) {
                Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
            }
            Map<String, Double> metrics = Map.of("score", (double) step);
            SENT.put(context.trialId() + "@" + step, System.nanoTime());
            if (checkpointBytes > 0 && step % checkpointEvery == 0) {
                Path checkpoint = Files.createDirectories(context.checkpointDir().resolve("step-" + step));
                Files.write(checkpoint.resolve("model.bin"), new byte[(int) checkpointBytes]);
                context.report(step, metrics, checkpoint);
            } else {
                context.report(step, metrics);
            }
        }
    }

    private static double number(Map<String, Object> config, String name, double otherwise) {
        Object value = config.get(name);
        return value == null ? otherwise : ((Number) value).doubleValue();
    }
}
