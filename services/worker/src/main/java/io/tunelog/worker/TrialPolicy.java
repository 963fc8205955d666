package io.tunelog.worker;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * What a worker agrees to run, and what of its own environment a trial process gets.
 *
 * <p>An assignment comes from whoever could submit a spec, so the worker treats it as untrusted: a trial process
 * starts with an environment built from an allow-list, never a copy of the worker's own, which holds its Kafka
 * settings and whatever credentials it was started with. The command and trainable allow-lists are optional; with
 * neither, a worker runs whatever it is assigned.
 */
public final class TrialPolicy {
    /**
     * What a trial gets from the worker's environment unless told otherwise: where programs and libraries are, who and
     * where it runs, locale and time zone, the interpreter's environment, which devices and how many threads it may use,
     * and its Slurm job. Nothing here is a credential.
     */
    public static final List<String> DEFAULT_TRIAL_ENV = List.of(
            "PATH", "HOME", "USER", "LOGNAME", "SHELL", "LANG", "LANGUAGE", "LC_*", "TZ", "TMPDIR",
            "PYTHONPATH", "PYTHONHASHSEED", "VIRTUAL_ENV", "CONDA_PREFIX", "CONDA_DEFAULT_ENV", "LD_LIBRARY_PATH",
            "CUDA_VISIBLE_DEVICES", "NVIDIA_VISIBLE_DEVICES", "HIP_VISIBLE_DEVICES", "ROCR_VISIBLE_DEVICES",
            "OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS", "SLURM_*");
    /**
     * Never passed, even when named: the worker's Kafka settings (its credentials, for a SASL or TLS cluster) and its own
     * {@code TUNELOG_*} settings ({@code TUNELOG_CLIENT_CONFIG} names the file that holds them). The worker sets the
     * trial's own {@code TUNELOG_*} variables itself.
     */
    public static final List<String> NEVER_PASSED = List.of("KAFKA_*", "TUNELOG_*");

    private static final Pattern NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");
    private static final Pattern CLASS_NAME = Pattern.compile("[\\p{L}_$][\\p{L}\\p{N}_$]*(\\.[\\p{L}_$][\\p{L}\\p{N}_$]*)*");

    private final List<String> trialEnv;
    private final Set<String> allowedCommands;
    private final Set<String> allowedTrainables;

    /**
     * @param extraTrialEnv     names (or prefixes ending in {@code *}, like {@code HF_*}) a trial gets beyond {@link #DEFAULT_TRIAL_ENV}
     * @param allowedCommands   the programs (a command's first element, compared as written) this worker runs; empty: any
     * @param allowedTrainables the JVM trainable classes this worker runs; empty: any, when {@code allowedCommands} is empty too
     * @throws IllegalArgumentException naming the worker option of an entry that is not valid
     */
    public TrialPolicy(List<String> extraTrialEnv, List<String> allowedCommands, List<String> allowedTrainables) {
        List<String> env = new ArrayList<>(DEFAULT_TRIAL_ENV);
        for (String pattern : extraTrialEnv) {
            patternProblem(pattern).ifPresent(p -> {
                throw new IllegalArgumentException("--trial-env " + pattern + ": " + p);
            });
            env.add(pattern);
        }
        for (String command : allowedCommands) {
            if (command == null || command.isBlank()) {
                throw new IllegalArgumentException("--allow-command must name a program, got '" + command + "'");
            }
        }
        for (String trainable : allowedTrainables) {
            if (trainable == null || !CLASS_NAME.matcher(trainable).matches()) {
                throw new IllegalArgumentException("--allow-trainable " + trainable + ": not a Java class name (like com.example.MyTrainable)");
            }
        }
        this.trialEnv = List.copyOf(new LinkedHashSet<>(env));
        this.allowedCommands = Set.copyOf(allowedCommands);
        this.allowedTrainables = Set.copyOf(allowedTrainables);
    }

