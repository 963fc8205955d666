package io.tunelog.domain.spec;

import com.fasterxml.jackson.core.JsonFactoryBuilder;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.SerializableString;
import com.fasterxml.jackson.core.io.CharacterEscapes;
import com.fasterxml.jackson.core.io.SerializedString;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The canonical JSON of a spec, as the log stores it: every default written out, keys in a fixed order
 * (the spec's own order for parameters, which grids depend on; sorted for options). Storing it resolved
 * means a later change of defaults cannot change an old experiment. {@link SpecParser#parse} reads it back
 * to an equal spec, doubles included: Jackson writes each double in a form that parses to the same bits.
 */
public final class SpecJson {
    private static final ObjectMapper JSON =
            new ObjectMapper(new JsonFactoryBuilder().characterEscapes(new YamlSafeEscapes()).build());
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private SpecJson() {}

    /**
     * The spec as one line of canonical JSON.
     *
     * @throws IllegalArgumentException if a choice, grid or option value is not a String, Long, Double or
     *     Boolean (the only kinds {@link SpecParser} makes, and so the only kinds that read back equal)
     */
    public static String toJson(ExperimentSpec spec) {
        ObjectNode root = NODES.objectNode();
        root.put("name", spec.name());
        // One objective keeps the mapping it always had, so a log written before lists existed reads back as written.
        if (spec.isMultiObjective()) {
            ArrayNode metrics = root.putArray("metric");
            spec.objectives().forEach(m -> metrics.add(metric(m)));
        } else {
            root.set("metric", metric(spec.metric()));
        }
        root.put("seed", spec.seed());
        ObjectNode budget = root.putObject("budget");
        budget.put("trials", spec.budget().trials());
        budget.put("concurrent", spec.budget().concurrent());
        // Stop conditions are written only when set, so an older spec reads back as written.
        if (spec.budget().seconds() != null) {
            budget.put("seconds", spec.budget().seconds());
        }
        if (spec.budget().maxFailedTrials() != null) {
            budget.put("maxFailedTrials", spec.budget().maxFailedTrials());
        }
        ObjectNode space = root.putObject("searchSpace");
        // Nested groups were flattened to dotted names; written flat, they parse back to the same space.
        spec.searchSpace().params().forEach((name, domain) -> {
            ObjectNode param = domain(domain);
            SearchSpace.Condition when = spec.searchSpace().conditions().get(name);
            if (when != null) {
                ArrayNode values = param.putObject("when").putArray(when.parent());
                when.values().forEach(v -> values.add(scalar(v)));
            }
            space.set(name, param);
        });
        ObjectNode searcher = typed(spec.searcher().type(), spec.searcher().options());
        // Written only when given, so a spec without them keeps its canonical form.
        if (!spec.searcher().initial().isEmpty()) {
            ArrayNode initial = searcher.putArray("initial");
            spec.searcher().initial().forEach(config -> {
                ObjectNode point = initial.addObject();
                config.forEach((name, value) -> point.set(name, scalar(value)));
            });
        }
        // Beside the options, not among them: each searcher refuses options it does not read.
        if (spec.searcher().chosenBy() != null) {
            searcher.put(SpecKeys.CHOSEN_BY, spec.searcher().chosenBy());
        }
        root.set("searcher", searcher);
        root.set("scheduler", typed(spec.scheduler().type(), spec.scheduler().options()));
        root.set("trial", trial(spec.trial()));
        if (spec.robust() != null) {
            ObjectNode robust = root.putObject("robust");
            robust.put("top", spec.robust().top()).put("seeds", spec.robust().seeds()).put("probes", spec.robust().probes())
                    .put("radius", spec.robust().radius()).put("seedParam", spec.robust().seedParam());
        }
        if (spec.goal() != null) {
            root.set("goal", threshold(spec.goal()));
        }
        if (spec.plateau() != null) {
            root.putObject("plateau").put("top", spec.plateau().top()).put("std", spec.plateau().std())
                    .put("patience", spec.plateau().patience());
        }
        if (!spec.constraints().isEmpty()) {
            ArrayNode constraints = root.putArray("constraints");
            for (Constraint c : spec.constraints()) {
                ObjectNode constraint = constraints.addObject().put("name", c.name());
                threshold(c.bound()).properties().forEach(e -> constraint.set(e.getKey(), e.getValue()));
            }
        }
        if (!spec.warmStartFrom().isEmpty()) {
            ArrayNode from = root.putObject("warmStart").putArray("from");
            spec.warmStartFrom().forEach(from::add);
        }
        try {
            return JSON.writeValueAsString(root);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write spec " + spec.name(), e);
        }
    }

    private static ObjectNode metric(Metric metric) {
        return NODES.objectNode().put("name", metric.name()).put("mode", mode(metric.mode()));
    }

    private static ObjectNode domain(ParamDomain domain) {
        ObjectNode node = NODES.objectNode();
        ArrayNode args = node.putArray(domain.type());
        if (domain instanceof ParamDomain.Uniform u) {
            args.add(u.low()).add(u.high());
            if (u.q() > 0) {
                args.add(u.q());
            }
        } else if (domain instanceof ParamDomain.Normal n) {
            args.add(n.mean()).add(n.sd());
            if (n.q() > 0) {
                args.add(n.q());
            }
        } else if (domain instanceof ParamDomain.IntRange r) {
            args.add(r.low()).add(r.high());
            if (r.q() > 0) {
                args.add(r.q());
            }
        } else if (domain instanceof ParamDomain.Choice c) {
            c.values().forEach(v -> args.add(scalar(v)));
        } else if (domain instanceof ParamDomain.Grid g) {
            g.values().forEach(v -> args.add(scalar(v)));
        }
        return node;
    }

    private static ObjectNode typed(String type, Map<String, Object> options) {
        ObjectNode node = NODES.objectNode();
        node.put("type", type);
        // Options come from an unordered map: sort them so equal specs give equal text.
        options.entrySet().stream().sorted(Map.Entry.comparingByKey())
                .forEach(e -> node.set(e.getKey(), e.getValue() instanceof List<?> list ? scalars(list) : scalar(e.getValue())));
        return node;
    }

    private static ObjectNode trial(TrialSpec trial) {
        ObjectNode node = NODES.objectNode();
        if (trial.askAndTell()) {
            node.put("askAndTell", true);
        } else if (trial.trainable() != null) {
            node.put("trainable", trial.trainable());
        } else {
            ArrayNode command = node.putArray("command");
            trial.command().forEach(command::add);
        }
        node.put("maxFailures", trial.maxFailures());
        ObjectNode checkpoint = node.putObject("checkpoint");
        checkpoint.put("keep", trial.checkpoint().keep());
        // Written even when null ("keep the latest"), so the stored spec shows every setting.
        checkpoint.put("scoreAttribute", trial.checkpoint().scoreAttribute());
        checkpoint.put("scoreMode", mode(trial.checkpoint().scoreMode()));
        // Written only when set: a log without it still folds in builds that predate the field.
        if (trial.reportTimeoutSeconds() != null) {
            node.put("reportTimeoutSeconds", trial.reportTimeoutSeconds());
        }
        if (!trial.holdAtMilestones()) {
            node.put("holdAtMilestones", false);
        }
        // Only when asked for: the default is what every trial got before the field, and an old log's spec reads back as written.
        if (!trial.resources().equals(Resources.DEFAULT)) {
            ObjectNode resources = node.putObject("resources");
            resources.put("cpus", trial.resources().cpus());
            resources.put("gpus", trial.resources().gpus());
        }
        if (trial.stop() != null) {
            ObjectNode stop = node.putObject("stop");
            if (trial.stop().step() != null) {
                stop.put(TrialStop.STEP, trial.stop().step());
            }
            if (trial.stop().seconds() != null) {
                stop.put(TrialStop.SECONDS, trial.stop().seconds());
            }
            trial.stop().metrics().forEach((metric, threshold) -> stop.set(metric, threshold(threshold)));
        }
        return node;
    }

    private static ObjectNode threshold(Threshold threshold) {
        ObjectNode node = NODES.objectNode();
        if (threshold.above() != null) {
            node.put("above", threshold.above());
        }
        if (threshold.below() != null) {
            node.put("below", threshold.below());
        }
        return node;
    }

    private static ArrayNode scalars(List<?> values) {
        ArrayNode array = NODES.arrayNode();
        values.forEach(v -> array.add(scalar(v)));
        return array;
    }

    private static JsonNode scalar(Object value) {
        if (value instanceof String s) {
            return NODES.textNode(s);
        }
        if (value instanceof Long l) {
            return NODES.numberNode(l);
        }
        if (value instanceof Double d) {
            return NODES.numberNode(d);
        }
        if (value instanceof Boolean b) {
            return NODES.booleanNode(b);
        }
        throw new IllegalArgumentException("expected a String, Long, Double or Boolean value, found "
                + (value == null ? "null" : value.getClass().getSimpleName() + " " + value));
    }

    private static String mode(Mode mode) {
        return mode.name().toLowerCase(Locale.ROOT);
    }

    /**
     * Jackson escapes only what JSON requires, but this JSON is read back by a YAML reader, which refuses
     * DEL, C1 controls, lone surrogates and U+FFFE/U+FFFF, and reads U+0085, U+2028 and U+2029 as line breaks. So every
     * character outside YAML's printable set, and those three, is written as a JSON unicode escape, which
     * YAML reads back as that character (an escaped surrogate pair reads back as the pair).
     */
    private static final class YamlSafeEscapes extends CharacterEscapes {
        private final int[] ascii = standardAsciiEscapesForJSON();

        YamlSafeEscapes() {
            ascii[0x7F] = ESCAPE_STANDARD;
        }

        @Override
        public int[] getEscapeCodesForAscii() {
            return ascii;
        }

        /** Called for characters above ASCII; null writes the character as it is. */
        @Override
        public SerializableString getEscapeSequence(int ch) {
            // U+2028 and U+2029 too: YAML 1.1 reads them as line breaks, and a key (a trial.stop metric) must be one line.
            boolean printable = ((ch >= 0xA0 && ch <= 0xD7FF) || (ch >= 0xE000 && ch <= 0xFFFD)) && ch != 0x2028 && ch != 0x2029;
            return printable ? null : new SerializedString(String.format("\\u%04X", ch));
        }
    }
}
