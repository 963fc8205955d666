package io.tunelog.cli;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Prometheus's text exposition format (version 0.0.4) read strictly, as a scraper would: a line that is not a
 * comment, a {@code # HELP}, a {@code # TYPE} or a well-formed sample fails the parse, and so does a sample that no
 * earlier {@code # TYPE} line declares, a family typed twice, or a histogram bucket without {@code le}. Neither
 * Micrometer nor Prometheus's Java client reads this format, so the test reads it here.
 */
record Exposition(Map<String, String> families, List<Sample> samples) {
    private static final String NAME = "[a-zA-Z_:][a-zA-Z0-9_:]*";
    private static final Pattern TYPE = Pattern.compile("# TYPE (" + NAME + ") (counter|gauge|histogram|summary|untyped)");
    private static final Pattern HELP = Pattern.compile("# HELP (" + NAME + ")( .*)?");
    private static final Pattern SAMPLE_NAME = Pattern.compile(NAME);
    private static final Pattern LABEL_NAME = Pattern.compile("[a-zA-Z_][a-zA-Z0-9_]*");
    private static final Pattern VALUE = Pattern.compile(" ([-+]?(?:[0-9]*\\.?[0-9]+(?:[eE][-+]?[0-9]+)?|Inf|NaN))( -?[0-9]+)?");
    private static final Map<String, Set<String>> SUFFIXES = Map.of("histogram", Set.of("_bucket", "_count", "_sum"),
            "summary", Set.of("", "_count", "_sum"));

    record Sample(String name, Map<String, String> labels, double value) {}

    static Exposition parse(String text) {
        Map<String, String> families = new LinkedHashMap<>();
        List<Sample> samples = new ArrayList<>();
        Exposition parsed = new Exposition(families, samples);
        String[] lines = text.split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i];
            String where = "line " + (i + 1) + " '" + line + "': ";
            if (line.isEmpty()) {
                continue;
            }
            Matcher type = TYPE.matcher(line);
            if (type.matches()) {
                if (families.put(type.group(1), type.group(2)) != null) {
                    throw new IllegalArgumentException(where + "family typed twice");
                }
            } else if (line.startsWith("# HELP") && !HELP.matcher(line).matches()) {
                throw new IllegalArgumentException(where + "malformed HELP");
            } else if (!line.startsWith("#")) {
                Sample sample;
                try {
                    sample = sample(line, where);
                } catch (IndexOutOfBoundsException e) {
                    throw new IllegalArgumentException(where + "ends inside its labels");
                }
                String family = parsed.familyOf(sample.name());
                if (family == null) {
                    throw new IllegalArgumentException(where + "no # TYPE declares it");
                }
                if (sample.name().endsWith("_bucket") && families.get(family).equals("histogram") && !sample.labels().containsKey("le")) {
                    throw new IllegalArgumentException(where + "histogram bucket without le");
                }
                samples.add(sample);
            }
        }
        return parsed;
    }

    /** The declared family a sample name belongs to (itself, or a histogram's or summary's with its suffix), or null. */
    String familyOf(String sampleName) {
        if (families.containsKey(sampleName) && !families.get(sampleName).equals("histogram")) {
            return sampleName;
        }
        for (Map.Entry<String, String> f : families.entrySet()) {
            for (String suffix : SUFFIXES.getOrDefault(f.getValue(), Set.of())) {
                if (sampleName.equals(f.getKey() + suffix)) {
                    return f.getKey();
                }
            }
        }
        return null;
    }

    /** The value of the sample of this name whose labels include these, or -1 when there is none. */
    double find(String name, Map<String, String> labels) {
        return samples.stream().filter(s -> s.name().equals(name) && s.labels().entrySet().containsAll(labels.entrySet()))
                .mapToDouble(Sample::value).findFirst().orElse(-1);
    }

    /** {@link #find} for one service's sample, with one more label if given as name, value. */
    double value(String name, String service, String... label) {
        Map<String, String> labels = new LinkedHashMap<>(Map.of("service", service));
        if (label.length == 2) {
            labels.put(label[0], label[1]);
        }
        return find(name, labels);
    }

    private static Sample sample(String line, String where) {
        Matcher name = SAMPLE_NAME.matcher(line);
        if (!name.lookingAt()) {
            throw new IllegalArgumentException(where + "no metric name");
        }
        int at = name.end();
        Map<String, String> labels = new LinkedHashMap<>();
        if (at < line.length() && line.charAt(at) == '{') {
            at++;
            while (line.charAt(at) != '}') {
                Matcher label = LABEL_NAME.matcher(line).region(at, line.length());
                if (!label.lookingAt() || line.charAt(label.end()) != '=' || line.charAt(label.end() + 1) != '"') {
                    throw new IllegalArgumentException(where + "malformed label at column " + at);
                }
                StringBuilder value = new StringBuilder();
                at = label.end() + 2;
                for (char c = line.charAt(at); c != '"'; c = line.charAt(++at)) {
                    if (c == '\\') {
                        char escaped = line.charAt(++at);
                        value.append(switch (escaped) {
                            case '\\', '"' -> escaped;
                            case 'n' -> '\n';
                            default -> throw new IllegalArgumentException(where + "bad escape \\" + escaped);
                        });
                    } else {
                        value.append(c);
                    }
                }
                if (labels.put(label.group(), value.toString()) != null) {
                    throw new IllegalArgumentException(where + "label " + label.group() + " twice");
                }
                at++;
                if (line.charAt(at) == ',') {
                    at++;
                }
            }
            at++;
        }
        Matcher value = VALUE.matcher(line).region(at, line.length());
        if (!value.matches()) {
            throw new IllegalArgumentException(where + "malformed value");
        }
        return new Sample(name.group(), labels, Double.parseDouble(value.group(1).replace("Inf", "Infinity")));
    }
}
