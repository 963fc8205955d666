package io.tunelog.domain.spec;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Reads an experiment spec (YAML, or JSON, which is YAML) and validates every field. Each problem is a
 * {@link SpecException} naming the field's dotted path, so a user sees exactly what to fix.
 */
public final class SpecParser {
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._-]{1,64}");
    private static final Pattern PARAM = Pattern.compile("[A-Za-z_][A-Za-z0-9_.-]*");
    private static final Set<String> PARAM_TYPES = Set.of("uniform", "loguniform", "randint", "choice", "grid");

    private SpecParser() {}

    public static ExperimentSpec parse(String text) {
        JsonNode root;
        try {
            root = YAML.readTree(text);
        } catch (Exception e) {
            throw new SpecException("(spec)", "not valid YAML or JSON: " + firstLine(e.getMessage()));
        }
        if (root == null || !root.isObject()) {
            throw new SpecException("(spec)", "expected a mapping of fields, found " + describe(root));
        }
        allowOnly(root, "", "name", "metric", "seed", "budget", "searchSpace", "searcher", "scheduler", "trial");

        String name = requiredText(root, "name");
        if (!NAME.matcher(name).matches()) {
            throw new SpecException("name", "use 1 to 64 letters, digits, '.', '_' or '-', found \"" + name + "\"");
        }
        Metric metric = metric(required(root, "metric", "metric"));
        long seed = root.has("seed") ? integer(root.get("seed"), "seed") : 0L;
        Budget budget = budget(required(root, "budget", "budget"));
        SearchSpace space = searchSpace(required(root, "searchSpace", "searchSpace"));
        SearcherSpec searcher = searcher(root.get("searcher"));
        SchedulerSpec scheduler = scheduler(root.get("scheduler"));
        TrialSpec trial = trial(required(root, "trial", "trial"), metric);

        if (searcher.type().equals("grid") && space.params().values().stream().noneMatch(d -> d instanceof ParamDomain.Grid)) {
            throw new SpecException("searcher.type", "grid search needs at least one parameter of type grid");
        }
        return new ExperimentSpec(name, metric, seed, budget, space, searcher, scheduler, trial);
    }

    private static Metric metric(JsonNode node) {
        object(node, "metric");
        allowOnly(node, "metric.", "name", "mode");
        String name = requiredText(node, "metric.name");
        String mode = requiredText(node, "metric.mode");
        return switch (mode.toLowerCase(java.util.Locale.ROOT)) {
            case "min" -> new Metric(name, Mode.MIN);
            case "max" -> new Metric(name, Mode.MAX);
            default -> throw new SpecException("metric.mode", "expected min or max, found \"" + mode + "\"");
        };
    }

    private static Budget budget(JsonNode node) {
        object(node, "budget");
        allowOnly(node, "budget.", "trials", "concurrent");
        int trials = positiveInt(required(node, "trials", "budget.trials"), "budget.trials");
        int concurrent = node.has("concurrent") ? positiveInt(node.get("concurrent"), "budget.concurrent") : 1;
        return new Budget(trials, concurrent);
    }

    private static SearchSpace searchSpace(JsonNode node) {
        object(node, "searchSpace");
        if (node.isEmpty()) {
            throw new SpecException("searchSpace", "needs at least one parameter");
        }
        Map<String, ParamDomain> params = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
            var entry = it.next();
            String path = "searchSpace." + entry.getKey();
            if (!PARAM.matcher(entry.getKey()).matches()) {
                throw new SpecException(path, "parameter names start with a letter or '_' and use letters, digits, '_', '.', '-'");
            }
            params.put(entry.getKey(), domain(entry.getValue(), path));
        }
        return new SearchSpace(params);
    }

    private static ParamDomain domain(JsonNode node, String path) {
        if (node == null || !node.isObject() || node.size() != 1) {
            throw new SpecException(path, "expected one of " + sorted(PARAM_TYPES) + " with its arguments, e.g. {uniform: [0, 1]}, found "
                    + describe(node));
        }
        String type = node.fieldNames().next();
        JsonNode args = node.get(type);
        String at = path + "." + type;
        return switch (type) {
            case "uniform" -> {
                double[] b = bounds(args, at);
                yield new ParamDomain.Uniform(b[0], b[1]);
            }
            case "loguniform" -> {
                double[] b = bounds(args, at);
                if (b[0] <= 0) {
                    throw new SpecException(at, "bounds must be > 0 for a log scale, found " + number(b[0]));
                }
                yield new ParamDomain.LogUniform(b[0], b[1]);
            }
            case "randint" -> {
                if (args == null || !args.isArray() || args.size() != 2) {
                    throw new SpecException(at, "expected [low, high] (high exclusive), found " + describe(args));
                }
                long low = integer(args.get(0), at + "[0]");
                long high = integer(args.get(1), at + "[1]");
                if (low >= high) {
                    throw new SpecException(at, "low must be below high (high is exclusive), found [" + low + ", " + high + "]");
                }
                yield new ParamDomain.RandInt(low, high);
            }
            case "choice" -> new ParamDomain.Choice(values(args, at));
            case "grid" -> new ParamDomain.Grid(values(args, at));
            default -> throw new SpecException(path, "unknown parameter type \"" + type + "\"; known: " + sorted(PARAM_TYPES));
        };
    }

    private static double[] bounds(JsonNode args, String at) {
        if (args == null || !args.isArray() || args.size() != 2) {
            throw new SpecException(at, "expected [low, high], found " + describe(args));
        }
        double low = finite(args.get(0), at + "[0]");
        double high = finite(args.get(1), at + "[1]");
        if (low >= high) {
            throw new SpecException(at, "low must be below high, found [" + number(low) + ", " + number(high) + "]");
        }
        return new double[] {low, high};
    }

    private static List<Object> values(JsonNode args, String at) {
        if (args == null || !args.isArray()) {
            throw new SpecException(at, "expected a list of values, found " + describe(args));
        }
        if (args.isEmpty()) {
            throw new SpecException(at, "needs at least one value");
        }
        List<Object> values = new ArrayList<>();
        Set<Object> seen = new HashSet<>();
        for (int i = 0; i < args.size(); i++) {
            Object v = scalar(args.get(i), at + "[" + i + "]");
            if (!seen.add(v)) {
                throw new SpecException(at + "[" + i + "]", "duplicate value " + v);
            }
            values.add(v);
        }
        return values;
    }

    /** A scalar as a config value: String, Long, Double or Boolean. */
    private static Object scalar(JsonNode node, String at) {
        if (node == null || node.isNull()) {
            throw new SpecException(at, "values cannot be null");
        }
        if (node.isTextual()) {
            return node.asText();
        }
        if (node.isBoolean()) {
            return node.asBoolean();
        }
        if (node.isIntegralNumber()) {
            if (!node.canConvertToLong()) {
                throw new SpecException(at, "integer out of range: " + node.asText());
            }
            return node.asLong();
        }
        if (node.isNumber()) {
            return finite(node, at);
        }
        throw new SpecException(at, "expected a string, number or boolean, found " + describe(node));
    }

    private static SearcherSpec searcher(JsonNode node) {
        if (node == null) {
            return new SearcherSpec("random", Map.of());
        }
        String type = typed(node, "searcher", SearcherSpec.TYPES);
        return new SearcherSpec(type, options(node, "searcher"));
    }

    private static SchedulerSpec scheduler(JsonNode node) {
        if (node == null) {
            return new SchedulerSpec("fifo", Map.of());
        }
        String type = typed(node, "scheduler", SchedulerSpec.TYPES);
        return new SchedulerSpec(type, options(node, "scheduler"));
    }

    private static String typed(JsonNode node, String path, Set<String> known) {
        object(node, path);
        String type = requiredText(node, path + ".type");
        if (!known.contains(type)) {
            throw new SpecException(path + ".type", "unknown " + path + " \"" + type + "\"; this build has " + sorted(known));
        }
        return type;
    }

    private static Map<String, Object> options(JsonNode node, String path) {
        Map<String, Object> options = new LinkedHashMap<>();
        node.fields().forEachRemaining(e -> {
            if (!e.getKey().equals("type")) {
                options.put(e.getKey(), scalar(e.getValue(), path + "." + e.getKey()));
            }
        });
        return options;
    }

    private static TrialSpec trial(JsonNode node, Metric metric) {
        object(node, "trial");
        allowOnly(node, "trial.", "command", "trainable", "maxFailures", "checkpoint");
        boolean hasCommand = node.has("command");
        boolean hasTrainable = node.has("trainable");
        if (hasCommand == hasTrainable) {
            throw new SpecException("trial", hasCommand ? "give either command or trainable, not both"
                    : "needs a command (an argument list) or a trainable (a Java class name)");
        }
        List<String> command = List.of();
        String trainable = null;
        if (hasCommand) {
            JsonNode c = node.get("command");
            if (c == null || !c.isArray()) {
                throw new SpecException("trial.command", "expected an argument list such as [python3, train.py], found " + describe(c)
                        + (c != null && c.isTextual() ? " (a single string would need a shell; list the arguments instead)" : ""));
            }
            if (c.isEmpty()) {
                throw new SpecException("trial.command", "is empty; give the program and its arguments");
            }
            List<String> args = new ArrayList<>();
            for (int i = 0; i < c.size(); i++) {
                JsonNode a = c.get(i);
                if (a == null || !(a.isTextual() || a.isNumber()) || a.asText().isEmpty()) {
                    throw new SpecException("trial.command[" + i + "]", "expected a non-empty string, found " + describe(a));
                }
                args.add(a.asText());
            }
            command = args;
        } else {
            trainable = requiredText(node, "trial.trainable");
            if (!trainable.matches("[A-Za-z_$][A-Za-z0-9_$]*(\\.[A-Za-z_$][A-Za-z0-9_$]*)*")) {
                throw new SpecException("trial.trainable", "expected a Java class name, found \"" + trainable + "\"");
            }
        }
        int maxFailures = node.has("maxFailures") ? nonNegativeInt(node.get("maxFailures"), "trial.maxFailures") : 0;
        CheckpointSpec checkpoint = checkpoint(node.get("checkpoint"), metric);
        return new TrialSpec(command, trainable, maxFailures, checkpoint);
    }

    private static CheckpointSpec checkpoint(JsonNode node, Metric metric) {
        if (node == null) {
            return new CheckpointSpec(1, null, metric.mode());
        }
        object(node, "trial.checkpoint");
        allowOnly(node, "trial.checkpoint.", "keep", "scoreAttribute", "scoreMode");
        int keep = node.has("keep") ? positiveInt(node.get("keep"), "trial.checkpoint.keep") : 1;
        String score = node.has("scoreAttribute") && !node.get("scoreAttribute").isNull()
                ? requiredText(node, "trial.checkpoint.scoreAttribute") : null;
        Mode mode = metric.mode();
        if (node.has("scoreMode")) {
            String m = requiredText(node, "trial.checkpoint.scoreMode");
            mode = switch (m.toLowerCase(java.util.Locale.ROOT)) {
                case "min" -> Mode.MIN;
                case "max" -> Mode.MAX;
                default -> throw new SpecException("trial.checkpoint.scoreMode", "expected min or max, found \"" + m + "\"");
            };
        }
        return new CheckpointSpec(keep, score, mode);
    }

    // ---- small checks, each naming the path it checks ----

    private static JsonNode required(JsonNode parent, String field, String path) {
        JsonNode node = parent.get(field);
        if (node == null || node.isNull()) {
            throw new SpecException(path, "is required");
        }
        return node;
    }

    private static String requiredText(JsonNode parent, String path) {
        String field = path.substring(path.lastIndexOf('.') + 1);
        JsonNode node = required(parent, field, path);
        if (!node.isTextual() || node.asText().isBlank()) {
            throw new SpecException(path, "expected a non-empty string, found " + describe(node));
        }
        return node.asText();
    }

    private static void object(JsonNode node, String path) {
        if (!node.isObject()) {
            throw new SpecException(path, "expected a mapping, found " + describe(node));
        }
    }

    private static void allowOnly(JsonNode node, String prefix, String... allowed) {
        Set<String> known = Set.of(allowed);
        node.fieldNames().forEachRemaining(f -> {
            if (!known.contains(f)) {
                throw new SpecException(prefix + f, "unknown field; expected one of " + sorted(known));
            }
        });
    }

    private static long integer(JsonNode node, String path) {
        if (node == null || !node.isIntegralNumber() || !node.canConvertToLong()) {
            throw new SpecException(path, "expected an integer, found " + describe(node));
        }
        return node.asLong();
    }

    private static int positiveInt(JsonNode node, String path) {
        long v = integer(node, path);
        if (v <= 0 || v > Integer.MAX_VALUE) {
            throw new SpecException(path, "must be a positive integer, found " + v);
        }
        return (int) v;
    }

    private static int nonNegativeInt(JsonNode node, String path) {
        long v = integer(node, path);
        if (v < 0 || v > Integer.MAX_VALUE) {
            throw new SpecException(path, "must be an integer >= 0, found " + v);
        }
        return (int) v;
    }

    private static double finite(JsonNode node, String path) {
        if (node == null || !node.isNumber()) {
            throw new SpecException(path, "expected a number, found " + describe(node));
        }
        double v = node.asDouble();
        if (!Double.isFinite(v)) {
            throw new SpecException(path, "expected a finite number, found " + node.asText());
        }
        return v;
    }

    private static String describe(JsonNode node) {
        if (node == null || node.isMissingNode()) {
            return "nothing";
        }
        if (node.isNull()) {
            return "null";
        }
        if (node.isTextual()) {
            return "\"" + node.asText() + "\"";
        }
        String s = node.toString();
        String kind = node.isArray() ? "a list " : node.isObject() ? "a mapping " : node.isBoolean() ? "a boolean " : "";
        return kind + (s.length() > 60 ? s.substring(0, 57) + "..." : s);
    }

    private static String number(double v) {
        return v == Math.rint(v) && Math.abs(v) < 1e15 ? String.valueOf((long) v) : String.valueOf(v);
    }

    private static List<String> sorted(Set<String> set) {
        return set.stream().sorted().toList();
    }

    private static String firstLine(String message) {
        if (message == null) {
            return "unreadable";
        }
        int nl = message.indexOf('\n');
        return nl < 0 ? message : message.substring(0, nl);
    }
}
