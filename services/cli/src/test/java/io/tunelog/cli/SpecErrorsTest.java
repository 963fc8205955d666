package io.tunelog.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.tunelog.kafka.KafkaClients;
import io.tunelog.kafka.Topics;
import io.tunelog.kafka.testing.KafkaBrokerExtension;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** A bad spec is refused by `tunelog submit` and `tunelog run` with one line naming the field, exit 2, and nothing sent. */
class SpecErrorsTest {
    @RegisterExtension
    static final KafkaBrokerExtension KAFKA = new KafkaBrokerExtension();

    @TempDir
    Path dir;

    static final String GOOD = """
            name: bad-input
            metric: {name: acc, mode: max}
            budget: {trials: 4, concurrent: 2}
            searchSpace:
              lr: {loguniform: [0.001, 0.1]}
              depth: {randint: [2, 8]}
              kind: {choice: [a, b]}
            searcher: {type: random}
            trial: {command: [python3, train.py]}
            """;

    static Stream<Arguments> badSpecs() {
        return Stream.of(
                Arguments.of("inverted bounds", GOOD.replace("[2, 8]", "[8, 2]"), "searchSpace.depth.randint"),
                Arguments.of("loguniform bound <= 0", GOOD.replace("[0.001, 0.1]", "[0, 0.1]"), "searchSpace.lr.loguniform[0]"),
                Arguments.of("missing metric", GOOD.replace("metric: {name: acc, mode: max}\n", ""), "metric"),
                Arguments.of("mode not min/max", GOOD.replace("mode: max", "mode: up"), "metric.mode"),
                Arguments.of("unknown searcher", GOOD.replace("type: random", "type: bogus"), "searcher.type"),
                Arguments.of("unknown searcher option", GOOD.replace("type: random", "type: tpe, candidate: 3"), "searcher.candidate"),
                Arguments.of("bad searcher option", GOOD.replace("type: random", "type: gp, candidates: 2.5"), "searcher.candidates"),
                Arguments.of("unknown parameter type", GOOD.replace("randint: [2, 8]", "poisson: [2]"), "searchSpace.depth"),
                Arguments.of("empty choice", GOOD.replace("[a, b]", "[]"), "searchSpace.kind.choice"),
                Arguments.of("non-numeric bound", GOOD.replace("[0.001, 0.1]", "[low, 0.1]"), "searchSpace.lr.loguniform[0]"),
                Arguments.of("budget <= 0", GOOD.replace("trials: 4", "trials: 0"), "budget.trials"),
                Arguments.of("concurrency <= 0", GOOD.replace("concurrent: 2", "concurrent: -3"), "budget.concurrent"),
                Arguments.of("empty command", GOOD.replace("[python3, train.py]", "[]"), "trial.command"),
                Arguments.of("not YAML", "name: [oops\n  : :", "(spec)"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badSpecs")
    void shouldRefuseBadSpecWithOneLineNamingTheFieldAndSendNothing(String name, String text, String field) throws Exception {
        Path spec = Files.writeString(dir.resolve("spec.yaml"), text);
        for (String command : new String[] {"submit", "run"}) {
            StringWriter err = new StringWriter();
            int exit = Tunelog.commandLine().setErr(new PrintWriter(err)).setOut(new PrintWriter(new StringWriter()))
                    .execute(command, spec.toString(), "--bootstrap-servers", KAFKA.bootstrapServers());

            assertThat(exit).as(command + " exit code").isEqualTo(Tunelog.BAD_INPUT);
            assertThat(err.toString().strip()).as(command + " message").doesNotContain("\n").contains(" at " + field + ": ");
        }
        try (Admin admin = KafkaClients.of(KAFKA.bootstrapServers()).admin()) {
            assertThat(admin.listTopics().names().get()).as("nothing reached Kafka").doesNotContain(Topics.SUBMISSIONS, Topics.EVENTS);
        }
    }
}
