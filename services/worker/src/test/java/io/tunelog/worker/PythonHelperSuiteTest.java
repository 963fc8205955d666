package io.tunelog.worker;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The Python helper's own suite ({@code cd python && /usr/bin/python3 -m unittest}), run by the Maven build here,
 * beside the worker whose report protocol the helper speaks. A JUnit test rather than a Maven plugin: the build is
 * offline and has no plugin that runs a program; this way {@code -DskipTests} and {@code -Dtest} select it as any
 * other test. Its torch and xgboost tests skip when Debian's python3-torch or python3-xgboost is missing.
 */
class PythonHelperSuiteTest {
    static final Path PYTHON = Path.of("/usr/bin/python3");

    @Test
    void shouldPassThePythonHelpersUnittestSuite() throws Exception {
        assertThat(Files.isExecutable(PYTHON)).as("python/tests need %s (Debian: apt-get install python3)", PYTHON).isTrue();
        PythonHelper helper = PythonHelper.fromProcess();
        assertThat(helper.dir()).as("the build names the helper: %s", helper.missing()).isNotNull();

        ProcessBuilder builder = new ProcessBuilder(PYTHON.toString(), "-m", "unittest").directory(helper.dir().toFile())
                .redirectErrorStream(true);
        builder.environment().put("PYTHONDONTWRITEBYTECODE", "1"); // no __pycache__ left in the source tree
        builder.environment().keySet().removeIf(name -> name.startsWith("TUNELOG_"));
        Process process = builder.start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(5, TimeUnit.MINUTES)).as("finished").isTrue();
        System.out.print(output);

        assertThat(process.exitValue()).as("python3 -m unittest in %s:%n%s", helper.dir(), output).isZero();
        Matcher ran = Pattern.compile("Ran (\\d+) tests?").matcher(output);
        assertThat(ran.find() && Integer.parseInt(ran.group(1)) > 0).as("tests ran:%n%s", output).isTrue();
    }
}
