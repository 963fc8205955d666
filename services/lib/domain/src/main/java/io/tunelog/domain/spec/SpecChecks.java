package io.tunelog.domain.spec;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/** The small checks of a spec's fields, each naming the field it checks in its {@link SpecException}; shared by the parsers. */
final class SpecChecks {
    static final int MAX_SHOWN = 60;

    private SpecChecks() {}

    static Field required(Field f) {
        if (!f.isSet()) {
            throw f.error("is required, found " + describe(f.node()));
        }
        return f;
    }

    /** The field read by {@code read}, or {@code fallback} when it is absent or null. */
    static <T> T optional(Field f, Function<Field, T> read, T fallback) {
        return f.isSet() ? read.apply(f) : fallback;
    }

    static String requiredText(Field f) {
        required(f);
        if (!f.node().isTextual() || f.node().asText().isBlank()) {
            throw f.error("expected a non-empty string, found " + describe(f.node()));
        }
        return f.node().asText();
    }

    static void mapping(Field f) {
        if (f.node() == null || !f.node().isObject()) {
            throw f.error("expected a mapping, found " + describe(f.node()));
        }
    }

    /** A mapping whose keys are all among {@code allowed}: a misspelt optional key must not pass as absent. */
    static void fields(Field f, List<String> known) {
        mapping(f);
        for (String key : keys(f)) {
            if (!known.contains(key)) {
                throw f.get(key).error("expected a known field, one of " + known + ", found unknown field " + quote(key));
            }
        }
    }

    static List<String> keys(Field f) {
        List<String> keys = new ArrayList<>();
        f.node().properties().forEach(e -> keys.add(e.getKey()));
        return keys;
    }

    static void tuple(Field f, int size, String expected) {
        if (f.node() == null || !f.node().isArray() || f.node().size() != size) {
            throw f.error("expected " + expected + ", found " + describe(f.node()));
        }
    }

    /** An integer as written: 2.0 is refused, since a count or integer bound written as a float is likely a mistake. */
    static long integer(Field f) {
        JsonNode node = f.node();
        if (node == null || !node.isIntegralNumber()) {
            throw f.error("expected an integer, found " + describe(node));
        }
        if (!node.canConvertToLong()) {
            throw f.error("expected an integer within 64 bits, found " + describe(node));
        }
        return node.asLong();
    }

    static int positiveInt(Field f) {
        return intAtLeast(f, 1);
    }

    static int nonNegativeInt(Field f) {
        return intAtLeast(f, 0);
    }

    static int intAtLeast(Field f, int min) {
        long value = integer(f);
        if (value < min) {
            throw f.error("expected an integer >= " + min + ", found " + value);
        }
        if (value > Integer.MAX_VALUE) {
            throw f.error("expected an integer <= " + Integer.MAX_VALUE + ", found " + value);
        }
        return (int) value;
    }

    /** A finite number; booleans are not numbers, and neither are numeric-looking strings such as "1". */
    static double finite(Field f) {
        JsonNode node = f.node();
        if (node == null || !node.isNumber()) {
            throw f.error("expected a number, found " + describe(node));
        }
        double value = node.asDouble();
        if (!Double.isFinite(value)) {
            throw f.error("expected a finite number, found " + describe(node));
        }
        return value;
    }

    static boolean bool(Field f) {
        JsonNode node = f.node();
        if (node == null || !node.isBoolean()) {
            throw f.error("expected true or false, found " + describe(node));
        }
        return node.asBoolean();
    }

    /** A config value: String, Long (integers), Double (other numbers) or Boolean, as {@link ParamDomain} promises. */
    static Object scalar(Field f) {
        JsonNode node = f.node();
        if (node != null && node.isTextual()) {
            return node.asText();
        }
        if (node != null && node.isBoolean()) {
            return node.asBoolean();
        }
        if (node != null && node.isIntegralNumber()) {
            return integer(f);
        }
        if (node != null && node.isNumber()) {
            return finite(f);
        }
        throw f.error("expected a string, number or boolean, found " + describe(node));
    }

    // ---- describing what was found, always on one line ----

    static String describe(JsonNode node) {
        if (node == null || node.isMissingNode()) {
            return "nothing";
        }
        if (node.isTextual()) {
            return quote(node.asText());
        }
        if (node.isArray()) {
            return node.isEmpty() ? "an empty list" : "a list " + abbreviate(oneLine(node.toString()));
        }
        if (node.isObject()) {
            return node.isEmpty() ? "an empty mapping" : "a mapping " + abbreviate(oneLine(node.toString()));
        }
        return node.toString();
    }

    static String quote(String text) {
        return "\"" + abbreviate(oneLine(text)) + "\"";
    }

    static String abbreviate(String text) {
        return text.length() <= MAX_SHOWN ? text : text.substring(0, MAX_SHOWN - 3) + "...";
    }

    /** Escapes line breaks and other control characters, so a message never spans lines. */
    static String oneLine(String text) {
        StringBuilder out = new StringBuilder(text.length());
        text.chars().forEach(c -> {
            switch (c) {
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> {
                    if (Character.isISOControl(c) || c == '\u2028' || c == '\u2029') {
                        out.append(String.format("\\u%04x", c));
                    } else {
                        out.append((char) c);
                    }
                }
            }
        });
        return out.toString();
    }
}
