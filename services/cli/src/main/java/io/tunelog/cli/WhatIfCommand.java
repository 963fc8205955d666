package io.tunelog.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.tunelog.domain.spec.SchedulerSpec;
import io.tunelog.domain.spec.SpecException;
import io.tunelog.domain.state.ExperimentState;
import io.tunelog.replay.Replay;
import io.tunelog.replay.whatif.WhatIf;
import io.tunelog.results.Json;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** Counterfactual replay of the recorded learning curves under another stopping rule. */
@Command(name = "whatif", mixinStandardHelpOptions = true,
        description = "Replay an experiment's recorded learning curves under another scheduler's stopping rule (see --scheduler).")
final class WhatIfCommand implements Callable<Integer> {
    private static final YAMLMapper YAML = new YAMLMapper();

    @Parameters(index = "0", description = "Experiment id")
    String experimentId;

    @Mixin
    LogSourceOptions source;

    @Option(names = "--scheduler", required = true, completionCandidates = StoppingSchedulers.class,
            description = "A scheduler whose rule only stops trials: ${COMPLETION-CANDIDATES}")
    String scheduler;

    @Option(names = "--option", description = "A scheduler option as in a spec, e.g. --option maxT=30 --option reductionFactor=3")
    Map<String, String> options = new LinkedHashMap<>();

    @Option(names = "--json", description = "Print the result as JSON")
    boolean json;

    @Spec
    CommandSpec command;

    /** What {@code --scheduler} takes, for picocli's help and completion. */
    static final class StoppingSchedulers implements Iterable<String> {
        @Override
        public Iterator<String> iterator() {
            return WhatIf.SCHEDULERS.iterator();
        }
    }

    @Override
    public Integer call() throws Exception {
        ExperimentState state = Replay.state(source.source(experimentId));
        if (state.spec() == null) {
            throw new Tunelog.UserError(1, "no accepted experiment " + experimentId + " in the log");
        }
        WhatIf.Result result;
        try {
            result = WhatIf.run(state, new SchedulerSpec(scheduler, parsed(options)));
        } catch (SpecException e) {
            throw new Tunelog.UserError(Tunelog.BAD_INPUT, "invalid what-if scheduler at " + e.getMessage());
        }
        var out = command.commandLine().getOut();
        if (json) {
            out.println(Json.MAPPER.writeValueAsString(result));
            return 0;
        }
        out.printf("What if %s had used %s%s:%n", experimentId, scheduler, options.isEmpty() ? "" : " " + options);
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

    /** Option values as a spec would have them: 30 a whole number, 0.5 a real, [1.2, 0.8] a list, other text a string. */
    private static Map<String, Object> parsed(Map<String, String> options) {
        Map<String, Object> parsed = new LinkedHashMap<>();
        options.forEach((name, text) -> {
            try {
                JsonNode node = YAML.readTree(text);
                parsed.put(name, node.isArray() ? scalars(node) : scalar(node));
            } catch (JsonProcessingException e) {
                throw new Tunelog.UserError(Tunelog.BAD_INPUT, "--option " + name + ": cannot read " + text);
            }
        });
        return parsed;
    }

    private static List<Object> scalars(JsonNode array) {
        List<Object> values = new ArrayList<>();
        array.forEach(v -> values.add(scalar(v)));
        return values;
    }

    private static Object scalar(JsonNode node) {
        return node.isIntegralNumber() ? (Object) node.asLong() : node.isNumber() ? (Object) node.asDouble()
                : node.isBoolean() ? (Object) node.asBoolean() : node.asText();
    }
}
