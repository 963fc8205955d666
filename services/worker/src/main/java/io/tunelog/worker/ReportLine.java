package io.tunelog.worker;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.Iterator;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * One line of a trial's stdout under the report protocol: a JSON object with an integer {@code step},
 * numeric metrics, and optionally {@code "checkpoint": "<directory>"}. Anything else on stdout is the
 * trial's own output and passes through to its log.
 */
public record ReportLine(long step, Map<String, Double> metrics, String checkpoint) {
    // NaN and Infinity parse, so that they can be refused by name instead of passing as plain output.
    private static final ObjectMapper JSON = com.fasterxml.jackson.databind.json.JsonMapper.builder()
            .enable(com.fasterxml.jackson.core.json.JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS).build();
    /**
     * Longer lines are refused rather than parsed: a report is a handful of numbers. The worker holds at most
     * this many bytes of any stdout line ({@link StdoutReader}), so a longer one never reaches {@link #parse}.
     */
    public static final int MAX_LENGTH = 64 * 1024;

    /** The outcome of reading a line: a report, plain output, or a report-shaped line that is wrong. */
    public sealed interface Parsed {}

    public record Report(ReportLine line) implements Parsed {}

    public record Output(String text) implements Parsed {}

    public record Invalid(String reason) implements Parsed {}

    public static Parsed parse(String text) {
        String trimmed = text.strip();
        if (!trimmed.startsWith("{")) {
            return new Output(text);
        }
        if (trimmed.length() > MAX_LENGTH) {
            return new Invalid("report line of " + trimmed.length() + " characters exceeds " + MAX_LENGTH);
        }
        JsonNode node;
        try {
            node = JSON.readTree(trimmed);
        } catch (Exception e) {
            return new Invalid("report line is not JSON: " + abbreviate(trimmed));
        }
        if (node == null || !node.isObject()) {
            return new Output(text);
        }
        JsonNode step = node.get("step");
        if (step == null || !step.canConvertToExactIntegral() || step.asLong() < 0) {
            return new Invalid("report needs a non-negative integer \"step\": " + abbreviate(trimmed));
        }
        Map<String, Double> metrics = new TreeMap<>();
        String checkpoint = null;
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
            var field = it.next();
            String name = field.getKey();
            JsonNode value = field.getValue();
            if (name.equals("step")) {
                continue;
            }
            if (name.equals("checkpoint")) {
                if (!value.isTextual() || value.asText().isBlank()) {
                    return new Invalid("\"checkpoint\" must name a directory: " + abbreviate(trimmed));
                }
                checkpoint = value.asText();
            } else if (value.isNumber()) {
                metrics.put(name, value.asDouble());
            } else if (value.isTextual() && isNonFinite(value.asText())) {
                return new Invalid("metric " + name + " is " + value.asText() + ", not a finite number");
            } else {
                return new Invalid("metric " + name + " is not a number: " + abbreviate(value.toString()));
            }
        }
        Optional<Map.Entry<String, Double>> nonFinite = metrics.entrySet().stream().filter(e -> !Double.isFinite(e.getValue())).findFirst();
        if (nonFinite.isPresent()) {
            return new Invalid("metric " + nonFinite.get().getKey() + " is not finite");
        }
        return new Report(new ReportLine(step.asLong(), metrics, checkpoint));
    }

    private static boolean isNonFinite(String s) {
        return s.equalsIgnoreCase("nan") || s.equalsIgnoreCase("inf") || s.equalsIgnoreCase("-inf")
                || s.equalsIgnoreCase("infinity") || s.equalsIgnoreCase("-infinity");
    }

    private static String abbreviate(String s) {
        return s.length() <= 120 ? s : s.substring(0, 117) + "...";
    }
}
