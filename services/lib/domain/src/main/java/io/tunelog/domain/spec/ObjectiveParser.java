package io.tunelog.domain.spec;

import static io.tunelog.domain.spec.SpecChecks.*;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Reads what an experiment optimises: {@code metric}, one objective as a mapping or several as a list of mappings, and
 * {@code constraints}, bounds on reported metrics that a feasible trial keeps. Each problem names its field, as
 * {@link SpecParser} does.
 */
final class ObjectiveParser {
    private ObjectiveParser() {}

    /** {@code metric: {name: acc, mode: max}} or {@code metric: [{name: val_loss, mode: min}, {name: params_m, mode: min}]}. */
    static List<Metric> objectives(Field f) {
        if (f.node().isObject()) {
            return List.of(metric(f));
        }
        if (!f.node().isArray()) {
            throw f.error("expected {name: ..., mode: min|max} or a list of them, found " + describe(f.node()));
        }
        if (f.node().isEmpty()) {
            throw f.error("expected at least one objective, found an empty list");
        }
        List<Metric> objectives = new ArrayList<>();
        Map<String, Integer> firstIndex = new HashMap<>();
        for (int i = 0; i < f.node().size(); i++) {
            Field item = f.get(i);
            mapping(item);
            Metric metric = metric(item);
            Integer earlier = firstIndex.putIfAbsent(metric.name(), i);
            if (earlier != null) {
                throw item.get("name").error("expected distinct objective names, found " + quote(metric.name())
                        + " again (first at [" + earlier + "])");
            }
            objectives.add(metric);
        }
        return objectives;
    }

    /** {@code constraints: [{name: mem_gb, below: 16}, {name: acc, above: 0.5}]}: a list, each with exactly one bound. */
    static List<Constraint> constraints(Field f) {
        if (!f.node().isArray()) {
            throw f.error("expected a list of {name: ..., below: x} or {name: ..., above: x}, found " + describe(f.node()));
        }
        List<Constraint> constraints = new ArrayList<>();
        for (int i = 0; i < f.node().size(); i++) {
            Field item = f.get(i);
            fields(item, SpecKeys.CONSTRAINT);
            String name = requiredText(item.get("name"));
            Double above = optional(item.get("above"), SpecChecks::finite, null);
            Double below = optional(item.get("below"), SpecChecks::finite, null);
            if ((above == null) == (below == null)) {
                throw item.error("expected exactly one of above or below, found " + (above == null ? "neither" : "both"));
            }
            constraints.add(new Constraint(name, new Threshold(above, below)));
        }
        return constraints;
    }

    static Metric metric(Field f) {
        fields(f, SpecKeys.OBJECTIVE);
        return new Metric(requiredText(f.get("name")), mode(required(f.get("mode"))));
    }

    static Mode mode(Field f) {
        String mode = f.node().isTextual() ? f.node().asText().toLowerCase(Locale.ROOT) : "";
        return switch (mode) {
            case "min" -> Mode.MIN;
            case "max" -> Mode.MAX;
            default -> throw f.error("expected min or max, found " + describe(f.node()));
        };
    }
}
