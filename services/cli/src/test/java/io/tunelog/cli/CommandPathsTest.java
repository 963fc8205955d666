package io.tunelog.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CommandPathsTest {

    @TempDir
    Path dir;

    Path program;
    Path script;

    @BeforeEach
    void files() throws Exception {
        program = Files.createDirectories(dir.resolve("bin")).resolve("train");
        Files.writeString(program, "#!/bin/sh\n");
        script = Files.createDirectories(dir.resolve("python")).resolve("train é.py");
        Files.writeString(script, "print()\n");
    }

    static final String SPEC = """
            # a comment that stays
            name: paths
            metric: {name: acc, mode: max}
            budget: {trials: 2, concurrent: 1}
            searchSpace:
              lr: {uniform: [0.1, 0.2]}   # é before the command, so offsets count characters
            searcher: {type: random}
            """;

    @Test
    void shouldMakeRelativePathsThatExistNextToTheSpecAbsolute() throws Exception {
        Path spec = Files.writeString(dir.resolve("spec.yaml"),
                SPEC + "trial: {command: [bin/train, --data, data/missing.csv, ./bin/train, python3, bin]}\n");

        SpecFile read = SpecFile.read(spec);

        assertThat(read.spec().trial().command()).containsExactly(
                program.toString(), "--data", "data/missing.csv", program.toString(), "python3", "bin");
        assertThat(read.text()).startsWith("# a comment that stays\n").contains("# é before the command");
    }

    @Test
    void shouldResolveBlockAndQuotedElementsAndLeaveAbsolutePathsAlone() throws Exception {
        Path spec = Files.writeString(dir.resolve("spec.yaml"), SPEC + """
                trial:
                  command:
                    - /usr/bin/python3
                    - "python/train é.py"
                    - 'bin/train'
                """);

        assertThat(SpecFile.read(spec).spec().trial().command())
                .isEqualTo(List.of("/usr/bin/python3", script.toString(), program.toString()));
    }

    @Test
    void shouldLeaveAPathThatIsNotNextToTheSpecForTheWorkerToResolve() throws Exception {
        Path elsewhere = Files.createDirectories(dir.resolve("specs"));
        Path spec = Files.writeString(elsewhere.resolve("spec.yaml"), SPEC + "trial: {command: [bin/train]}\n");

        assertThat(SpecFile.read(spec).spec().trial().command()).containsExactly("bin/train");
    }
}
