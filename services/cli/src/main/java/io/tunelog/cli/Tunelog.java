package io.tunelog.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code tunelog} command. */
@Command(name = "tunelog", mixinStandardHelpOptions = true, version = "tunelog 0.1.0",
        description = "Event-sourced hyperparameter tuning on Apache Kafka.",
        subcommands = {RunCommand.class, SubmitCommand.class, CancelCommand.class, EnqueueCommand.class, ServicesCommand.class, WorkerCommand.class,
                BrokerCommand.class, SecurityCommand.class, EventsCommand.class, ReplayCommand.class, AuditCommand.class, StateCommand.class,
                ExportCommand.class, WhatIfCommand.class, SlurmCommand.class, GatewayCommand.class, TokenCommand.class, KeyCommand.class, CompletionCommand.class,
                CommandLine.HelpCommand.class})
public final class Tunelog {

    /** Exit code for bad input: an invalid spec or option. */
    public static final int BAD_INPUT = 2;

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    static CommandLine commandLine() {
        return new CommandLine(new Tunelog())
                .setExecutionExceptionHandler((e, cmd, parsed) -> {
                    if (e instanceof UserError u) {
                        cmd.getErr().println("tunelog: " + u.getMessage());
                        return u.exitCode();
                    }
                    cmd.getErr().println("tunelog: " + e);
                    e.printStackTrace(cmd.getErr());
                    return 1;
                });
    }

    /** A failure to report in one line, without a stack trace. */
    static final class UserError extends RuntimeException {
        private final int exitCode;

        UserError(int exitCode, String message) {
            super(message);
            this.exitCode = exitCode;
        }

        int exitCode() {
            return exitCode;
        }
    }
}
