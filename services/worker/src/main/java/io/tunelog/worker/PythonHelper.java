package io.tunelog.worker;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;

/**
 * Where the {@code tunelog} Python package is, which a worker puts first on every process trial's {@code PYTHONPATH}
 * so that a Python trial imports it without installing anything.
 *
 * <p>A checkout has it at {@code <repo>/python}, and {@code bin/tunelog} says so with the system property
 * {@link #PROPERTY}; the variable {@link #VARIABLE} overrides that (a release archive or an image points at its own
 * copy), and {@code tunelog worker --python-helper} overrides both. Without one, or when the directory holds no
 * package, trials run without it.
 *
 * @param dir     the directory holding {@code tunelog/__init__.py}, or null
 * @param missing why there is none, when {@code dir} is null
 */
public record PythonHelper(Path dir, String missing) {
    /** Set by {@code bin/tunelog} to its checkout's {@code python} directory. */
    public static final String PROPERTY = "tunelog.python.helper";
    /** Overrides {@link #PROPERTY}; never passed on to a trial (no {@code TUNELOG_*} variable of the worker's is). */
    public static final String VARIABLE = "TUNELOG_PYTHON_HELPER";

    public PythonHelper {
        if ((dir == null) == (missing == null)) {
            throw new IllegalArgumentException("a Python helper has a directory or a reason it has none, not both");
        }
    }

    /** No helper, for this reason. */
    public static PythonHelper none(String why) {
        return new PythonHelper(null, why);
    }

    /** The helper at {@code dir}, or none with the reason when {@code dir} holds no {@code tunelog} package. */
    public static PythonHelper at(Path dir, String source) {
        Path absolute = dir.toAbsolutePath().normalize();
        return Files.isRegularFile(absolute.resolve("tunelog").resolve("__init__.py")) ? new PythonHelper(absolute, null)
                : none(source + " " + absolute + " holds no tunelog package (no tunelog/__init__.py there)");
    }

    /** The helper named by {@link #VARIABLE}, else by {@link #PROPERTY}, else none. */
    public static PythonHelper locate(Map<String, String> env, Properties properties) {
        String variable = env.get(VARIABLE);
        String property = properties.getProperty(PROPERTY);
        try {
            if (variable != null && !variable.isBlank()) {
                return at(Path.of(variable), VARIABLE);
            }
            if (property != null && !property.isBlank()) {
                return at(Path.of(property), "-D" + PROPERTY);
            }
        } catch (InvalidPathException e) {
            return none(VARIABLE + " or -D" + PROPERTY + " is not a path: " + e.getMessage());
        }
        return none("neither " + VARIABLE + " nor -D" + PROPERTY + " names it (bin/tunelog sets the property)");
    }

    /** The helper this process is configured with: its environment and system properties. */
    public static PythonHelper fromProcess() {
        return locate(System.getenv(), System.getProperties());
    }

    /** A trial's {@code PYTHONPATH}: the helper first, then the one the trial would have had, if any. */
    public String pythonPath(String existing) {
        if (dir == null) {
            return existing;
        }
        return existing == null || existing.isEmpty() ? dir.toString() : dir + File.pathSeparator + existing;
    }

    /** What the worker says about it when it starts. */
    public String describe() {
        return dir != null ? "Python trials get the tunelog helper from " + dir + " (first on PYTHONPATH)"
                : "Python trials run without the tunelog helper on PYTHONPATH: " + missing;
    }

    /** What has been said in this process: `tunelog run` starts a worker per slot, and one line is enough. */
    private static final Set<String> SAID = ConcurrentHashMap.newKeySet();

    /**
     * Says {@link #describe()} once per process: a warning when there is no helper (it explains a trial failing on
     * "No module named 'tunelog'", and `tunelog run` shows warnings only), else a line of information.
     */
    void sayOnce(Logger log) {
        if (SAID.add(describe())) {
            if (dir == null) {
                log.warn(describe());
            } else {
                log.info(describe());
            }
        }
    }
}
