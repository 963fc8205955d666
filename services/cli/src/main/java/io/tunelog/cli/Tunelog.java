package io.tunelog.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

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

    @Option(names = CliErrors.DEBUG, scope = ScopeType.INHERIT, description = "On an error, print its stack trace too")
    boolean debug;

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    static CommandLine commandLine() {
        CliErrors errors = new CliErrors();
        return new CommandLine(new Tunelog()).setExecutionExceptionHandler(errors).setParameterExceptionHandler(errors);
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
