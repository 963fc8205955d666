package io.tunelog.worker;

import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Starts a trial's process in a process group of its own, signals the group, and stops and continues the process and
 * every descendant it has at that moment. Java can only TERM and KILL a process, and knows no groups, so the signals
 * go through a shell of the worker's own, started once, whose {@code kill} is a built-in: a hold must stop the trial
 * within moments of its report, and starting a {@code kill} program per signal cost milliseconds (more on a loaded
 * machine: enough for a 50 ms epoch to slip past a milestone).
 */
final class ProcessTree {
    /**
     * util-linux's {@code setsid}, which execs the command as the leader of a new session and process group (it forks
     * only when it already leads one, which a child of the JVM does not): a descendant that outlives the trial's
     * process is no longer its descendant, but still in its group. Null where there is none; then only descendants
     * are ended.
     */
    private static final String SETSID = Stream.of("/usr/bin/setsid", "/bin/setsid")
            .filter(f -> Files.isExecutable(Path.of(f))).findFirst().orElse(null);

    private static final String LOOP = "while read -r sig pids; do kill -s \"$sig\" $pids 2>/dev/null; echo .; done";
    private static Process shell;
    private static BufferedWriter commands;
    private static BufferedReader answers;

    private ProcessTree() {}

    /** The command to start so that its process leads a group of its own, when this system can. */
    static List<String> inOwnGroup(List<String> command) {
        if (SETSID == null) {
            return command;
        }
        List<String> wrapped = new ArrayList<>(command.size() + 2);
        wrapped.add(SETSID);
        wrapped.add("--");
        wrapped.addAll(command);
        return wrapped;
    }

    /**
     * Why {@code program} cannot be started, found on {@code path} as exec would, said as Java says it when it starts
     * a program itself: once it is setsid's to start, a missing one would otherwise be a trial exiting with code 1.
     */
    static Optional<String> whyNotStartable(String program, String path) {
        if (SETSID == null) {
            return Optional.empty();
        }
        Stream<Path> candidates = program.contains("/") ? Stream.of(Path.of(program))
                : Stream.of((path == null ? "" : path).split(":")).map(dir -> Path.of(dir.isEmpty() ? "." : dir, program));
        List<Path> found = candidates.filter(Files::isRegularFile).toList();
        if (found.isEmpty()) {
            return Optional.of("error=2, No such file or directory");
        }
        return found.stream().anyMatch(Files::isExecutable) ? Optional.empty() : Optional.of("error=13, Permission denied");
    }

    /** Sends {@code signal} to every process of the group {@code leader} was started to lead (see {@link #inOwnGroup}). */
    static void signalGroup(String signal, Process leader) {
        if (SETSID != null) {
            signal(signal, "-- -" + leader.pid(), leader);
        }
    }

    static void stop(Process process) {
        signal("STOP", process);
    }

    static void resume(Process process) {
        signal("CONT", process);
    }

    private static void signal(String signal, Process process) {
        String pids = Stream.concat(Stream.of(process.toHandle()), process.descendants()).filter(ProcessHandle::isAlive)
                .map(p -> Long.toString(p.pid())).collect(Collectors.joining(" "));
        if (!pids.isEmpty()) {
            signal(signal, pids, process);
        }
    }

    private static synchronized void signal(String signal, String pids, Process process) {
        try {
            send(signal + " " + pids);
        } catch (IOException first) {
            // The shell died (someone killed it): start another, once.
            shell = null;
            try {
                send(signal + " " + pids);
            } catch (IOException e) {
                throw new IllegalStateException("cannot send SIG" + signal + " to trial process " + process.pid() + ": " + e.getMessage(), e);
            }
        }
    }

    /** One line to the shell, and its acknowledgement: the signals are sent when this returns. */
    private static void send(String line) throws IOException {
        if (shell == null || !shell.isAlive()) {
            shell = new ProcessBuilder("/bin/sh", "-c", LOOP).redirectError(ProcessBuilder.Redirect.DISCARD).start();
            commands = new BufferedWriter(new OutputStreamWriter(shell.getOutputStream(), StandardCharsets.US_ASCII));
            answers = new BufferedReader(new InputStreamReader(shell.getInputStream(), StandardCharsets.US_ASCII));
        }
        commands.write(line);
        commands.newLine();
        commands.flush();
        if (answers.readLine() == null) {
            throw new IOException("the signalling shell ended");
        }
    }
}
