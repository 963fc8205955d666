package io.tunelog.gateway;

import io.tunelog.http.Problem;
import io.vertx.ext.web.RoutingContext;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** A request's query parameters, read with a default when absent and refused, naming the parameter, when out of range. */
final class QueryParams {
    private QueryParams() {}

    static long longParam(RoutingContext ctx, String name, long min, long max, long otherwise) {
        String value = ctx.queryParams().get(name);
        if (value == null) {
            return otherwise;
        }
        try {
            long n = Long.parseLong(value.trim());
            if (n >= min && n <= max) {
                return n;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new Problem(400, name, name + " must be an integer from " + min + (max == Long.MAX_VALUE ? " up" : " to " + max)
                + ", not " + value);
    }

    /** One of {@code allowed}, in lower case. */
    static String choice(RoutingContext ctx, String name, List<String> allowed, String otherwise) {
        String value = ctx.queryParams().get(name);
        if (value == null) {
            return otherwise;
        }
        String v = value.trim().toLowerCase(Locale.ROOT);
        if (!allowed.contains(v)) {
            throw new Problem(400, name, name + " must be one of " + allowed + ", not " + value);
        }
        return v;
    }

    /** A constant of {@code type}, named in any case. */
    static <E extends Enum<E>> E enumParam(RoutingContext ctx, String name, Class<E> type, E otherwise) {
        String value = ctx.queryParams().get(name);
        if (value == null) {
            return otherwise;
        }
        for (E e : type.getEnumConstants()) {
            if (e.name().equalsIgnoreCase(value.trim())) {
                return e;
            }
        }
        List<String> names = new ArrayList<>();
        for (E e : type.getEnumConstants()) {
            names.add(e.name());
        }
        throw new Problem(400, name, name + " must be one of " + names + ", not " + value);
    }
}
