package io.tunelog.domain.spec;

import static io.tunelog.domain.spec.SpecChecks.*;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonStreamContext;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.JacksonYAMLParseException;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLParser;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Reads an experiment spec (YAML, or JSON, which is YAML) and validates every field. Each problem is a
 * {@link SpecException} naming the field's dotted path (e.g. {@code searchSpace.eta.loguniform}) with a
 * one-line message saying what was expected and what was found, so a user sees exactly what to fix.
 */
public final class SpecParser {
    /** The field named by errors about the document as a whole. */
    public static final String WHOLE_SPEC = "(spec)";

    // The builder starts with every YAML parser feature off, so both are set explicitly:
    // - an empty value ("seed:") is null, meaning "not given", not the string "";
    // - only true and false are booleans, as in YAML 1.2 and JSON: choice: [yes, no] stays two strings.
    // And YAML forbids duplicate keys; keeping the last one silently would hide a typo or a bad merge.
    private static final ObjectMapper YAML = new ObjectMapper(YAMLFactory.builder()
            .enable(YAMLParser.Feature.EMPTY_STRING_AS_NULL, YAMLParser.Feature.PARSE_BOOLEAN_LIKE_WORDS_AS_STRINGS)
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .build());

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._-]{1,64}");
    private static final Pattern PARAM = Pattern.compile("[A-Za-z_][A-Za-z0-9_.-]*");
    private static final Pattern CLASS_NAME =
            Pattern.compile("[A-Za-z_$][A-Za-z0-9_$]*(\\.[A-Za-z_$][A-Za-z0-9_$]*)*");
    private static final Pattern CHOSEN_BY_RULE = Pattern.compile("auto/[1-9][0-9]{0,8}");
    /**
     * The largest spec accepted, in UTF-8 bytes, for the text and for its canonical JSON alike. A spec travels
     * whole in one Kafka record (the submission, then the log's {@code ExperimentSubmitted}), and a broker
     * refuses records over about 1 MiB by default ({@code message.max.bytes}); 256 KiB leaves room for the
     * envelope and for the canonical form, which writes defaults out and repeats group prefixes. Real specs
     * are a few KiB: a search space of a thousand parameters is about 50 KiB.
     */
    public static final int MAX_SPEC_BYTES = 256 * 1024;

    private SpecParser() {}

    /**
     * Parses and validates a spec.
     *
     * @throws SpecException naming the first offending field; never any other exception for bad input
     */
    public static ExperimentSpec parse(String text) {
        checkSize(text, "");
        Field root = new Field(document(text), "");
        fields(root, SpecKeys.TOP);

        String name = name(required(root.get("name")));
        List<Metric> objectives = ObjectiveParser.objectives(required(root.get("metric")));
        Metric metric = objectives.get(0);
        long seed = optional(root.get("seed"), SpecChecks::integer, 0L);
        Budget budget = budget(required(root.get("budget")));
        SearchSpace space = searchSpace(required(root.get("searchSpace")));
        SchedulerSpec scheduler = optional(root.get("scheduler"), SpecParser::scheduler, new SchedulerSpec(SchedulerType.FIFO.specName(), Map.of()));
        List<Constraint> constraints = optional(root.get("constraints"), ObjectiveParser::constraints, List.of());
        boolean beyondOneMetric = objectives.size() > 1 || !constraints.isEmpty();
        SearcherSpec searcher = searcher(root.get("searcher"), space, budget, scheduler, beyondOneMetric);
        TrialSpec trial = trial(required(root.get("trial")), metric.mode());
        RobustSpec robust = optional(root.get("robust"), SpecParser::robust, null);
        Threshold goal = optional(root.get("goal"), g -> StopParser.goal(g, objectives), null);
        Plateau plateau = optional(root.get("plateau"), p -> StopParser.plateau(p, objectives), null);
        List<String> warmStartFrom = optional(root.get("warmStart"), SpecParser::warmStart, List.of());

        boolean hasGrid = space.params().values().stream().anyMatch(d -> d instanceof ParamDomain.Grid);
        if (searcher.is(SearcherType.GRID) && !hasGrid) {
            throw root.get("searcher").get("type").error(
                    "expected at least one parameter of type grid for the grid searcher, found none");
        }
        if (robust != null && objectives.size() > 1) {
            throw root.get("robust").error("checks the best trials of one metric, and this spec has " + objectives.size()
                    + " objectives: remove it");
        }
        if (robust != null && space.params().containsKey(robust.seedParam())) {
            throw root.get("robust").get("seedParam").error("expected a name that is not a search-space parameter, found "
                    + quote(robust.seedParam()) + ", which the searcher already sets");
        }
        ExperimentSpec spec = new ExperimentSpec(name, objectives, seed, budget, space, searcher, scheduler, trial, robust, goal, plateau,
                constraints, warmStartFrom);
        // The log stores the canonical JSON and the fold parses it again: what is accepted here must read back there.
        checkSize(SpecJson.toJson(spec), " in its canonical JSON form");
        return spec;
    }

    /** Refuses text over {@link #MAX_SPEC_BYTES} before the YAML parser sees it. */
    private static void checkSize(String text, String form) {
        if (text == null || text.length() * 3L <= MAX_SPEC_BYTES) {
            return;
        }
        long bytes = 0;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            // UTF-8 without encoding: a surrogate pair is 4 bytes, 2 for each half.
            bytes += c < 0x80 ? 1 : c < 0x800 || Character.isSurrogate(c) ? 2 : 3;
        }
        if (bytes > MAX_SPEC_BYTES) {
            throw new SpecException(WHOLE_SPEC, "expected a spec of at most " + MAX_SPEC_BYTES + " bytes (256 KiB)" + form
                    + ", found " + bytes + " bytes");
        }
    }

    private static RobustSpec robust(Field f) {
        fields(f, SpecKeys.ROBUST);
        int top = optional(f.get("top"), SpecChecks::positiveInt, 3);
        int seeds = optional(f.get("seeds"), SpecChecks::nonNegativeInt, 3);
        int probes = optional(f.get("probes"), SpecChecks::nonNegativeInt, 2);
        double radius = optional(f.get("radius"), SpecChecks::finite, 0.05);
        if (!(radius > 0 && radius <= 0.5)) {
            throw f.get("radius").error("expected a radius in (0, 0.5] of the unit cube, found " + radius);
        }
        String seedParam = optional(f.get("seedParam"), SpecChecks::requiredText, "seed");
        if (!PARAM.matcher(seedParam).matches()) {
            throw f.get("seedParam").error("expected a parameter name, found " + quote(seedParam));
        }
        if (seeds + probes == 0) {
            throw f.error("expected seeds or probes > 0, found both 0");
        }
        return new RobustSpec(top, seeds, probes, radius, seedParam);
    }

    /** {@code warmStart: {from: [id, ...]}}: distinct experiment ids, at least one. */
    private static List<String> warmStart(Field f) {
        fields(f, SpecKeys.WARM_START);
        Field from = required(f.get("from"));
        if (!from.node().isArray() || from.node().isEmpty()) {
            throw from.error("expected a list of experiment ids, found " + describe(from.node()));
        }
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < from.node().size(); i++) {
            String id = requiredText(from.get(i));
            String problem = io.tunelog.domain.event.Event.experimentIdProblem(id);
            if (problem != null) {
                throw from.get(i).error("expected an experiment id: " + oneLine(problem));
            }
            if (ids.contains(id)) {
                throw from.get(i).error("expected distinct experiment ids, found " + quote(id) + " again");
            }
            ids.add(id);
        }
        return ids;
    }

    // ---- the document ----

    /** The spec text as a tree, read as the parser reads it (the schema test validates this tree). */
    static JsonNode document(String text) {
        if (text == null) {
            throw new SpecException(WHOLE_SPEC, "expected spec text, found nothing");
        }
        try (JsonParser parser = YAML.createParser(text)) {
            JsonNode root = YAML.readTree(parser);
            if (root == null || !root.isObject()) {
                throw new SpecException(WHOLE_SPEC, "expected a mapping of fields at top level, found " + describe(root));
            }
            // readTree stops after the first document; a second one would otherwise be ignored silently.
            if (parser.nextToken() != null) {
                throw new SpecException(WHOLE_SPEC, "expected one YAML document, found another starting at line "
                        + parser.currentLocation().getLineNr());
            }
            return root;
        } catch (JacksonYAMLParseException e) {
            // SnakeYAML could not read the text at all: a syntax error, which belongs to no one field.
            throw new SpecException(WHOLE_SPEC, "expected YAML or JSON, found a syntax error" + where(e) + ": " + prose(e));
        } catch (JsonProcessingException e) {
            throw unreadableValue(e);
        } catch (IOException e) {
            throw new SpecException(WHOLE_SPEC, "could not read the text: " + oneLine(String.valueOf(e.getMessage())));
        }
    }

    /**
     * Well-formed YAML that Jackson still refused, at the value its parser stood on. Jackson reports the two
     * cases we know (a duplicate key; {@code .inf} or {@code .nan}, which it cannot read as numbers) only by
     * message, so those are recognised by message and anything else keeps Jackson's wording.
     */
    private static SpecException unreadableValue(JsonProcessingException e) {
        String path = e.getProcessor() instanceof JsonParser p ? pathOf(p.getParsingContext()) : "";
        String problem = prose(e);
        String malformedNumber = "Malformed numeric value ";
        if (problem.startsWith("Duplicate field")) {
            problem = "expected each key once, found it again" + where(e);
        } else if (problem.startsWith(malformedNumber)) {
            problem = "expected a finite number, found " + problem.substring(malformedNumber.length());
        }
        return new SpecException(path.isEmpty() ? WHOLE_SPEC : path, problem);
    }

    /** The dotted path of a position in the document, e.g. {@code searchSpace.eta.loguniform[1]}. */
    private static String pathOf(JsonStreamContext context) {
        Deque<String> parts = new ArrayDeque<>();
        for (JsonStreamContext c = context; c != null && !c.inRoot(); c = c.getParent()) {
            if (c.inArray()) {
                parts.push("[" + Math.max(c.getCurrentIndex(), 0) + "]");
            } else if (c.getCurrentName() != null) {
                parts.push("." + oneLine(c.getCurrentName()));
            }
        }
        String path = String.join("", parts);
        return path.startsWith(".") ? path.substring(1) : path;
    }

    private static String where(JsonProcessingException e) {
        return e.getLocation() == null ? "" : " at line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr();
    }

    /** A parser message as one line: SnakeYAML's span several, quoting the source under a caret. */
    private static String prose(JsonProcessingException e) {
        String message = String.valueOf(e.getOriginalMessage());
        String prose = message.lines()
                .filter(line -> !line.isBlank() && !Character.isWhitespace(line.charAt(0)))
                .collect(Collectors.joining("; "));
        return oneLine(prose.isEmpty() ? message.strip() : prose);
    }

    // ---- sections ----

    private static String name(Field f) {
        String name = requiredText(f);
        if (!NAME.matcher(name).matches()) {
            throw f.error("expected 1 to 64 letters, digits, '.', '_' or '-', found " + quote(name));
        }
        return name;
    }

    private static Budget budget(Field f) {
        fields(f, SpecKeys.BUDGET);
        int trials = positiveInt(required(f.get("trials")));
        int concurrent = optional(f.get("concurrent"), SpecChecks::positiveInt, 1);
        Double seconds = optional(f.get("seconds"), StopParser::seconds, null);
        Integer maxFailedTrials = optional(f.get("maxFailedTrials"), SpecChecks::nonNegativeInt, null);
        return new Budget(trials, concurrent, seconds, maxFailedTrials);
    }

    private static SearchSpace searchSpace(Field f) {
        Map<String, ParamDomain> params = new LinkedHashMap<>();
        Map<String, SearchSpace.Condition> conditions = new LinkedHashMap<>();
        group(f, "", params, conditions);
        return new SearchSpace(params, conditions);
    }

    /**
     * A mapping of parameters and nested groups. A parameter is a mapping with one type key (and
     * maybe {@code when}); any other mapping is a group, whose parameters get dotted names.
     */
    private static void group(Field f, String prefix, Map<String, ParamDomain> params,
                              Map<String, SearchSpace.Condition> conditions) {
        mapping(f);
        if (f.node().isEmpty()) {
            throw f.error("expected at least one parameter, found an empty mapping");
        }
        for (String key : keys(f)) {
            Field param = f.get(key);
            if (!PARAM.matcher(key).matches()) {
                throw param.error("expected a parameter name of letters, digits, '_', '.' or '-' starting with a letter"
                        + " or '_', found " + quote(key));
            }
            String name = prefix + key;
            if (param.node() != null && param.node().isObject() && !isParameter(param)) {
                group(param, name + ".", params, conditions);
                continue;
            }
            if (params.containsKey(name) || params.keySet().stream().anyMatch(n -> n.startsWith(name + "."))) {
                throw param.error("expected each parameter once, found " + quote(name)
                        + " again (a dotted name and a nested group name the same parameter)");
            }
            params.put(name, domain(param));
            if (param.node().has(SpecKeys.WHEN)) {
                conditions.put(name, condition(param.get(SpecKeys.WHEN), params));
            }
        }
    }

    /** A mapping holding a type, a condition, or anything but mappings, is a parameter (maybe a bad one). */
    private static boolean isParameter(Field f) {
        for (String key : keys(f)) {
            if (SpecKeys.PARAM_TYPES.contains(key) || key.equals(SpecKeys.WHEN) || !f.node().get(key).isObject()) {
                return true;
            }
        }
        return false;
    }

    /** {@code when: {parent: [values]}}: the parent is an earlier choice or grid, the values among its own. */
    private static SearchSpace.Condition condition(Field f, Map<String, ParamDomain> earlier) {
        mapping(f);
        if (f.node().size() != 1) {
            throw f.error("expected one parent parameter and its values, e.g. {booster: [gbtree]}, found " + describe(f.node()));
        }
        String parent = keys(f).get(0);
        Field values = f.get(parent);
        ParamDomain domain = earlier.get(parent);
        if (domain == null) {
            throw values.error("expected a parameter declared before this one, found " + quote(parent));
        }
        List<Object> allowed = domain instanceof ParamDomain.Choice c ? c.values()
                : domain instanceof ParamDomain.Grid g ? g.values() : null;
        if (allowed == null) {
            throw values.error("expected a parent of type choice or grid, found " + quote(parent) + " of type " + domain.type());
        }
        List<Object> when = values.node() != null && values.node().isArray() ? values(values) : List.of(scalar(values));
        for (int i = 0; i < when.size(); i++) {
            if (!allowed.contains(when.get(i))) {
                Field bad = values.node().isArray() ? values.get(i) : values;
                throw bad.error("expected one of " + parent + "'s values " + allowed + ", found " + describe(bad.node()));
            }
        }
        return new SearchSpace.Condition(parent, when);
    }

    private static ParamDomain domain(Field f) {
        JsonNode node = f.node();
        List<String> types = node == null || !node.isObject() ? List.of()
                : keys(f).stream().filter(k -> !k.equals(SpecKeys.WHEN)).toList();
        if (types.size() != 1) {
            throw f.error("expected a mapping with exactly one type, one of " + SpecKeys.PARAM_TYPES
                    + ", e.g. {uniform: [0, 1]}, found " + describe(node));
        }
        String type = types.get(0);
        Field args = f.get(type);
        return switch (type) {
            case "uniform", "loguniform", "quniform", "qloguniform" -> {
                boolean q = type.startsWith("q");
                boolean log = type.contains("log");
                double[] b = bounds(args, q ? 3 : 2, q ? "[low, high, q]" : "[low, high]");
                if (log && b[0] <= 0) {
                    throw args.get(0).error("expected low > 0 for a log scale, found " + describe(args.node().get(0)));
                }
                yield new ParamDomain.Uniform(b[0], b[1], log, q ? positive(args.get(2), b[2]) : 0);
            }
            case "normal", "qnormal" -> {
                boolean q = type.startsWith("q");
                tuple(args, q ? 3 : 2, q ? "[mean, sd, q]" : "[mean, sd]");
                double mean = finite(args.get(0));
                double sd = positive(args.get(1), finite(args.get(1)));
                yield new ParamDomain.Normal(mean, sd, q ? positive(args.get(2), finite(args.get(2))) : 0);
            }
            case "randint", "lograndint", "qrandint" -> intRange(args, type);
            case "choice" -> new ParamDomain.Choice(values(args));
            case "grid" -> new ParamDomain.Grid(values(args));
            default -> throw f.error("expected a parameter type, one of " + SpecKeys.PARAM_TYPES + ", found " + quote(type));
        };
    }

    private static double[] bounds(Field f, int size, String expected) {
        tuple(f, size, expected);
        double[] b = new double[size];
        for (int i = 0; i < size; i++) {
            b[i] = finite(f.get(i));
        }
        if (!(b[0] < b[1])) {
            throw f.error("expected low < high, found " + describe(f.node()));
        }
        return b;
    }

    private static double positive(Field f, double value) {
        if (!(value > 0)) {
            throw f.error("expected a number > 0, found " + describe(f.node()));
        }
        return value;
    }

    private static ParamDomain.IntRange intRange(Field f, String type) {
        boolean q = type.equals("qrandint");
        tuple(f, q ? 3 : 2, q ? "[low, high, q] (high inclusive)" : "[low, high] (high exclusive)");
        long low = integer(f.get(0));
        long high = integer(f.get(1));
        if (low >= high) {
            throw f.error("expected low < high" + (q ? "" : " (high is exclusive)") + ", found " + describe(f.node()));
        }
        if (type.equals("lograndint") && low < 1) {
            throw f.get(0).error("expected low >= 1 for a log scale, found " + low);
        }
        long step = 0;
        if (q) {
            step = integer(f.get(2));
            if (step < 1) {
                throw f.get(2).error("expected q >= 1, found " + step);
            }
        }
        return new ParamDomain.IntRange(low, high, type.equals("lograndint"), step);
    }

    /** The values of a choice or grid: distinct scalars, at least one. */
    private static List<Object> values(Field f) {
        if (f.node() == null || !f.node().isArray()) {
            throw f.error("expected a list of values, found " + describe(f.node()));
        }
        if (f.node().isEmpty()) {
            throw f.error("expected at least one value, found an empty list");
        }
        List<Object> values = new ArrayList<>();
        Map<Object, Integer> firstIndex = new HashMap<>();
        for (int i = 0; i < f.node().size(); i++) {
            Object value = scalar(f.get(i));
            Integer earlier = firstIndex.putIfAbsent(value, i);
            if (earlier != null) {
                throw f.get(i).error("expected distinct values, found " + describe(f.node().get(i))
                        + " again (first at [" + earlier + "])");
            }
            values.add(value);
        }
        return values;
    }

    /**
     * The searcher the spec names, or the one {@link SearcherChoice} picks when it names none or {@code auto}, with the
     * configurations to evaluate first. The canonical JSON always names one, with {@code chosenBy} when it was picked, so
     * reading a stored spec back never picks again.
     */
    private static SearcherSpec searcher(Field f, SearchSpace space, Budget budget, SchedulerSpec scheduler, boolean beyondOneMetric) {
        if (!f.isSet()) {
            return SearcherChoice.choose(space, budget, scheduler, beyondOneMetric).searcher();
        }
        Set<String> known = new TreeSet<>(SearcherType.names());
        known.add(SearcherChoice.AUTO);
        String type = type(f, known);
        Map<String, Object> options = options(f, SpecKeys.INITIAL);
        List<Map<String, Object>> initial = optional(f.get(SpecKeys.INITIAL), i -> initial(i, space), List.of());
        boolean chosen = options.containsKey(SpecKeys.CHOSEN_BY);
        Object chosenBy = options.remove(SpecKeys.CHOSEN_BY);
        SearcherSpec searcher;
        if (type.equals(SearcherChoice.AUTO)) {
            if (chosen || !options.isEmpty()) {
                String option = chosen ? SpecKeys.CHOSEN_BY : options.keySet().iterator().next();
                throw f.get(option).error("expected no options with searcher type auto, which picks a searcher and uses its"
                        + " defaults, found " + quote(option) + " (name the searcher, e.g. {type: gp, ...}, to set its options)");
            }
            searcher = SearcherChoice.choose(space, budget, scheduler, beyondOneMetric).searcher();
        } else {
            if (chosen && !(chosenBy instanceof String rule && CHOSEN_BY_RULE.matcher(rule).matches())) {
                throw f.get(SpecKeys.CHOSEN_BY).error("expected the rule that picked the searcher, such as " + quote(SearcherChoice.RULE)
                        + " (the canonical spec records it), found " + describe(f.node().get(SpecKeys.CHOSEN_BY)));
            }
            searcher = new SearcherSpec(type, options, List.of(), (String) chosenBy);
        }
        if (!initial.isEmpty() && searcher.is(SearcherType.GRID)) {
            throw f.get(SpecKeys.INITIAL).error("expected no initial configurations for the grid searcher, which evaluates every grid point"
                    + ", found " + initial.size());
        }
        if (initial.size() > budget.trials()) {
            throw f.get(SpecKeys.INITIAL).error("expected at most budget.trials (" + budget.trials() + ") configurations, found "
                    + initial.size());
        }
        return searcher.withInitial(initial);
    }

    /** {@code searcher.initial}: a list of whole configurations, each checked against the space. */
    private static List<Map<String, Object>> initial(Field f, SearchSpace space) {
        if (!f.node().isArray()) {
            throw f.error("expected a list of configurations (mappings of parameter to value), found " + describe(f.node()));
        }
        List<Map<String, Object>> configs = new ArrayList<>();
        for (int i = 0; i < f.node().size(); i++) {
            Field entry = f.get(i);
            mapping(entry);
            Map<String, Object> config = new LinkedHashMap<>();
            for (String param : keys(entry)) {
                config.put(param, scalar(entry.get(param)));
            }
            configs.add(ConfigCheck.check(space, config, entry.path()));
        }
        return configs;
    }

    private static SchedulerSpec scheduler(Field f) {
        return new SchedulerSpec(type(f, SchedulerType.names()), options(f));
    }

    /** The {@code type} of a searcher or scheduler, which must be one this build implements. */
    private static String type(Field f, Set<String> known) {
        mapping(f);
        Field typeField = f.get("type");
        String type = requiredText(typeField);
        if (!known.contains(type)) {
            throw typeField.error("expected a " + f.path() + " this build has, one of " + sorted(known)
                    + ", found " + quote(type));
        }
        return type;
    }

    /**
     * Every key but {@code type} and {@code notOptions}, each a scalar or a list of scalars: options are the searcher's or
     * scheduler's business, so any key goes here, and the component checks its own ({@link Options}).
     */
    private static Map<String, Object> options(Field f, String... notOptions) {
        Map<String, Object> options = new LinkedHashMap<>();
        for (String key : keys(f)) {
            if (!key.equals("type") && !List.of(notOptions).contains(key)) {
                Field option = f.get(key);
                options.put(key, option.node() != null && option.node().isArray() ? values(option) : scalar(option));
            }
        }
        return options;
    }

    private static TrialSpec trial(Field f, Mode metricMode) {
        fields(f, SpecKeys.TRIAL);
        boolean hasCommand = f.node().has("command");
        boolean hasTrainable = f.node().has("trainable");
        boolean askAndTell = optional(f.get("askAndTell"), SpecChecks::bool, false);
        if (askAndTell) {
            // Its trials are taken by HTTP clients: nothing a worker would run belongs here.
            for (String workerOnly : List.of("command", "trainable", "reportTimeoutSeconds")) {
                if (f.node().has(workerOnly)) {
                    throw f.get(workerOnly).error("an askAndTell trial is evaluated by clients over HTTP, not by workers: "
                            + "remove " + workerOnly + (workerOnly.equals("reportTimeoutSeconds") ? " (a client's lease lapses instead)" : ""));
                }
            }
        } else if (hasCommand && hasTrainable) {
            throw f.error("expected either command or trainable, found both");
        } else if (!hasCommand && !hasTrainable) {
            throw f.error("expected a command (an argument list) or a trainable (a Java class name), found neither"
                    + " (or askAndTell: true, for trials that clients take over HTTP)");
        }
        List<String> command = hasCommand ? command(f.get("command")) : List.of();
        String trainable = hasTrainable ? trainable(f.get("trainable")) : null;
        int maxFailures = optional(f.get("maxFailures"), SpecChecks::nonNegativeInt, 0);
        CheckpointSpec checkpoint = optional(f.get("checkpoint"), c -> checkpoint(c, metricMode),
                new CheckpointSpec(1, null, metricMode));
        Integer reportTimeoutSeconds = optional(f.get("reportTimeoutSeconds"), SpecChecks::positiveInt, null);
        boolean holdAtMilestones = optional(f.get("holdAtMilestones"), SpecChecks::bool, true);
        Resources resources = optional(f.get("resources"), SpecParser::resources, Resources.DEFAULT);
        TrialStop stop = optional(f.get("stop"), StopParser::trialStop, null);
        return new TrialSpec(command, trainable, maxFailures, checkpoint, reportTimeoutSeconds, holdAtMilestones, resources,
                askAndTell, stop);
    }

    private static Resources resources(Field f) {
        fields(f, SpecKeys.RESOURCES);
        int cpus = optional(f.get("cpus"), SpecChecks::positiveInt, Resources.DEFAULT.cpus());
        int gpus = optional(f.get("gpus"), SpecChecks::nonNegativeInt, Resources.DEFAULT.gpus());
        return new Resources(cpus, gpus);
    }

    private static List<String> command(Field f) {
        JsonNode node = f.node();
        if (node == null || !node.isArray()) {
            // A single string would need a shell to split it, and trials never run through a shell.
            String hint = node != null && node.isTextual() ? " (list the arguments instead of one string)" : "";
            throw f.error("expected an argument list such as [python3, train.py], found " + describe(node) + hint);
        }
        if (node.isEmpty()) {
            throw f.error("expected the program and its arguments, found an empty list");
        }
        List<String> args = new ArrayList<>();
        for (int i = 0; i < node.size(); i++) {
            JsonNode arg = node.get(i);
            // Strings only: YAML would turn 1e-5 into 1.0E-5 and 010 into 8, so the program would not get what was written.
            if (!arg.isTextual()) {
                String hint = arg.isValueNode() && !arg.isNull() ? " (quote it to pass it as an argument)" : "";
                throw f.get(i).error("expected a non-empty string, found " + describe(arg) + hint);
            }
            if (arg.asText().isEmpty()) {
                throw f.get(i).error("expected a non-empty string, found \"\"");
            }
            args.add(arg.asText());
        }
        return args;
    }

    private static String trainable(Field f) {
        String trainable = requiredText(f);
        if (!CLASS_NAME.matcher(trainable).matches()) {
            throw f.error("expected a Java class name such as com.example.Train, found " + quote(trainable));
        }
        return trainable;
    }

    private static CheckpointSpec checkpoint(Field f, Mode metricMode) {
        fields(f, SpecKeys.CHECKPOINT);
        int keep = optional(f.get("keep"), SpecChecks::positiveInt, 1);
        String scoreAttribute = optional(f.get("scoreAttribute"), SpecChecks::requiredText, null);
        Mode scoreMode = optional(f.get("scoreMode"), ObjectiveParser::mode, metricMode);
        return new CheckpointSpec(keep, scoreAttribute, scoreMode);
    }

    private static List<String> sorted(Set<String> set) {
        return set.stream().sorted().toList();
    }
}
