package io.tunelog.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CompletionCommandTest {

    @TempDir
    Path dir;

    @Test
    void shouldPrintABashScriptThatCompletesEverySubcommandAndTheirOptions() throws Exception {
        StringWriter out = new StringWriter();
        int exit = Tunelog.commandLine().setOut(new PrintWriter(out)).execute("completion");

        assertThat(exit).isZero();
        String script = out.toString();
        var subcommands = Tunelog.commandLine().getSubcommands().keySet();
        assertThat(subcommands).contains("run", "submit", "worker", "broker", "services", "audit", "completion");
        String topLevel = script.lines().filter(l -> l.contains("local commands=\"")).findFirst().orElseThrow()
                .replaceAll(".*local commands=\"([^\"]*)\".*", "$1");
        assertThat(topLevel.split(" ")).containsExactlyInAnyOrderElementsOf(subcommands);
        assertThat(script).contains("--allow-command", "--results-dir");

        // Bash loads it, and completing "tunelog wor" and "tunelog worker --allow-c" gives the subcommand and its option.
        Path file = Files.writeString(dir.resolve("tunelog-completion.bash"), script);
        assertThat(complete(file, "tunelog", "wor")).isEqualTo("worker");
        assertThat(complete(file, "tunelog", "worker", "--allow-c")).isEqualTo("--allow-command");
    }

    /** What bash offers for the last of these words, after loading the script. */
    private static String complete(Path script, String... words) throws Exception {
        String line = String.join(" ", words);
        String run = "source \"$1\"; shift; COMP_WORDS=(\"$@\"); COMP_CWORD=$(($# - 1)); COMP_LINE=\"$*\"; COMP_POINT=${#COMP_LINE}; "
                + "$(complete -p tunelog | sed -E 's/.*-F ([^ ]+).*/\\1/'); echo \"${COMPREPLY[*]}\"";
        var command = new java.util.ArrayList<>(java.util.List.of("bash", "-c", run, "bash", script.toString()));
        command.addAll(java.util.List.of(words));
        // stderr aside: outside a real completion, compopt complains that it is not in one.
        Process bash = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        String said = new String(bash.getInputStream().readAllBytes()).strip();
        assertThat(bash.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(bash.exitValue()).as(line + ": " + said).isZero();
        return said;
    }
}
