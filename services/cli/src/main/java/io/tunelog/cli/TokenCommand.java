package io.tunelog.cli;

import io.tunelog.http.Tokens;
import java.security.SecureRandom;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** Tokens for the HTTP servers (the gateway, the checkpoint server). */
@Command(name = "token", mixinStandardHelpOptions = true, description = "Tokens for the gateway and the checkpoint server.",
        subcommands = TokenCommand.New.class)
final class TokenCommand {

    /** Makes a token and prints it once, with the line that lets it in; the token is stored nowhere. */
    @Command(name = "new", mixinStandardHelpOptions = true,
            description = {"Make a random token and print it once, then the line to add to the servers' --tokens-file.",
                    "The line holds the token's SHA-256, not the token, so the file gives no access by itself. "
                            + "Clients send the token as Authorization: Bearer <token>."})
    static final class New implements Callable<Integer> {
        @Option(names = "--scope", required = true, description = "read (every GET: the API, the event stream, "
                + "checkpoints), submit (also submit and cancel experiments) or work (also take, report on and finish the "
                + "trials of ask-and-tell experiments under a lease)")
        String scope;

        @Option(names = "--name", defaultValue = "", description = "Who holds it, one word: the file says whose line it is, "
                + "and the log records it with what the token submits or cancels")
        String name;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            Tokens.Scope parsed;
            try {
                parsed = Tokens.Scope.of(scope);
            } catch (IllegalArgumentException e) {
                throw new Tunelog.UserError(Tunelog.BAD_INPUT, "--scope must be read, submit or work, not " + scope);
            }
            String token = Tokens.newToken(new SecureRandom());
            String line;
            try {
                line = Tokens.line(parsed, token, name);
            } catch (IllegalArgumentException e) {
                throw new Tunelog.UserError(Tunelog.BAD_INPUT, "--name: " + e.getMessage());
            }
            // Lines starting with '#' are comments in a tokens file, so all but the token itself can be pasted there.
            var out = spec.commandLine().getOut();
            out.println("# the " + parsed.word() + " token, shown this once (clients send Authorization: Bearer <token>):");
            out.println(token);
            out.println("# the line for the tokens file (--tokens-file):");
            out.println(line);
            out.flush();
            return 0;
        }
    }
}
