package io.tunelog.cli;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.NoSuchFileException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.IExecutionExceptionHandler;
import picocli.CommandLine.IParameterExceptionHandler;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine.UnmatchedArgumentException;
import picocli.CommandLine;

/**
 * Turns every failure of a command into one line on stderr and an exit code: a user's mistake says what was wrong
 * and where, and anything else says what failed without a stack trace unless {@code --debug} asks for one.
 */
final class CliErrors implements IExecutionExceptionHandler, IParameterExceptionHandler {
    static final String DEBUG = "--debug";

    @Override
    public int handleParseException(ParameterException e, String[] args) {
        CommandLine cmd = e.getCommandLine();
        String name = cmd.getCommandSpec().qualifiedName();
        List<String> suggestions = e instanceof UnmatchedArgumentException u ? u.getSuggestions() : List.of();
        String hint = suggestions.isEmpty() ? ""
                : "; did you mean " + String.join(" or ", suggestions.subList(0, Math.min(3, suggestions.size()))) + "?";
        cmd.getErr().println(name + ": " + oneLine(e.getMessage()) + hint + " (see `" + name + " --help`)");
        if (debug(args)) {
            e.printStackTrace(cmd.getErr());
        }
        return Tunelog.BAD_INPUT;
    }

    @Override
    public int handleExecutionException(Exception e, CommandLine cmd, ParseResult parsed) {
        String name = cmd.getCommandSpec().qualifiedName();
        int exit;
        if (e instanceof Tunelog.UserError u) {
            cmd.getErr().println(name + ": " + oneLine(u.getMessage()));
            exit = u.exitCode();
        } else {
            cmd.getErr().println(name + ": " + describe(e) + " (" + DEBUG + " prints the stack trace)");
            exit = 1;
        }
        if (debug(parsed)) {
            e.printStackTrace(cmd.getErr());
        }
        return exit;
    }

    /**
     * What went wrong, from the messages of an exception and its causes, each said once: wrappers often repeat
     * their cause's message, and one without a message is named by its type.
     */
    static String describe(Throwable e) {
        List<String> parts = new ArrayList<>();
        for (Throwable t = e; t != null && parts.size() < 4; t = t.getCause() == t ? null : t.getCause()) {
            String message = t.getMessage();
            if (message == null || message.isBlank()) {
                if (parts.isEmpty()) {
                    parts.add(t.getClass().getSimpleName());
                }
                continue;
            }
            String line = oneLine(message);
            if (parts.stream().noneMatch(p -> p.contains(line))) {
                parts.removeIf(line::contains);
                parts.add(line);
            }
        }
        return String.join(": ", parts);
    }

    /**
     * The message on one line, with the Java class names that messages built from {@code e.toString()} carry put in
     * words ("java.nio.file.NoSuchFileException: /x" says "no such file: /x").
     */
    static String oneLine(String message) {
        if (message == null) {
            return "";
        }
        String line = message.strip().replaceAll("\\s*\\R\\s*", " ");
        Matcher m = CLASS_NAME.matcher(line);
        StringBuilder s = new StringBuilder();
        while (m.find()) {
            m.appendReplacement(s, Matcher.quoteReplacement(IN_WORDS.getOrDefault(m.group(1), "")));
        }
        return m.appendTail(s).toString();
    }

    /** Why a file could not be read, in words: a missing file's exception says only its path. */
    static String reason(IOException e) {
        if (e instanceof NoSuchFileException) {
            return "no such file";
        }
        if (e instanceof AccessDeniedException) {
            return "permission denied";
        }
        return oneLine(e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName());
    }

    /** A qualified exception's name and its colon, as {@code Throwable.toString()} starts. */
    private static final Pattern CLASS_NAME = Pattern.compile("\\b(?:[a-z][a-z0-9_]*\\.)+([A-Z]\\w*(?:Exception|Error)): ");
    private static final Map<String, String> IN_WORDS = Map.of(
            "NoSuchFileException", "no such file: ",
            "AccessDeniedException", "permission denied: ",
            "NotDirectoryException", "not a directory: ",
            "FileAlreadyExistsException", "already exists: ",
            "BindException", "cannot listen: ",
            "ConnectException", "cannot connect: ",
            "UnknownHostException", "unknown host: ");

    private static boolean debug(ParseResult parsed) {
        for (ParseResult p = parsed; p != null; p = p.subcommand()) {
            if (p.hasMatchedOption(DEBUG)) {
                return true;
            }
        }
        return false;
    }

    private static boolean debug(String[] args) {
        return List.of(args).contains(DEBUG);
    }
}
