package io.tunelog.worker;

import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.nio.charset.StandardCharsets;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Stops and continues a child process and every descendant it has at that moment. Java can only TERM and KILL a
 * process, so the signals go through a shell of the worker's own, started once, whose {@code kill} is a built-in: a
 * hold must stop the trial within moments of its report, and starting a {@code kill} program per signal cost
 * milliseconds (more on a loaded machine: enough for a 50 ms epoch to slip past a milestone).
 */
final class ProcessTree {
    private static final String LOOP = "while read -r sig pids; do kill -s \"$sig\" $pids 2>/dev/null; echo .; done";
    private static Process shell;
    private static BufferedWriter commands;
    private static BufferedReader answers;

    private ProcessTree() {}

    static void stop(Process process) {
        signal("STOP", process);
    }

    static void resume(Process process) {
        signal("CONT", process);
    }

    private static synchronized void signal(String signal, Process process) {
        String pids = Stream.concat(Stream.of(process.toHandle()), process.descendants()).filter(ProcessHandle::isAlive)
                .map(p -> Long.toString(p.pid())).collect(Collectors.joining(" "));
        if (pids.isEmpty()) {
            return;
        }
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
