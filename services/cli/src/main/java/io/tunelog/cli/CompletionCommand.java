package io.tunelog.cli;

import java.util.concurrent.Callable;
import picocli.AutoComplete;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** Prints the bash (and zsh) completion script picocli generates from the commands and their options. */
@Command(name = "completion", mixinStandardHelpOptions = true,
        description = {"Print a bash completion script for tunelog; load it with", "  source <(tunelog completion)",
                "or save it to /etc/bash_completion.d/tunelog. zsh runs it after: autoload -U +X bashcompinit && bashcompinit"})
final class CompletionCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        spec.commandLine().getOut().print(AutoComplete.bash("tunelog", spec.root().commandLine()));
        spec.commandLine().getOut().flush();
        return 0;
    }
}
