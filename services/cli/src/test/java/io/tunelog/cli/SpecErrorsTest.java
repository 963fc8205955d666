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
import org.junit.jupiter.api.Test;
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

    static final String TWO = "metric: [{name: acc, mode: max}, {name: size_m, mode: min}]\n";

    static Stream<Arguments> badSpecs() {
        return Stream.of(
                bad("inverted bounds", GOOD.replace("[2, 8]", "[8, 2]"), "searchSpace.depth.randint"),
                bad("loguniform bound <= 0", GOOD.replace("[0.001, 0.1]", "[0, 0.1]"), "searchSpace.lr.loguniform[0]"),
                bad("missing metric", GOOD.replace("metric: {name: acc, mode: max}\n", ""), "metric"),
                bad("mode not min/max", GOOD.replace("mode: max", "mode: up"), "metric.mode"),
                bad("unknown searcher", GOOD.replace("type: random", "type: bogus"), "searcher.type"),
                bad("unknown searcher option", GOOD.replace("type: random", "type: tpe, candidate: 3"), "searcher.candidate"),
                bad("bad searcher option", GOOD.replace("type: random", "type: gp, candidates: 2.5"), "searcher.candidates"),
                bad("searcher option with type auto", GOOD.replace("type: random", "type: auto, startupTrials: 5"),
                        "searcher.startupTrials", "expected no options with searcher type auto"),
                bad("chosenBy that names no rule", GOOD.replace("type: random", "type: gp, chosenBy: me"), "searcher.chosenBy",
                        "expected the rule that picked the searcher"),
                bad("unknown parameter type", GOOD.replace("randint: [2, 8]", "poisson: [2]"), "searchSpace.depth"),
                bad("empty choice", GOOD.replace("[a, b]", "[]"), "searchSpace.kind.choice"),
                bad("non-numeric bound", GOOD.replace("[0.001, 0.1]", "[low, 0.1]"), "searchSpace.lr.loguniform[0]"),
                bad("budget <= 0", GOOD.replace("trials: 4", "trials: 0"), "budget.trials"),
                bad("concurrency <= 0", GOOD.replace("concurrent: 2", "concurrent: -3"), "budget.concurrent"),
                bad("empty command", GOOD.replace("[python3, train.py]", "[]"), "trial.command"),
                bad("not YAML", "name: [oops\n  : :", "(spec)"),
                bad("report timeout <= 0", GOOD.replace("train.py]}", "train.py], reportTimeoutSeconds: 0}"),
                        "trial.reportTimeoutSeconds", "expected an integer >= 1, found 0"),
                bad("report timeout not whole seconds", GOOD.replace("train.py]}", "train.py], reportTimeoutSeconds: 2.5}"),
                        "trial.reportTimeoutSeconds", "expected an integer, found 2.5"),
                bad("negative GPUs", GOOD.replace("train.py]}", "train.py], resources: {gpus: -1}}"),
                        "trial.resources.gpus", "expected an integer >= 0, found -1"),
                bad("no CPU", GOOD.replace("train.py]}", "train.py], resources: {cpus: 0}}"),
                        "trial.resources.cpus", "expected an integer >= 1, found 0"),
                bad("budget of no seconds", GOOD.replace("concurrent: 2}", "concurrent: 2, seconds: 0}"),
                        "budget.seconds", "expected a number of seconds from 0.001 to 1000000000, found 0"),
                bad("negative failed-trials budget", GOOD.replace("concurrent: 2}", "concurrent: 2, maxFailedTrials: -1}"),
                        "budget.maxFailedTrials", "expected an integer >= 0, found -1"),
                bad("trial stop at step 0", GOOD.replace("train.py]}", "train.py], stop: {step: 0}}"),
                        "trial.stop.step", "expected an integer >= 1, found 0"),
                bad("trial stop on a metric without a bound", GOOD.replace("train.py]}", "train.py], stop: {acc: 0.9}}"),
                        "trial.stop.acc", "expected {above: x} or {below: x}, found 0.9"),
                bad("goal the wrong way", GOOD + "goal: {below: 0.9}\n",
                        "goal.below", "expected above for metric \"acc\", which is maximised, found below"),
                bad("plateau of one trial", GOOD + "plateau: {top: 1}\n", "plateau.top", "expected an integer >= 2, found 1"),
                bad("no objective", GOOD.replace("{name: acc, mode: max}", "[]"), "metric", "expected at least one objective, found an empty list"),
                bad("an objective twice", GOOD.replace("{name: acc, mode: max}", "[{name: acc, mode: max}, {name: acc, mode: min}]"),
                        "metric[1].name", "expected distinct objective names, found \"acc\" again (first at [0])"),
                bad("an objective's mode not min/max", GOOD.replace("{name: acc, mode: max}", "[{name: acc, mode: max}, {name: size_m, mode: less}]"),
                        "metric[1].mode", "expected min or max, found \"less\""),
                bad("a constraint with both bounds", GOOD + "constraints: [{name: mem_gb, below: 16, above: 1}]\n",
                        "constraints[0]", "expected exactly one of above or below, found both"),
                bad("a constraint without a bound", GOOD + "constraints: [{name: mem_gb}]\n",
                        "constraints[0]", "expected exactly one of above or below, found neither"),
                bad("a goal with two objectives", GOOD.replace("metric: {name: acc, mode: max}\n", TWO) + "goal: {above: 0.9}\n",
                        "goal", "is a value of the one metric to reach, and this spec has 2 objectives"),
                bad("a one-metric scheduler with two objectives", GOOD.replace("metric: {name: acc, mode: max}\n", TWO)
                        + "scheduler: {type: asha}\n", "scheduler.type", "expected a scheduler that compares no trials, fifo, for 2 objectives (asha ranks trials on one metric), found \"asha\""),
                bad("initial configuration missing a parameter",
                        GOOD.replace("type: random}", "type: random, initial: [{lr: 0.01, depth: 3, kind: a}, {lr: 0.01, kind: a}]}"),
                        "searcher.initial[1].depth", "is required"),
                bad("initial configuration out of its domain",
                        GOOD.replace("type: random}", "type: random, initial: [{lr: 0.5, depth: 3, kind: a}]}"),
                        "searcher.initial[0].lr", "expected a number in [0.001, 0.1], found 0.5"),
                bad("unknown field", GOOD.replace("train.py]}", "train.py], reportTimeout: 60}"),
                        "trial.reportTimeout", "expected a known field"),
                bad("oversized spec", GOOD + "#" + "x".repeat(300 * 1024) + "\n", "(spec)",
                        "expected a spec of at most 262144 bytes (256 KiB), found " + (GOOD.length() + 300 * 1024 + 2) + " bytes"));
    }

    private static Arguments bad(String name, String text, String field) {
        return bad(name, text, field, "");
    }

    /** A case whose message must also start with {@code message} after the field. */
    private static Arguments bad(String name, String text, String field, String message) {
        return Arguments.of(name, text, field, message);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badSpecs")
    void shouldRefuseBadSpecWithOneLineNamingTheFieldAndSendNothing(String name, String text, String field, String message) throws Exception {
        Path spec = Files.writeString(dir.resolve("spec.yaml"), text);
        for (String command : new String[] {"submit", "run"}) {
            StringWriter err = new StringWriter();
            int exit = Tunelog.commandLine().setErr(new PrintWriter(err)).setOut(new PrintWriter(new StringWriter()))
                    .execute(command, spec.toString(), "--bootstrap-servers", KAFKA.bootstrapServers());

            assertThat(exit).as(command + " exit code").isEqualTo(Tunelog.BAD_INPUT);
            assertThat(err.toString().strip()).as(command + " message").doesNotContain("\n").contains(" at " + field + ": " + message);
        }
        try (Admin admin = KafkaClients.of(KAFKA.bootstrapServers()).admin()) {
            assertThat(admin.listTopics().names().get()).as("nothing reached Kafka").doesNotContain(Topics.SUBMISSIONS, Topics.EVENTS);
        }
    }

    @Test
    void shouldRefuseToRunAnAskAndTellExperimentItHasNoGatewayFor() throws Exception {
        Path spec = Files.writeString(dir.resolve("spec.yaml"), GOOD.replace("{command: [python3, train.py]}", "{askAndTell: true}"));
        StringWriter err = new StringWriter();
        int exit = Tunelog.commandLine().setErr(new PrintWriter(err)).setOut(new PrintWriter(new StringWriter()))
                .execute("run", spec.toString(), "--bootstrap-servers", KAFKA.bootstrapServers());

        assertThat(exit).isEqualTo(Tunelog.BAD_INPUT);
        assertThat(err.toString().strip()).doesNotContain("\n").contains("trial.askAndTell").contains("tunelog gateway");
        try (Admin admin = KafkaClients.of(KAFKA.bootstrapServers()).admin()) {
            assertThat(admin.listTopics().names().get()).as("nothing reached Kafka").doesNotContain(Topics.SUBMISSIONS, Topics.EVENTS);
        }
    }

    @Test
    void shouldRefuseToRunATrialNeedingMoreGpusThanTheWorkersItStartsInOneLineNamingTheField() throws Exception {
        Path spec = Files.writeString(dir.resolve("spec.yaml"), GOOD.replace("train.py]}", "train.py], resources: {gpus: 8}}"));
        StringWriter err = new StringWriter();
        int exit = Tunelog.commandLine().setErr(new PrintWriter(err)).setOut(new PrintWriter(new StringWriter()))
                .execute("run", spec.toString(), "--gpus", "0,1,2,3", "--bootstrap-servers", KAFKA.bootstrapServers());

        assertThat(exit).isEqualTo(Tunelog.BAD_INPUT);
        assertThat(err.toString().strip()).doesNotContain("\n").startsWith("tunelog run: invalid spec ")
                .endsWith(" at trial.resources.gpus: expected at most 4, the GPUs of the workers tunelog run starts: 0,1,2,3 "
                        + "(--gpus; --gpus names others), found 8");
        try (Admin admin = KafkaClients.of(KAFKA.bootstrapServers()).admin()) {
            assertThat(admin.listTopics().names().get()).as("nothing reached Kafka").doesNotContain(Topics.SUBMISSIONS, Topics.EVENTS);
        }
    }
}
