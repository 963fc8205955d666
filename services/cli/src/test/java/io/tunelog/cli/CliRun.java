package io.tunelog.cli;

import java.io.PrintWriter;
import java.io.StringWriter;

/** One run of the CLI in the test's JVM, through the entry point {@code main} uses: its exit code and what it printed. */
record CliRun(int exit, String out, String err) {

    static CliRun run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int exit = Tunelog.commandLine().setOut(new PrintWriter(out, true)).setErr(new PrintWriter(err, true)).execute(args);
        return new CliRun(exit, out.toString(), err.toString());
    }
}
