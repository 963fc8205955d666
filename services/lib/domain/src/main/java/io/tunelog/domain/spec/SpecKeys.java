package io.tunelog.domain.spec;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The keys each mapping of a spec may hold: the one list of them. The parser refuses any other key with these lists,
 * and a test holds the spec's JSON Schema ({@code tunelog-spec.schema.json}) to them, so the two cannot drift.
 * Searcher and scheduler options are not here: any key goes in the spec, and the component checks its own
 * ({@link Options}).
 */
public final class SpecKeys {
    public static final List<String> TOP = List.of("name", "metric", "seed", "budget", "searchSpace", "searcher", "scheduler",
            "trial", "robust", "goal", "plateau", "constraints", "warmStart");
    /** {@code metric}, or each objective of a list of them. */
    public static final List<String> OBJECTIVE = List.of("name", "mode");
    /** Each of {@code constraints}. */
    public static final List<String> CONSTRAINT = List.of("name", "above", "below");
    public static final List<String> BUDGET = List.of("trials", "concurrent", "seconds", "maxFailedTrials");
    public static final List<String> TRIAL = List.of("command", "trainable", "maxFailures", "checkpoint", "reportTimeoutSeconds",
            "holdAtMilestones", "resources", "askAndTell", "stop");
    public static final List<String> RESOURCES = List.of("cpus", "gpus");
    public static final List<String> CHECKPOINT = List.of("keep", "scoreAttribute", "scoreMode");
    public static final List<String> ROBUST = List.of("top", "seeds", "probes", "radius", "seedParam");
    public static final List<String> WARM_START = List.of("from");
    public static final List<String> PLATEAU = List.of("top", "std", "patience");
    /** {@code goal}, and each metric's bound in {@code trial.stop}. */
    public static final List<String> THRESHOLD = List.of("above", "below");
    /** The keys of {@code trial.stop} that are not metric names. */
    public static final List<String> TRIAL_STOP = List.of(TrialStop.STEP, TrialStop.SECONDS);

    /** The searcher's key for the configurations it evaluates first, not an option of the searcher. */
    public static final String INITIAL = "initial";
    /** The canonical spec's record of the rule that picked its searcher ({@link SearcherChoice}); not an option. */
    public static final String CHOSEN_BY = "chosenBy";
    /** The keys of {@code searcher} that are not its options. */
    public static final List<String> SEARCHER = List.of("type", INITIAL, CHOSEN_BY);
    /** The keys of {@code scheduler} that are not its options. */
    public static final List<String> SCHEDULER = List.of("type");

    /** A parameter's condition on an earlier one, beside its type. */
    public static final String WHEN = "when";
    /** The types of a search-space parameter, each its key: {@code {uniform: [0, 1]}}. */
    public static final List<String> PARAM_TYPES = List.of("uniform", "quniform", "loguniform", "qloguniform",
            "normal", "qnormal", "randint", "qrandint", "lograndint", "choice", "grid");

    private SpecKeys() {}

    /**
     * Every fixed list above by where it applies, as a dotted path ({@code []} for each item of a list): what a test
     * compares with the schema.
     */
    public static Map<String, List<String>> bySection() {
        Map<String, List<String>> sections = new LinkedHashMap<>();
        sections.put("", TOP);
        sections.put("metric", OBJECTIVE);
        sections.put("metric[]", OBJECTIVE);
        sections.put("constraints[]", CONSTRAINT);
        sections.put("budget", BUDGET);
        sections.put("trial", TRIAL);
        sections.put("trial.resources", RESOURCES);
        sections.put("trial.checkpoint", CHECKPOINT);
        sections.put("trial.stop", TRIAL_STOP);
        sections.put("trial.stop.<metric>", THRESHOLD);
        sections.put("robust", ROBUST);
        sections.put("warmStart", WARM_START);
        sections.put("goal", THRESHOLD);
        sections.put("plateau", PLATEAU);
        sections.put("searcher", SEARCHER);
        sections.put("scheduler", SCHEDULER);
        return sections;
    }
}
