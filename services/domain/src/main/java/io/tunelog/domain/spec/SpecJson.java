package io.tunelog.domain.spec;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Map;

/**
 * The canonical JSON of a spec, as the log stores it: every default written out, fields in a fixed
 * order. Storing it resolved means a later change of defaults cannot change an old experiment.
 */
public final class SpecJson {
    private static final ObjectMapper JSON = new ObjectMapper();

    private SpecJson() {}

    public static String toJson(ExperimentSpec spec) {
        ObjectNode root = JSON.createObjectNode();
        root.put("name", spec.name());
        ObjectNode metric = root.putObject("metric");
        metric.put("name", spec.metric().name());
        metric.put("mode", spec.metric().mode().name().toLowerCase(java.util.Locale.ROOT));
        root.put("seed", spec.seed());
        ObjectNode budget = root.putObject("budget");
        budget.put("trials", spec.budget().trials());
        budget.put("concurrent", spec.budget().concurrent());
        ObjectNode space = root.putObject("searchSpace");
        spec.searchSpace().params().forEach((name, domain) -> space.set(name, domain(domain)));
        root.set("searcher", typed(spec.searcher().type(), spec.searcher().options()));
        root.set("scheduler", typed(spec.scheduler().type(), spec.scheduler().options()));
        ObjectNode trial = root.putObject("trial");
        if (spec.trial().trainable() != null) {
            trial.put("trainable", spec.trial().trainable());
        } else {
            ArrayNode command = trial.putArray("command");
            spec.trial().command().forEach(command::add);
        }
        trial.put("maxFailures", spec.trial().maxFailures());
        ObjectNode checkpoint = trial.putObject("checkpoint");
        checkpoint.put("keep", spec.trial().checkpoint().keep());
        if (spec.trial().checkpoint().scoreAttribute() != null) {
            checkpoint.put("scoreAttribute", spec.trial().checkpoint().scoreAttribute());
        }
        checkpoint.put("scoreMode", spec.trial().checkpoint().scoreMode().name().toLowerCase(java.util.Locale.ROOT));
        try {
            return JSON.writeValueAsString(root);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write spec " + spec.name(), e);
        }
    }

    private static ObjectNode domain(ParamDomain domain) {
        ObjectNode node = JSON.createObjectNode();
        ArrayNode args = node.putArray(domain.type());
        if (domain instanceof ParamDomain.Uniform u) {
            args.add(u.low()).add(u.high());
        } else if (domain instanceof ParamDomain.LogUniform l) {
            args.add(l.low()).add(l.high());
        } else if (domain instanceof ParamDomain.RandInt r) {
            args.add(r.low()).add(r.high());
        } else if (domain instanceof ParamDomain.Choice c) {
            addAll(args, c.values());
        } else if (domain instanceof ParamDomain.Grid g) {
            addAll(args, g.values());
        }
        return node;
    }

    private static ObjectNode typed(String type, Map<String, Object> options) {
        ObjectNode node = JSON.createObjectNode();
        node.put("type", type);
        options.entrySet().stream().sorted(Map.Entry.comparingByKey())
                .forEach(e -> node.set(e.getKey(), JSON.valueToTree(e.getValue())));
        return node;
    }

    private static void addAll(ArrayNode array, List<Object> values) {
        values.forEach(v -> array.add(JSON.valueToTree(v)));
    }
}
