package io.tunelog.examples.xgboost;

import io.tunelog.trial.ProcessTrialContext;

/**
 * {@link DigitsTrainable} as a worker's child process (run by {@code services/examples/bin/xgboost-digits}):
 * the trial comes from {@code TUNELOG_CONFIG} (or {@code TUNELOG_CONFIG_FILE}), {@code TUNELOG_CHECKPOINT_DIR} and
 * {@code TUNELOG_RESTORE_FROM},
 * and each round is one JSON report line on stdout.
 */
public final class DigitsTrainer {
    private DigitsTrainer() {}

    public static void main(String[] args) throws Exception {
        ProcessTrialContext.run(new DigitsTrainable());
    }
}
