package io.tunelog.cli;

import io.tunelog.kafka.Topics;
import io.tunelog.security.SigningKeys;
import java.io.IOException;
import java.nio.file.Path;
import java.security.KeyPair;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** Signing keys: made here, read by the commands that sign from files only. */
@Command(name = "key", mixinStandardHelpOptions = true,
        description = "Make Ed25519 signing keys (for `audit --anchor`), and keep the registry of writers' keys (" + Topics.KEYS + ").",
        subcommands = {KeyCommand.New.class, KeyRegistryCommands.Register.class, KeyRegistryCommands.Revoke.class, KeyRegistryCommands.ListKeys.class})
final class KeyCommand {

    @Command(name = "new", mixinStandardHelpOptions = true,
            description = "Write a new Ed25519 key pair as PEM files: " + SigningKeys.PRIVATE_FILE + " (mode 0600) and " + SigningKeys.PUBLIC_FILE + ".")
    static final class New implements Callable<Integer> {
        @Option(names = "--out", required = true, paramLabel = "DIR", description = "Directory to write the pair into (made if missing)")
        Path out;

        @Spec
        CommandSpec command;

        @Override
        public Integer call() {
            KeyPair pair = SigningKeys.generate();
            Path privateFile;
            try {
                privateFile = SigningKeys.writePair(pair, out);
            } catch (SigningKeys.KeyFileException e) {
                throw new Tunelog.UserError(Tunelog.BAD_INPUT, e.getMessage());
            } catch (IOException e) {
                throw new Tunelog.UserError(Tunelog.BAD_INPUT, "cannot write keys into " + out + ": " + e.getMessage());
            }
            command.commandLine().getOut().println("private key " + privateFile + " (keep it; mode 0600), public key "
                    + out.resolve(SigningKeys.PUBLIC_FILE) + "; fingerprint " + SigningKeys.fingerprint(pair.getPublic()));
            return 0;
        }
    }
}
