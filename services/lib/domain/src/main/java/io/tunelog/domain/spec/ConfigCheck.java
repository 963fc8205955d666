package io.tunelog.domain.spec;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Whether a configuration given by a user (a {@code searcher.initial} entry, an enqueued trial) or copied from an earlier
 * experiment (a warm start) is a point of a search space: every active parameter given with a value its domain holds,
 * no inactive or unknown one. Values are made what a searcher would have made them (a real parameter's {@code 1} is
 * {@code 1.0}), so the trial's config is the same whether a searcher or a user chose it.
 */
public final class ConfigCheck {

    private ConfigCheck() {}

    /**
     * A configuration written as a JSON object of scalars (an enqueued trial from the CLI or the API): integers as Long,
     * other numbers as Double, as a spec's values are read.
     *
     * @throws SpecException naming {@code path} when it is not an object, or {@code path.param} for a value that is not a scalar
     */
    public static Map<String, Object> fromJson(com.fasterxml.jackson.databind.JsonNode node, String path) {
        Field f = new Field(node, path);
        SpecChecks.mapping(f);
        Map<String, Object> config = new LinkedHashMap<>();
        for (String param : SpecChecks.keys(f)) {
            config.put(param, SpecChecks.scalar(f.get(param)));
        }
        return config;
    }

    /**
     * The configuration in the space's order, its values normalised.
     *
     * @param path the field that holds the configuration, e.g. {@code searcher.initial[2]}; errors name
     *     {@code path.param}
     * @throws SpecException naming the first parameter that is missing, unknown, inactive or out of its domain
     */
    public static Map<String, Object> check(SearchSpace space, Map<String, Object> config, String path) {
        for (String name : config.keySet()) {
            if (!space.params().containsKey(name)) {
                throw new SpecException(path + "." + name, "expected a parameter of the search space, one of "
                        + space.params().keySet() + ", found unknown parameter " + SpecChecks.quote(name));
            }
        }
        Map<String, Object> checked = new LinkedHashMap<>();
        space.params().forEach((name, domain) -> {
            boolean active = space.isActive(name, checked);
            Object value = config.get(name);
            String field = path + "." + name;
            if (active && value == null) {
                throw new SpecException(field, "is required (every active parameter needs a value), found nothing");
            }
            if (!active && config.containsKey(name)) {
                SearchSpace.Condition when = space.conditions().get(name);
                throw new SpecException(field, "expected no value: the parameter is active only when " + when.parent()
                        + " is one of " + when.values() + ", found " + describe(value));
            }
            if (active) {
                checked.put(name, value(domain, value, field));
            }
        });
        return checked;
    }

    private static Object value(ParamDomain domain, Object value, String field) {
        if (domain instanceof ParamDomain.Uniform u) {
            double v = real(value, field);
            if (v < u.low() || v > u.high()) {
                throw new SpecException(field, "expected a number in [" + u.low() + ", " + u.high() + "], found " + describe(value));
            }
            return v;
        }
        if (domain instanceof ParamDomain.Normal) {
            return real(value, field);
        }
        if (domain instanceof ParamDomain.IntRange r) {
            if (!(value instanceof Long v)) {
                throw new SpecException(field, "expected an integer, found " + describe(value));
            }
            if (v < r.low() || v > r.max() || (r.q() > 0 && (v - r.low()) % r.q() != 0)) {
                throw new SpecException(field, "expected an integer the " + r.type() + " domain holds ("
                        + (r.q() > 0 ? "a multiple of " + r.q() + " from " + r.low() + " to " + r.max() : "from " + r.low() + " to " + r.max())
                        + "), found " + v);
            }
            return v;
        }
        List<Object> values = domain instanceof ParamDomain.Choice c ? c.values() : ((ParamDomain.Grid) domain).values();
        for (Object candidate : values) {
            if (same(candidate, value)) {
                return candidate;
            }
        }
        throw new SpecException(field, "expected one of " + values + ", found " + describe(value));
    }

    private static double real(Object value, String field) {
        if (!(value instanceof Long || value instanceof Double) || !Double.isFinite(((Number) value).doubleValue())) {
            throw new SpecException(field, "expected a finite number, found " + describe(value));
        }
        return ((Number) value).doubleValue();
    }

    /** A choice of 1.0 is chosen by 1 too: YAML and JSON writers differ on how they write whole numbers. */
    private static boolean same(Object candidate, Object value) {
        if (candidate instanceof Number a && value instanceof Number b && !(candidate instanceof Boolean)) {
            return a.doubleValue() == b.doubleValue();
        }
        return candidate.equals(value);
    }

    private static String describe(Object value) {
        return value instanceof String s ? SpecChecks.quote(s) : String.valueOf(value);
    }
}
