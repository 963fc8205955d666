package io.tunelog.gateway;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import io.tunelog.http.Problem;
import io.tunelog.results.Json;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The JSON bodies a client sends on a lease, read into what the gate's commands carry. Pure; a bad body is a 400 naming
 * the field at fault, in one line.
 */
final class WorkRequests {
    /** A body is a report, a checkpoint reference or an outcome: small. */
    static final int MAX_BODY_BYTES = 64 * 1024;

    private WorkRequests() {}

    record Report(long step, Map<String, Double> metrics) {}

    /** A checkpoint the client stored itself, named {@code name} within its attempt, at {@code uri}. */
    record CheckpointRef(String name, long step, String uri, long sizeBytes, Map<String, Double> metrics) {}

    record Completion(Map<String, Double> metrics) {}

    record Failure(String error, boolean retryable) {}

    static Report report(String body) {
        JsonNode node = object(body, Set.of("step", "metrics"));
        return new Report(step(node), metrics(node.get("metrics"), "metrics"));
    }

    static CheckpointRef checkpoint(String body) {
        JsonNode node = object(body, Set.of("name", "step", "uri", "sizeBytes", "metrics"));
        String name = text(node, "name");
        for (String segment : name.split("/", -1)) {
            if (segment.isEmpty() || segment.equals(".") || segment.equals("..")) {
                throw new Problem(400, "name", "a checkpoint's name is a path within its attempt without empty, '.' or '..' "
                        + "segments, such as step-10, not " + name);
            }
        }
        String uri = text(node, "uri");
        try {
            if (new URI(uri).getScheme() == null) {
                throw new Problem(400, "uri", "expected an absolute URI such as file:///data/... or s3://bucket/..., found " + uri);
            }
        } catch (URISyntaxException e) {
            throw new Problem(400, "uri", "not a URI: " + e.getMessage());
        }
        JsonNode size = node.get("sizeBytes");
        long sizeBytes = size == null || size.isNull() ? 0 : nonNegative(size, "sizeBytes");
        return new CheckpointRef(name, step(node), uri, sizeBytes, metrics(node.get("metrics"), "metrics"));
    }

    static Completion completion(String body) {
        if (body.isBlank()) {
            return new Completion(Map.of());
        }
        JsonNode node = object(body, Set.of("metrics"));
        return new Completion(metrics(node.get("metrics"), "metrics"));
    }

    static Failure failure(String body) {
        JsonNode node = object(body, Set.of("error", "retryable"));
        String error = text(node, "error");
        JsonNode retryable = node.get("retryable");
        if (retryable != null && !retryable.isNull() && !retryable.isBoolean()) {
            throw new Problem(400, "retryable", "expected true or false, found " + kind(retryable));
        }
        return new Failure(error, retryable == null || retryable.isNull() || retryable.asBoolean());
    }

    /** An optional whole number of seconds from a query parameter, within bounds. */
    static int seconds(String value, String name, int fallback, int min, int max) {
        if (value == null || value.isEmpty()) {
            return fallback;
        }
        try {
            int seconds = Integer.parseInt(value);
            if (seconds >= min && seconds <= max) {
                return seconds;
            }
        } catch (NumberFormatException e) {
            // told below
        }
        throw new Problem(400, name, "expected a whole number of seconds from " + min + " to " + max + ", found " + value);
    }

    private static JsonNode object(String body, Set<String> fields) {
        JsonNode node;
        try {
            node = Json.MAPPER.readTree(body);
        } catch (JsonProcessingException e) {
            throw new Problem(400, "body", "not JSON: " + e.getOriginalMessage().replaceAll("\\s+", " "));
        }
        if (node == null || !node.isObject()) {
            throw new Problem(400, "body", "expected a JSON object with " + String.join(", ", new TreeSet<>(fields)));
        }
        for (Iterator<String> names = node.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!fields.contains(name)) {
                throw new Problem(400, name, "unknown field; expected " + String.join(", ", new TreeSet<>(fields)));
            }
        }
        return node;
    }

    private static long step(JsonNode node) {
        JsonNode step = node.get("step");
        if (step == null || step.isNull()) {
            throw new Problem(400, "step", "missing: every report and checkpoint names its step, a whole number");
        }
        return nonNegative(step, "step");
    }

    private static long nonNegative(JsonNode value, String field) {
        if (!value.isIntegralNumber() || !value.canConvertToLong() || value.asLong() < 0) {
            throw new Problem(400, field, "expected a whole number from 0, found " + kind(value));
        }
        return value.asLong();
    }

    private static String text(JsonNode node, String field) {
        JsonNode value = node.get(field);
        if (value == null || value.isNull()) {
            throw new Problem(400, field, "missing");
        }
        if (!value.isTextual() || value.asText().isBlank()) {
            throw new Problem(400, field, "expected a non-empty string, found " + kind(value));
        }
        return value.asText();
    }

    /** Metrics by name, each a finite number; absent is none. */
    private static Map<String, Double> metrics(JsonNode node, String field) {
        Map<String, Double> metrics = new LinkedHashMap<>();
        if (node == null || node.isNull()) {
            return metrics;
        }
        if (!node.isObject()) {
            throw new Problem(400, field, "expected an object of numbers such as {\"loss\": 0.25}, found " + kind(node));
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (!e.getValue().isNumber() || !Double.isFinite(e.getValue().asDouble())) {
                throw new Problem(400, field + "." + e.getKey(), "expected a finite number, found " + kind(e.getValue()));
            }
            metrics.put(e.getKey(), e.getValue().asDouble());
        }
        return metrics;
    }

    private static String kind(JsonNode value) {
        return value.isValueNode() && !value.isNull() ? value.getNodeType().name().toLowerCase(Locale.ROOT) + " " + value
                : value.getNodeType().name().toLowerCase(Locale.ROOT);
    }
}