    /** The default environment allow-list, and no command or trainable allow-list: the worker runs anything it is assigned. */
    public static TrialPolicy open() {
        return new TrialPolicy(List.of(), List.of(), List.of());
    }

    /** What is wrong with a {@code --trial-env} entry, or empty when it is a name or a prefix ending in {@code *}. */
    static Optional<String> patternProblem(String pattern) {
        if (pattern == null || pattern.isEmpty()) {
            return Optional.of("empty; give a variable name or a prefix ending in * (like HF_*)");
        }
        boolean prefix = pattern.endsWith("*");
        String name = prefix ? pattern.substring(0, pattern.length() - 1) : pattern;
        if (!NAME.matcher(name).matches()) {
            return Optional.of(prefix && name.isEmpty()
                    ? "a bare * would pass the worker's whole environment; name the variables or their prefix (like HF_*)"
                    : "not a variable name or a prefix ending in * (like HF_*)");
        }
        // A prefix that lies within a never-passed one would pass nothing: say so rather than accept it silently.
        for (String never : NEVER_PASSED) {
            String neverPrefix = never.substring(0, never.length() - 1);
            if (name.startsWith(neverPrefix)) {
                return Optional.of("the worker never passes " + never + " variables to a trial (its own Kafka and Tunelog settings)");
            }
        }
        return Optional.empty();
    }

    /** The environment allow-list: the defaults, then any {@code --trial-env} entries. */
    public List<String> trialEnv() {
        return trialEnv;
    }

    public Set<String> allowedCommands() {
        return allowedCommands;
    }

    public Set<String> allowedTrainables() {
        return allowedTrainables;
    }

    /** Whether a trial may see the worker's variable of this name. */
    public boolean passes(String name) {
        return !matchesAny(NEVER_PASSED, name) && matchesAny(trialEnv, name);
    }

    /** The part of the worker's environment a trial process starts with (the worker then adds the trial's TUNELOG_* variables). */
    public Map<String, String> trialEnvironment(Map<String, String> workerEnv) {
        Map<String, String> env = new TreeMap<>();
        workerEnv.forEach((name, value) -> {
            if (passes(name)) {
                env.put(name, value);
            }
        });
        return env;
    }

    private static boolean matchesAny(List<String> patterns, String name) {
        for (String p : patterns) {
            if (p.endsWith("*") ? name.startsWith(p.substring(0, p.length() - 1)) : name.equals(p)) {
                return true;
            }
        }
        return false;
    }

    /** Whether either allow-list was given: then the worker runs only what they name. */
    public boolean restricted() {
        return !allowedCommands.isEmpty() || !allowedTrainables.isEmpty();
    }

    /**
     * Why worker {@code workerId} does not run an assignment of this command or trainable, or empty when it does. A
     * command is compared as written, its first element with each allowed one: nothing is resolved, so
     * {@code python3} and {@code /usr/bin/python3} are different programs to this list.
     */
    public Optional<String> refusal(String workerId, List<String> command, String trainable) {
        if (!restricted()) {
            return Optional.empty();
        }
        if (trainable != null) {
            return allowedTrainables.contains(trainable) ? Optional.empty()
                    : Optional.of("worker " + workerId + " does not run trainable " + trainable + ": not in its --allow-trainable list"
                    + (allowedTrainables.isEmpty() ? " (it has none; it runs only the programs of its --allow-command list)" : ""));
        }
        if (command.isEmpty()) {
            return Optional.empty(); // the attempt fails anyway, for having nothing to run
        }
        return allowedCommands.contains(command.get(0)) ? Optional.empty()
                : Optional.of("worker " + workerId + " does not run " + command.get(0) + ": not in its --allow-command list"
                + (allowedCommands.isEmpty() ? " (it has none; it runs only the trainables of its --allow-trainable list)" : ""));
    }

    @Override
    public String toString() {
        return "TrialPolicy[trialEnv=" + trialEnv + ", allowedCommands=" + allowedCommands + ", allowedTrainables=" + allowedTrainables + "]";
    }
}
