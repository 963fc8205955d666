package io.tunelog.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.tunelog.kafka.KafkaClients;
import io.tunelog.kafka.Topics;
import io.tunelog.kafka.testing.KafkaBrokerExtension;
import java.io.File;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.file.DataFileWriter;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.clients.admin.Admin;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import picocli.CommandLine;

/**
 * Every subcommand, given bad input, answers in one line on stderr naming what is wrong, exits non-zero and shows no
 * stack trace. The cases run in this JVM through the same entry point as {@code main}, with its stdout and stderr
 * captured; the table in docs/RELIABILITY.md is made from target/bad-input.md, which this test writes.
 */
class BadInputTest {
    @RegisterExtension
    static final KafkaBrokerExtension KAFKA = new KafkaBrokerExtension();

    @TempDir
    static Path dir;

    /** Held open through the whole test, so its port is in use. */
    static ServerSocket busy;
    static String closed;
    static final List<String> TABLE = new ArrayList<>();

    static final String SPEC = """
            name: bad-input
            metric: {name: acc, mode: max}
            budget: {trials: 2, concurrent: 1}
            searchSpace: {lr: {uniform: [0, 1]}}
            trial: {command: [python3, train.py]}
            """;

    @BeforeAll
    static void files() throws IOException {
        // A cluster the services have prepared, where an unknown experiment is simply not in the log.
        try (Admin admin = KafkaClients.of(KAFKA.bootstrapServers()).admin()) {
            Topics.ensure(admin, new Topics.Layout(1, (short) 1));
        }
        busy = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closed = "127.0.0.1:" + s.getLocalPort();
        }
        Files.writeString(dir.resolve("spec.yaml"), SPEC);
        Files.writeString(dir.resolve("text.txt"), "not an archive\n");
        Files.writeString(dir.resolve("empty.avro"), "");
        Files.writeString(dir.resolve("tokens"), "this is not a tokens file\n");
        Files.writeString(dir.resolve("empty-password"), "");
        Files.createDirectories(dir.resolve("certs"));
        Schema other = SchemaBuilder.record("Song").fields().requiredString("title").endRecord();
        try (DataFileWriter<GenericRecord> w = new DataFileWriter<>(new GenericDatumWriter<GenericRecord>(other))) {
            w.create(other, dir.resolve("songs.avro").toFile());
            GenericRecord song = new GenericData.Record(other);
            song.put("title", "not a log");
            w.append(song);
        }
    }

    @AfterAll
    static void table() throws IOException {
        busy.close();
        Path out = Path.of("target", "bad-input.md");
        Files.createDirectories(out.getParent());
        Files.write(out, TABLE);
    }

    static Stream<Arguments> cases() {
        String kafka = KAFKA.bootstrapServers();
        String port = String.valueOf(busy.getLocalPort());
        return Stream.of(
                bad("run", "a missing spec file", "missing.yaml", "run", "@/missing.yaml"),
                bad("run", "an empty spec file", "empty.avro", "run", "@/empty.avro"),
                bad("run", "a bad value for a flag", "--workers", "run", "@/spec.yaml", "--workers", "many"),
                bad("submit", "a missing spec file", "missing.yaml", "submit", "@/missing.yaml", "-b", kafka),
                bad("submit", "an unreachable broker", closed, "submit", "@/spec.yaml", "-b", closed, "--kafka-timeout", "1"),
                bad("cancel", "an unknown experiment", "nope", "cancel", "nope", "-b", kafka, "--timeout", "2"),
                bad("cancel", "an unreachable broker", closed, "cancel", "x", "-b", closed, "--kafka-timeout", "1"),
                bad("enqueue", "an unknown experiment", "nope", "enqueue", "nope", "{\"lr\": 0.5}", "-b", kafka, "--timeout", "2"),
                bad("enqueue", "text that is not JSON", "config", "enqueue", "x", "{lr", "-b", kafka),
                bad("enqueue", "an unreachable broker", closed, "enqueue", "x", "{\"lr\": 0.5}", "-b", closed, "--kafka-timeout", "1"),
                bad("services", "an unknown service", "bogus", "services", "--only", "bogus", "-b", kafka),
                bad("services", "a missing key file", "missing-key.pem", "services", "--key", "@/missing-key.pem", "-b", kafka),
                bad("services", "a missing client config file", "missing.properties", "services", "-b", kafka,
                        "--client-config", "@/missing.properties"),
                bad("services", "a port in use", port, "services", "-b", kafka, "--health-port", port, "--storage", "@/results"),
                bad("services", "an unreachable broker", closed, "services", "-b", closed, "--kafka-timeout", "1", "--storage", "@/results"),
                bad("worker", "a sandbox option without --sandbox", "--sandbox-hide", "worker", "--sandbox-hide", "/", "-b", kafka),
                bad("worker", "a missing key file", "missing-key.pem", "worker", "--key", "@/missing-key.pem", "--worker-id", "w1", "-b", kafka),
                bad("worker", "a device given twice", "--gpus", "worker", "--gpus", "0,0", "-b", kafka),
                bad("worker", "a port in use", port, "worker", "-b", kafka, "--health-port", port, "--storage", "@/results"),
                bad("worker", "an unreachable broker", closed, "worker", "-b", closed, "--kafka-timeout", "1", "--storage", "@/results"),
                bad("broker", "a port in use", port, "broker", "--port", port, "--data-dir", "@/broker"),
                bad("broker", "a missing password file", "missing-password", "broker", "--port", "0", "--data-dir", "@/broker2",
                        "--sasl-ssl", "@/certs", "--store-password-file", "@/missing-password", "--admin-password-file", "@/missing-password"),
                bad("security", "no subcommand", "security", "security"),
                bad("security setup", "an unreachable broker", closed, "security", "setup", "-b", closed, "--kafka-timeout", "1"),
                bad("security grant", "an empty password file", "empty-password", "security", "grant", "--user", "u", "--role", "worker",
                        "--password-file", "@/empty-password", "-b", kafka),
                bad("security grant", "an unknown role", "--role", "security", "grant", "--user", "u", "--role", "king", "-b", kafka),
                bad("events", "an unknown experiment", "nope", "events", "nope", "-b", kafka),
                bad("events", "an unreachable broker", closed, "events", "x", "-b", closed, "--kafka-timeout", "1"),
                bad("replay", "a missing archive", "missing.avro", "replay", "x", "--from", "@/missing.avro"),
                bad("replay", "a text file as archive", "text.txt", "replay", "x", "--from", "@/text.txt"),
                bad("replay", "an unknown experiment", "nope", "replay", "nope", "-b", kafka),
                bad("audit", "an Avro file that is not a Tunelog archive", "songs.avro", "audit", "x", "--from", "@/songs.avro"),
                bad("audit", "an empty file as archive", "empty.avro", "audit", "x", "--from", "@/empty.avro"),
                bad("audit", "a text file as archive", "text.txt", "audit", "x", "--from", "@/text.txt"),
                bad("audit", "an unknown experiment", "nope", "audit", "nope", "-b", kafka),
                bad("audit", "an unreachable broker", closed, "audit", "x", "-b", closed, "--kafka-timeout", "1"),
                bad("audit", "an unknown flag", "--bogus", "audit", "x", "--bogus"),
                bad("audit", "a misspelt flag", "did you mean --json?", "audit", "x", "--jsn"),
                bad("state", "an Avro file that is not a Tunelog archive", "songs.avro", "state", "x", "--at", "3", "--from", "@/songs.avro"),
                bad("state", "a bad --at", "--at", "state", "x", "--at", "yesterday", "-b", kafka),
                bad("export", "a text file as archive", "text.txt", "export", "x", "--format", "csv", "--out", "@/x.csv", "--from", "@/text.txt"),
                bad("export", "an unknown format", "--format", "export", "x", "--format", "xml", "--out", "@/x.xml", "-b", kafka),
                bad("whatif", "an unknown experiment", "nope", "whatif", "nope", "--scheduler", "asha", "-b", kafka),
                bad("whatif", "an empty file as archive", "empty.avro", "whatif", "x", "--scheduler", "asha", "--from", "@/empty.avro"),
                bad("slurm", "no subcommand", "slurm", "slurm"),
                bad("slurm scale", "a missing batch script", "missing.sh", "slurm", "scale", "--max", "2", "--script", "@/missing.sh", "-b", kafka),
                bad("slurm scale", "a bad value for a flag", "--min", "slurm", "scale", "--max", "2", "--min", "5", "-b", kafka),
                bad("gateway", "a tokens file that is not one", "tokens", "gateway", "--tokens-file", "@/tokens", "-b", kafka),
                bad("gateway", "a missing tokens file", "missing-tokens", "gateway", "--tokens-file", "@/missing-tokens", "-b", kafka),
                bad("gateway", "a port in use", port, "gateway", "--no-auth", "--port", port, "-b", kafka),
                bad("gateway", "an unreachable broker", closed, "gateway", "--no-auth", "--port", "0", "-b", closed, "--kafka-timeout", "1"),
                bad("token", "no subcommand", "token", "token"),
                bad("token new", "an unknown scope", "--scope", "token", "new", "--scope", "root", "--name", "ci"),
                bad("key", "no subcommand", "key", "key"),
                bad("key new", "a missing --out", "--out", "key", "new"),
                bad("key register", "an unknown role", "--role", "key", "register", "--out", "@/keys", "--role", "root", "--user", "u", "-b", kafka),
                bad("key revoke", "an unknown key", "SHA256:nobody", "key", "revoke", "--fingerprint", "SHA256:nobody", "-b", kafka),
                bad("key list", "an unreachable broker", closed, "key", "list", "-b", closed, "--kafka-timeout", "1"),
                bad("completion", "an unknown flag", "--bogus", "completion", "--bogus"),
                bad("help", "an unknown subcommand", "bogus", "help", "bogus"),
                bad("tunelog", "an unknown subcommand", "bogus", "bogus"));
    }

    static Arguments bad(String command, String input, String named, String... args) {
        return Arguments.of(command, input, named, List.of(args));
    }

    @ParameterizedTest(name = "{0}: {1}")
    @MethodSource("cases")
    void shouldAnswerInOneLineNamingTheProblemWithoutAStackTrace(String command, String input, String named, List<String> args) {
        String[] argv = args.stream().map(a -> a.startsWith("@/") ? dir.resolve(a.substring(2)).toString() : a).toArray(String[]::new);
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int exit = Tunelog.commandLine().setOut(new PrintWriter(out, true)).setErr(new PrintWriter(err, true)).execute(argv);

        String line = err.toString().strip();
        assertThat(exit).as("exit code").isNotZero();
        assertThat(line).as("stderr").isNotEmpty().doesNotContain("\n").contains(named.replace("@/", ""));
        assertThat(out + line).as("output").doesNotContain("Exception").doesNotContain("\tat ");
        TABLE.add("| `" + command + "` | " + input + " | `` " + line.replace(dir.toString(), "DIR").replace("|", "\\|") + " `` | " + exit + " |");
    }

    /**
     * The same, through {@code main} in a JVM of its own, where the Kafka client's and logback's own lines would show
     * too: still exactly one line.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("childCases")
    void shouldPrintOneLineAndNothingElseFromMain(String input, List<String> args) throws Exception {
        Path target = Path.of("target").toAbsolutePath();
        String classPath = target.resolve("classes") + File.pathSeparator + Files.readString(target.resolve("runtime-classpath.txt")).trim();
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", classPath, Tunelog.class.getName()));
        args.forEach(a -> command.add(a.startsWith("@/") ? dir.resolve(a.substring(2)).toString() : a));
        Process main = new ProcessBuilder(command).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        String err = new String(main.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(main.waitFor(60, TimeUnit.SECONDS)).as("ended").isTrue();

        assertThat(main.exitValue()).as("exit code").isNotZero();
        assertThat(err.strip()).as("stderr").isNotEmpty().doesNotContain("\n").doesNotContain("Exception").doesNotContain("\tat ");
    }

    static Stream<Arguments> childCases() {
        return Stream.of(
                Arguments.of("an Avro file that is not a Tunelog archive", List.of("audit", "x", "--from", "@/songs.avro")),
                Arguments.of("an unreachable broker", List.of("audit", "x", "-b", closed, "--kafka-timeout", "1")),
                Arguments.of("a broker whose name does not resolve", List.of("audit", "x", "-b", "nosuchhost.invalid:9092", "--kafka-timeout", "1")),
                Arguments.of("an unknown flag", List.of("audit", "x", "--bogus")));
    }

    @Test
    void shouldPrintTheStackTraceOnlyWithDebug() {
        StringWriter err = new StringWriter();
        String[] args = {"audit", "x", "--from", dir.resolve("songs.avro").toString(), "--debug"};
        int exit = Tunelog.commandLine().setOut(new PrintWriter(new StringWriter())).setErr(new PrintWriter(err, true)).execute(args);

        assertThat(exit).isEqualTo(Tunelog.BAD_INPUT);
        assertThat(err.toString()).contains("songs.avro is not a Tunelog archive").contains("\tat ");
    }

    /** Every command and subcommand has at least one case above. */
    @Test
    void shouldCoverEverySubcommand() {
        Set<String> covered = new TreeSet<>();
        cases().forEach(a -> covered.add((String) a.get()[0]));
        assertThat(covered).containsAll(commands(Tunelog.commandLine(), ""));
    }

    private static Set<String> commands(CommandLine cmd, String prefix) {
        Set<String> names = new TreeSet<>();
        cmd.getSubcommands().forEach((name, sub) -> {
            if (sub.getCommandName().equals(name)) { // not an alias
                names.add(prefix + name);
                names.addAll(commands(sub, prefix + name + " "));
            }
        });
        return names;
    }
}
