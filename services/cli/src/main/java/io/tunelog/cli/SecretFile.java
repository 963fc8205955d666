package io.tunelog.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** A password given as a file, so that it appears in no command line, environment or shell history. */
final class SecretFile {
    private SecretFile() {}

    /** The file's first line; a missing, unreadable or empty one is an error naming {@code option}. */
    static String read(Path file, String option) {
        try {
            String first = Files.readAllLines(file).stream().findFirst().orElse("");
            if (first.isEmpty()) {
                throw new Tunelog.UserError(Tunelog.BAD_INPUT, option + ": " + file + " has no password on its first line");
            }
            return first;
        } catch (IOException e) {
            throw new Tunelog.UserError(Tunelog.BAD_INPUT, option + ": cannot read " + file + ": " + CliErrors.reason(e));
        }
    }
}
