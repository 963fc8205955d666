package io.tunelog.trial;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * A {@link TrialContext} for a trainable running as a worker's child process: it reads the trial from the
 * environment ({@code TUNELOG_CONFIG} or, when that is absent, the file {@code TUNELOG_CONFIG_FILE} names,
 * {@code TUNELOG_CHECKPOINT_DIR}, {@code TUNELOG_RESTORE_FROM}, ...) and
 * writes each report as one JSON line on stdout, flushed, with {@code "checkpoint"} naming the checkpoint
 * directory relative to the checkpoint directory. So the same {@link Trainable} class runs either way.
 * Stopping a child process is the worker's TERM signal, so {@link #report} never throws {@code TrialStopped}.
 */
public final class ProcessTrialContext implements TrialContext {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Map<String, String> env;
    private final Map<String, Object> config;
    private final Path checkpointDir;
    private final PrintStream out;

    public ProcessTrialContext(Map<String, String> env, PrintStream out) {
        this.env = env;
        this.config = Collections.unmodifiableMap(readConfig(env));
        this.checkpointDir = Path.of(nonBlank("TUNELOG_CHECKPOINT_DIR").orElse(".")).toAbsolutePath().normalize();
        this.out = out;
    }

    /** Runs a trainable with this process's environment, reporting on its stdout. */
    public static void run(Trainable trainable) throws Exception {
        PrintStream stdout = new PrintStream(new FileOutputStream(FileDescriptor.out), true, StandardCharsets.UTF_8);
        trainable.train(new ProcessTrialContext(System.getenv(), stdout));
        stdout.flush();
    }

    /**
     * The configuration from {@code TUNELOG_CONFIG}, or from the file {@code TUNELOG_CONFIG_FILE} names: a worker always
     * writes the file, and leaves the variable out when the configuration is too large for the environment.
     */
    static Map<String, Object> readConfig(Map<String, String> env) {
        String json = env.get("TUNELOG_CONFIG");
        if (json != null && !json.isBlank()) {
            return parseConfig(json, "TUNELOG_CONFIG");
        }
        String file = env.get("TUNELOG_CONFIG_FILE");
        if (file == null || file.isBlank()) {
            return parseConfig("{}", "no configuration");
        }
        String source = "TUNELOG_CONFIG_FILE " + file;
        try {
            return parseConfig(Files.readString(Path.of(file), StandardCharsets.UTF_8), source);
        } catch (IOException e) {
            throw new IllegalArgumentException(source + " cannot be read: " + e, e);
        }
    }

    /** The configuration JSON object as the worker would hand it to a JVM trainable: Long, Double, String, Boolean. */
    static Map<String, Object> parseConfig(String json, String source) {
        JsonNode root;
        try {
            root = JSON.readTree(json);
        } catch (IOException e) {
            throw new IllegalArgumentException(source + " is not JSON: " + e.getMessage(), e);
        }
        if (root == null || !root.isObject()) {
            throw new IllegalArgumentException(source + " is not a JSON object");
        }
        Map<String, Object> config = new TreeMap<>();
        for (Map.Entry<String, JsonNode> field : root.properties()) {
            JsonNode v = field.getValue();
            Object value = v.isIntegralNumber() && v.canConvertToLong() ? (Object) v.asLong()
                    : v.isNumber() ? (Object) v.asDouble()
                    : v.isBoolean() ? (Object) v.asBoolean()
                    : v.isTextual() ? v.asText()
                    : v.isNull() ? null
                    : v.toString();
            if (value != null) {
                config.put(field.getKey(), value);
            }
        }
        return config;
    }

    private Optional<String> nonBlank(String name) {
        return Optional.ofNullable(env.get(name)).filter(v -> !v.isBlank());
    }

    @Override public String experimentId() { return nonBlank("TUNELOG_EXPERIMENT_ID").orElse(""); }
    @Override public String trialId() { return nonBlank("TUNELOG_TRIAL_ID").orElse(""); }
    @Override public int attempt() { return nonBlank("TUNELOG_ATTEMPT").map(Integer::parseInt).orElse(1); }
    @Override public Map<String, Object> config() { return config; }
    @Override public Path checkpointDir() { return checkpointDir; }
    @Override public Optional<Path> restoreFrom() { return nonBlank("TUNELOG_RESTORE_FROM").map(Path::of); }

    @Override
    public void report(long step, Map<String, Double> metrics) {
        report(step, metrics, null);
    }

    @Override
    public void report(long step, Map<String, Double> metrics, Path checkpoint) {
        ObjectNode line = JSON.createObjectNode();
        line.put("step", step);
        new TreeMap<>(metrics).forEach(line::put);
        if (checkpoint != null) {
            Path dir = checkpoint.toAbsolutePath().normalize();
            if (!dir.startsWith(checkpointDir) || dir.equals(checkpointDir)) {
                throw new IllegalArgumentException("checkpoint " + checkpoint + " is not inside " + checkpointDir);
            }
            line.put("checkpoint", checkpointDir.relativize(dir).toString());
        }
        try {
            out.println(JSON.writeValueAsString(line));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        out.flush();
    }
}
