package io.tunelog.cli;

import io.tunelog.domain.state.ExperimentState;
import io.tunelog.replay.Replay;
import io.tunelog.replay.whatif.Asha;
import io.tunelog.replay.whatif.Fifo;
import io.tunelog.replay.whatif.StoppingPolicy;
import io.tunelog.replay.whatif.WhatIf;
import io.tunelog.results.Json;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** Counterfactual replay of the recorded learning curves under another stopping rule. */
@Command(name = "whatif", mixinStandardHelpOptions = true,
        description = "Replay an experiment's recorded learning curves under another scheduler (asha or fifo).")
final class WhatIfCommand implements Callable<Integer> {
    @Parameters(index = "0", description = "Experiment id")
    String experimentId;

    @Mixin
    LogSourceOptions source;

    @Option(names = "--scheduler", required = true, description = "asha or fifo")
    String scheduler;

    @Option(names = "--max-t", defaultValue = "100", description = "asha: the step at which every trial stops (default: ${DEFAULT-VALUE})")
    long maxT;

    @Option(names = "--grace-period", defaultValue = "1", description = "asha: the first rung (default: ${DEFAULT-VALUE})")
    long gracePeriod;

    @Option(names = "--reduction-factor", defaultValue = "4", description = "asha: rung spacing and halving rate (default: ${DEFAULT-VALUE})")
    double reductionFactor;

    @Option(names = "--json", description = "Print the result as JSON")
    boolean json;

    @Spec
    CommandSpec command;

    @Override
    public Integer call() throws Exception {
        StoppingPolicy policy = switch (scheduler) {
            case "asha" -> {
                try {
                    yield new Asha(maxT, gracePeriod, reductionFactor);
                } catch (IllegalArgumentException e) {
                    throw new Tunelog.UserError(Tunelog.BAD_INPUT, e.getMessage());
                }
            }
            case "fifo" -> new Fifo();
            default -> throw new Tunelog.UserError(Tunelog.BAD_INPUT, "--scheduler: unknown scheduler " + scheduler + "; use asha or fifo");
        };
        ExperimentState state = Replay.state(source.source(experimentId));
        if (state.spec() == null) {
            throw new Tunelog.UserError(1, "no accepted experiment " + experimentId + " in the log");
        }
        WhatIf.Result result = WhatIf.run(state, policy);
        var out = command.commandLine().getOut();
        if (json) {
            out.println(Json.MAPPER.writeValueAsString(result));
            return 0;
        }
        out.printf("What if %s had used %s%s:%n", experimentId, policy.name(),
                policy instanceof Asha a ? " (rungs " + a.milestones() + ", reduction factor " + reductionFactor + ")" : "");
        out.printf("  stopped earlier: %d of %d trials; would have run further than recorded: %d%n",
                result.stoppedEarlier(), result.trials().size(), result.wouldRunFurther());
        out.printf("  compute: %.1f trial-seconds instead of %.1f (%.2fx)%n", result.whatIfTrialSeconds(), result.recordedTrialSeconds(),
                result.recordedTrialSeconds() == 0 ? 1.0 : result.whatIfTrialSeconds() / result.recordedTrialSeconds());
        out.printf("  best: %s %s=%s (recorded: %s %s)%n", result.whatIfBest().orElse("-"), result.metric(),
                result.whatIfBestValue().map(String::valueOf).orElse("-"), result.recordedBest().orElse("-"),
                result.recordedBestValue().map(String::valueOf).orElse("-"));
        out.printf("  %-14s %14s %12s  %s%n", "trial", "recorded step", "what-if step", result.metric());
        for (WhatIf.TrialOutcome t : result.trials()) {
            out.printf("  %-14s %14d %12d  %s%s%n", t.trialId(), t.recordedLastStep(), t.whatIfLastStep(), t.whatIfValue(),
                    t.stoppedEarlier() ? "  (stopped earlier)" : t.wouldRunFurther() ? "  (would run further: not recorded)" : "");
        }
        out.println("  Trials keep their recorded start times; capacity freed by earlier stops is not reused.");
        return 0;
    }
}
