package io.tunelog.platform.testing;

import io.tunelog.platform.Platform;
import io.tunelog.worker.PythonHelper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * Tunelog services and workers as separate JVMs, started as `tunelog services` and `tunelog worker` start them
 * (the command's main class is given: it lives in the CLI, above this module), so that a test can kill one with
 * SIGKILL (nothing runs after it) or stop it with SIGTERM (shutdown hooks run). Each process writes its output to
 * {@code <dir>/<name>.log}; a restarted one appends to it.
 */
public final class ProcessFleet implements AutoCloseable {
    /** Small, quick-starting JVMs: a test starts dozens of them on two cores. */
    private static final List<String> JVM_OPTIONS = List.of("-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1");

    private final Class<?> mainClass;
    private final String bootstrap;
    private final Path dir;
    private final Map<String, Member> members = new LinkedHashMap<>();

    /** A process of the fleet, with the arguments to start it again. */
    public static final class Member {
        public final String name;
        final List<String> args;
        Process process;

        Member(String name, List<String> args) {
            this.name = name;
            this.args = args;
        }

        public boolean isAlive() {
            return process != null && process.isAlive();
        }
    }

    /**
     * @param mainClass the {@code tunelog} command's main class
     * @param dir where the processes keep checkpoints and write their output
     */
    public ProcessFleet(Class<?> mainClass, String bootstrap, Path dir) {
        this.mainClass = mainClass;
        this.bootstrap = bootstrap;
        this.dir = dir;
    }

    /** Starts `tunelog services --only <services> --instance <instance>` as process {@code name}. */
    public Member services(String name, String services, String instance) {
        return start(name, List.of("services", "-b", bootstrap, "--only", services, "--instance", instance,
                "--storage", dir.toString()));
    }

    /** Starts `tunelog worker` as process {@code name}, which is also its worker id. */
    public Member worker(String name, int slots) {
        return worker(name, slots, List.of());
    }

    /** As {@link #worker(String, int)}, with these GPUs ({@code --gpus}; none when empty). */
    public Member worker(String name, int slots, List<String> gpus) {
        return start(name, List.of("worker", "-b", bootstrap, "--worker-id", name, "--cpus", String.valueOf(slots),
                "--gpus", gpus.isEmpty() ? "none" : String.join(",", gpus), "--storage", dir.toString()));
    }

    /** Each service as a process of its own, named after it, all as {@code instance}; returns once all are ready. */
    public Map<String, Member> startServices(Set<String> services, String instance, Duration ready) throws Exception {
        Map<String, Member> started = new LinkedHashMap<>();
        for (String service : services) {
            started.put(service, services(service, service, instance));
        }
        awaitReady(started.values(), ready);
        return started;
    }

    /** Every service (see {@link #startServices(Set, String, Duration)}). */
    public Map<String, Member> startServices(String instance, Duration ready) throws Exception {
        return startServices(Platform.SERVICES, instance, ready);
    }

    /** Workers {@code <prefix>1} to {@code <prefix><count>}; returns once all are ready. */
    public List<Member> startWorkers(String prefix, int count, int slots, Duration ready) throws Exception {
        List<Member> started = new ArrayList<>();
        for (int i = 1; i <= count; i++) {
            started.add(worker(prefix + i, slots));
        }
        awaitReady(started, ready);
        return started;
    }

    private void awaitReady(Collection<Member> started, Duration timeout) throws Exception {
        for (Member m : started) {
            awaitOutput(m, "ready", timeout);
        }
    }

    public List<Member> members() {
        return List.copyOf(members.values());
    }

    public Member member(String name) {
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
    public void restart(Member m) {
        if (m.isAlive()) {
            throw new IllegalStateException(m.name + " is still running");
        }
        launch(m);
    }

    /** SIGKILL: no shutdown hook, no flush, no goodbye. */
    public void kill(Member m) throws InterruptedException {
        m.process.destroyForcibly();
        m.process.waitFor();
    }

    /** SIGTERM, then waits for the process to finish its shutdown; fails if it takes longer than {@code timeout}. */
    public int terminate(Member m, Duration timeout) throws InterruptedException {
        m.process.destroy();
        if (!m.process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            m.process.destroyForcibly().waitFor();
            throw new AssertionError(m.name + " did not stop within " + timeout + " of SIGTERM; see " + logOf(m));
        }
        return m.process.exitValue();
    }

    public Path logOf(Member m) {
        return dir.resolve(m.name + ".log");
    }

    /** Waits until the member's log shows {@code text} (services and workers print when they are ready). */
    public void awaitOutput(Member m, String text, Duration timeout) throws Exception {
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
        // As bin/tunelog passes it: a worker process finds the Python helper where this JVM's workers do.
        String helper = System.getProperty(PythonHelper.PROPERTY);
        if (helper != null) {
            command.add("-D" + PythonHelper.PROPERTY + "=" + helper);
        }
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), mainClass.getName()));
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
