package io.tunelog.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Tunelog services and workers as separate JVMs, started as `tunelog services` and `tunelog worker` start them,
 * so that a test can kill one with SIGKILL (nothing runs after it) or stop it with SIGTERM (shutdown hooks run).
 * Each process writes its output to {@code <dir>/<name>.log}; a restarted one appends to it.
 */
final class ProcessFleet implements AutoCloseable {
    /** Small, quick-starting JVMs: a test starts dozens of them on two cores. */
    private static final List<String> JVM_OPTIONS = List.of("-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1");

    private final String bootstrap;
    private final Path dir;
    private final Map<String, Member> members = new LinkedHashMap<>();

    /** A process of the fleet, with the arguments to start it again. */
    static final class Member {
        final String name;
        final List<String> args;
        Process process;

        Member(String name, List<String> args) {
            this.name = name;
            this.args = args;
        }

        boolean isAlive() {
            return process != null && process.isAlive();
        }
    }

    ProcessFleet(String bootstrap, Path dir) {
        this.bootstrap = bootstrap;
        this.dir = dir;
    }

    /** Starts `tunelog services --only <services> --instance <instance>` as process {@code name}. */
    Member services(String name, String services, String instance) {
        return start(name, List.of("services", "-b", bootstrap, "--only", services, "--instance", instance,
                "--storage", dir.toString()));
    }

    /** Starts `tunelog worker` as process {@code name}, which is also its worker id. */
    Member worker(String name, int slots) {
        return start(name, List.of("worker", "-b", bootstrap, "--worker-id", name, "--slots", String.valueOf(slots),
                "--storage", dir.toString()));
    }

    List<Member> members() {
        return List.copyOf(members.values());
    }

    Member member(String name) {
        return members.get(name);
    }

    private Member start(String name, List<String> args) {
        if (members.containsKey(name)) {
            throw new IllegalArgumentException("already in the fleet: " + name);
        }
        Member m = new Member(name, args);
        members.put(name, m);
        launch(m);
        return m;
    }

    /** Starts the member again with the same arguments (a service keeps its instance id, so it fences its predecessor). */
    void restart(Member m) {
        if (m.isAlive()) {
            throw new IllegalStateException(m.name + " is still running");
        }
        launch(m);
    }

    /** SIGKILL: no shutdown hook, no flush, no goodbye. */
    void kill(Member m) throws InterruptedException {
        m.process.destroyForcibly();
        m.process.waitFor();
    }

    /** SIGTERM, then waits for the process to finish its shutdown; fails if it takes longer than {@code timeout}. */
    int terminate(Member m, Duration timeout) throws InterruptedException {
        m.process.destroy();
        if (!m.process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            m.process.destroyForcibly().waitFor();
            throw new AssertionError(m.name + " did not stop within " + timeout + " of SIGTERM; see " + logOf(m));
        }
        return m.process.exitValue();
    }

    Path logOf(Member m) {
        return dir.resolve(m.name + ".log");
    }

    /** Waits until the member's log shows {@code text} (services and workers print when they are ready). */
    void awaitOutput(Member m, String text, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (Files.exists(logOf(m)) && Files.readString(logOf(m)).contains(text)) {
                return;
            }
            if (!m.isAlive()) {
                throw new AssertionError(m.name + " exited with " + m.process.exitValue() + "; see " + logOf(m));
            }
            Thread.sleep(100);
        }
        throw new AssertionError(m.name + " did not print '" + text + "' within " + timeout + "; see " + logOf(m));
    }

    private void launch(Member m) {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(JVM_OPTIONS);
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), Tunelog.class.getName()));
        command.addAll(m.args);
        try {
            m.process = new ProcessBuilder(command)
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(logOf(m).toFile()))
                    .start();
        } catch (IOException e) {
            throw new IllegalStateException("cannot start " + m.name, e);
        }
    }

    /** Stops every member with SIGTERM, so services leave their groups for the next test; kills stragglers. */
    @Override
    public void close() throws InterruptedException {
        for (Member m : members.values()) {
            if (m.isAlive()) {
                m.process.destroy();
            }
        }
        for (Member m : members.values()) {
            if (m.process != null && !m.process.waitFor(30, TimeUnit.SECONDS)) {
                m.process.destroyForcibly().waitFor();
            }
        }
    }
}
