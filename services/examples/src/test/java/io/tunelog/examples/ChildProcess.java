package io.tunelog.examples;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Runs a trainable as a real child process, the way a worker does: configuration and directories in the environment. */
public final class ChildProcess {
    /** What the process printed and how it ended. */
    public record Result(int exitCode, List<String> stdout, String stderr, long millis) {}

    private ChildProcess() {}

    public static Result run(List<String> command, Map<String, String> env, Path logDir, Duration timeout)
            throws IOException, InterruptedException {
        Files.createDirectories(logDir);
        Path out = logDir.resolve("stdout.log");
        Path err = logDir.resolve("stderr.log");
        ProcessBuilder builder = new ProcessBuilder(command)
                .redirectOutput(out.toFile())
                .redirectError(err.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        builder.environment().keySet().removeIf(k -> k.startsWith("TUNELOG_"));
        builder.environment().putAll(env);
        long started = System.nanoTime();
        Process process = builder.start();
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            process.destroyForcibly().waitFor();
            throw new AssertionError(command + " did not finish within " + timeout + "; stderr: " + Files.readString(err));
        }
        long millis = (System.nanoTime() - started) / 1_000_000;
        return new Result(process.exitValue(), Files.readAllLines(out, StandardCharsets.UTF_8), Files.readString(err), millis);
    }

    /** The class path of this test JVM (Surefire's own property when it uses a manifest-only jar). */
    public static String testClassPath() {
        return System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
    }

    /** The java launcher of this test JVM. */
    public static String java() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }
}
