package io.tunelog.domain.spec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vertx.core.json.JsonObject;
import io.vertx.json.schema.Draft;
import io.vertx.json.schema.JsonSchema;
import io.vertx.json.schema.JsonSchemaOptions;
import io.vertx.json.schema.OutputFormat;
import io.vertx.json.schema.OutputUnit;
import io.vertx.json.schema.Validator;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The spec's JSON Schema ({@code tunelog-spec.schema.json}, the resource of tunelog-schemas that editors and the
 * gateway's OpenAPI document use) held to the parser both ways: every spec of the examples and of the tests that the
 * parser accepts validates; wrong specs the parser refuses are refused by the schema where a schema can say so; and the
 * schema describes exactly the keys the parser knows ({@link SpecKeys}) and the searchers and schedulers it has.
 */
class SpecSchemaTest {
    /** The repository, from this module's directory, where surefire runs. */
    static final Path ROOT = Path.of("../../..").toAbsolutePath().normalize();
    static final Pattern TEXT_BLOCK = Pattern.compile("\"\"\"\\n(.*?)\"\"\"", Pattern.DOTALL);
    static final String BASE = """
            name: schema-test
            metric: {name: score, mode: max}
            budget: {trials: 3}
            searchSpace:
              x: {uniform: [0, 1]}
            trial:
              command: [python3, train.py]
            """;

    static JsonNode schema;
    static Validator validator;

    @BeforeAll
    static void load() throws IOException {
        try (InputStream in = SpecSchemaTest.class.getResourceAsStream("/tunelog-spec.schema.json")) {
            assertThat(in).as("tunelog-spec.schema.json on the class path").isNotNull();
            String text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            schema = new ObjectMapper().readTree(text);
            validator = Validator.create(JsonSchema.of(new JsonObject(text)), new JsonSchemaOptions()
                    .setDraft(Draft.DRAFT202012).setBaseUri("https://tunelog.io/schemas/").setOutputFormat(OutputFormat.Basic));
        }
    }

    @Test
    void shouldAcceptEverySpecOfTheExamplesAndTheTestsThatTheParserAccepts() throws IOException {
        Map<String, String> specs = new LinkedHashMap<>();
        for (Path file : files("yaml")) {
            String text = Files.readString(file);
            if (text.contains("searchSpace:")) {
                specs.put(ROOT.relativize(file).toString(), text);
            }
        }
        int files = specs.size();
        for (Path source : files("java")) {
            if (!source.toString().contains("/src/test/")) {
                continue;
            }
            Matcher block = TEXT_BLOCK.matcher(Files.readString(source));
            for (int i = 0; block.find(); i++) {
                String text = block.group(1).stripIndent().translateEscapes();
                if (text.contains("searchSpace:") && parses(text)) {
                    specs.put(ROOT.relativize(source) + " text block " + i, text);
                }
            }
        }
        assertThat(files).as("the examples and spec files found under %s", ROOT).isGreaterThanOrEqualTo(11);
        assertThat(specs.size() - files).as("specs in the tests' text blocks").isGreaterThan(50);

        for (Map.Entry<String, String> spec : specs.entrySet()) {
            ExperimentSpec parsed = SpecParser.parse(spec.getValue());
            assertThat(problems(SpecParser.document(spec.getValue()))).as(spec.getKey()).isEmpty();
            // The canonical JSON the log stores (and the gateway shows) is a spec too, once the defaults it writes out as
            // null are dropped: the schema refuses an empty value, which the parser reads as not given.
            JsonNode canonical = withoutNulls(SpecParser.document(SpecJson.toJson(parsed)));
            assertThat(problems(canonical)).as(spec.getKey() + " in canonical JSON").isEmpty();
        }
    }

    @Test
    void shouldRefuseWhatTheParserRefusesWhereASchemaCanSaySo() {
        List<Map.Entry<String, String>> wrong = new ArrayList<>();
        wrong.add(Map.entry("bugdet", BASE + "bugdet: {trials: 3}\n"));
        wrong.add(Map.entry("budget.trials", BASE.replace("trials: 3", "trials: many")));
        wrong.add(Map.entry("budget.trials", BASE.replace("trials: 3", "trials: 0")));
        wrong.add(Map.entry("budget.seconds", BASE.replace("trials: 3", "trials: 3, seconds: 0")));
        wrong.add(Map.entry("budget.concurrency", BASE.replace("trials: 3", "trials: 3, concurrency: 2")));
        wrong.add(Map.entry("name", BASE.replace("name: schema-test", "name: schema test")));
        wrong.add(Map.entry("seed", BASE + "seed: lucky\n"));
        wrong.add(Map.entry("metric.mode", BASE.replace("mode: max", "mode: sideways")));
        wrong.add(Map.entry("metric.goal", BASE.replace("mode: max}", "mode: max, goal: 1}")));
        wrong.add(Map.entry("searcher.type", BASE + "searcher: {type: annealing}\n"));
        wrong.add(Map.entry("searcher", BASE + "searcher: {startupTrials: 5}\n"));
        wrong.add(Map.entry("scheduler.type", BASE + "scheduler: {type: bogus}\n"));
        wrong.add(Map.entry("scheduler.maxT", BASE + "scheduler: {type: asha, maxT: {a: 1}}\n"));
        wrong.add(Map.entry("searchSpace.x", BASE.replace("{uniform: [0, 1]}", "{unifrom: [0, 1]}")));
        wrong.add(Map.entry("searchSpace.x", BASE.replace("{uniform: [0, 1]}", "{uniform: [0, 1], choice: [a]}")));
        wrong.add(Map.entry("searchSpace.x.uniform", BASE.replace("{uniform: [0, 1]}", "{uniform: [0, 1, 2]}")));
        wrong.add(Map.entry("searchSpace.x.loguniform[0]", BASE.replace("{uniform: [0, 1]}", "{loguniform: [0, 1]}")));
        wrong.add(Map.entry("searchSpace.x.randint[0]", BASE.replace("{uniform: [0, 1]}", "{randint: [0.5, 3]}")));
        wrong.add(Map.entry("searchSpace.x.choice", BASE.replace("{uniform: [0, 1]}", "{choice: []}")));
        wrong.add(Map.entry("searchSpace.x.choice[1]", BASE.replace("{uniform: [0, 1]}", "{choice: [a, a]}")));
        wrong.add(Map.entry("searchSpace", BASE.replace("searchSpace:\n  x: {uniform: [0, 1]}", "searchSpace: {}")));
        wrong.add(Map.entry("trial.command", BASE.replace("[python3, train.py]", "python3 train.py")));
        wrong.add(Map.entry("trial.command[0]", BASE.replace("[python3, train.py]", "[\"\"]")));
        wrong.add(Map.entry("trial", BASE.replace("  command: [python3, train.py]", "  maxFailures: 1")));
        wrong.add(Map.entry("trial ", BASE + "  trainable: com.example.Train\n"));
        wrong.add(Map.entry("trial.retries", BASE + "  retries: 2\n"));
        wrong.add(Map.entry("trial.resources.gpus", BASE + "  resources: {gpus: -1}\n"));
        wrong.add(Map.entry("trial.checkpoint.scoreMode", BASE + "  checkpoint: {scoreMode: best}\n"));
        wrong.add(Map.entry("trial.stop", BASE + "  stop: {}\n"));
        wrong.add(Map.entry("trial.stop.val_loss", BASE + "  stop: {val_loss: 0.5}\n"));
        wrong.add(Map.entry("goal", BASE + "goal: {above: 1, below: 2}\n"));
        wrong.add(Map.entry("plateau.top", BASE + "plateau: {top: 1}\n"));
        wrong.add(Map.entry("robust.radius", BASE + "robust: {radius: 0.9}\n"));
        wrong.add(Map.entry("constraints[0]", BASE + "constraints: [{name: mem, above: 1, below: 2}]\n"));
        wrong.add(Map.entry("warmStart.from", BASE + "warmStart: {from: []}\n"));
        wrong.add(Map.entry("warmStart.from[0]", BASE + "warmStart: {from: [../x]}\n"));

        for (Map.Entry<String, String> spec : wrong) {
            assertThatThrownBy(() -> SpecParser.parse(spec.getValue())).as(spec.getKey()).isInstanceOf(SpecException.class);
            assertThat(problems(SpecParser.document(spec.getValue()))).as("the schema on a wrong %s", spec.getKey()).isNotEmpty();
        }
        assertThat(problems(SpecParser.document(BASE))).isEmpty();
    }

    @Test
    void shouldDescribeExactlyTheKeysTheParserKnows() {
        Map<String, String> where = Map.ofEntries(
                Map.entry("", ""),
                Map.entry("metric", "/$defs/objective"),
                Map.entry("metric[]", "/properties/metric/anyOf/1/items/$ref"),
                Map.entry("constraints[]", "/properties/constraints/items"),
                Map.entry("budget", "/properties/budget"),
                Map.entry("trial", "/properties/trial"),
                Map.entry("trial.resources", "/properties/trial/properties/resources"),
                Map.entry("trial.checkpoint", "/properties/trial/properties/checkpoint"),
                Map.entry("trial.stop", "/properties/trial/properties/stop"),
                Map.entry("trial.stop.<metric>", "/$defs/bounds"),
                Map.entry("robust", "/properties/robust"),
                Map.entry("warmStart", "/properties/warmStart"),
                Map.entry("goal", "/$defs/bound"),
                Map.entry("plateau", "/properties/plateau"),
                Map.entry("searcher", "/properties/searcher"),
                Map.entry("scheduler", "/properties/scheduler"));
        assertThat(where.keySet()).isEqualTo(SpecKeys.bySection().keySet());
        assertThat(schema.at("/properties/metric/anyOf/0/$ref").asText()).isEqualTo("#/$defs/objective");
        assertThat(schema.at("/properties/metric/anyOf/1/items/$ref").asText()).isEqualTo("#/$defs/objective");
        assertThat(schema.at("/properties/goal/$ref").asText()).isEqualTo("#/$defs/bound");
        assertThat(schema.at("/properties/trial/properties/stop/additionalProperties/$ref").asText()).isEqualTo("#/$defs/bounds");

        SpecKeys.bySection().forEach((section, keys) -> {
            String pointer = where.get(section);
            JsonNode node = pointer.endsWith("$ref") ? schema.at(schema.at(pointer).asText().substring(1)) : schema.at(pointer);
            assertThat(names(node.get("properties"))).as("the properties of %s", section.isEmpty() ? "the spec" : section)
                    .containsExactlyInAnyOrderElementsOf(keys);
            // Where the parser takes no other key, neither does the schema; searcher, scheduler and trial.stop take more.
            if (!Set.of("searcher", "scheduler", "trial.stop").contains(section)) {
                assertThat(node.get("additionalProperties").asBoolean(true)).as("additionalProperties of %s", section).isFalse();
            }
        });
        Set<String> searchers = new TreeSet<>(SearcherType.names());
        searchers.add(SearcherChoice.AUTO);
        assertThat(names(schema.at("/properties/searcher/properties/type/enum"))).isEqualTo(searchers);
        assertThat(names(schema.at("/properties/scheduler/properties/type/enum"))).isEqualTo(SchedulerType.names());
        Set<String> parameterKeys = new TreeSet<>(SpecKeys.PARAM_TYPES);
        parameterKeys.add(SpecKeys.WHEN);
        assertThat(names(schema.at("/$defs/parameter/properties"))).isEqualTo(parameterKeys);
        assertThat(names(schema.at("/$defs/group/propertyNames/not/enum"))).isEqualTo(parameterKeys);
        // Editors show these as they complete.
        schema.get("properties").forEach(p -> assertThat(p.has("description")).as(p.toString()).isTrue());
    }

    /** What the schema finds wrong with {@code spec}, one line each; empty when it validates. */
    static List<String> problems(JsonNode spec) {
        OutputUnit out = validator.validate(new JsonObject(spec.toString()));
        if (Boolean.TRUE.equals(out.getValid())) {
            return List.of();
        }
        List<OutputUnit> errors = out.getErrors() == null || out.getErrors().isEmpty() ? List.of(out) : out.getErrors();
        return errors.stream().map(e -> e.getInstanceLocation() + ": " + e.getError()).toList();
    }

    static JsonNode withoutNulls(JsonNode node) {
        if (node.isObject()) {
            ((com.fasterxml.jackson.databind.node.ObjectNode) node).properties().removeIf(e -> e.getValue().isNull());
        }
        node.forEach(SpecSchemaTest::withoutNulls);
        return node;
    }

    static boolean parses(String text) {
        try {
            SpecParser.parse(text);
            return true;
        } catch (SpecException e) {
            return false;
        }
    }

    static Set<String> names(JsonNode node) {
        Set<String> names = new TreeSet<>();
        if (node.isArray()) {
            node.forEach(n -> names.add(n.asText()));
        } else {
            node.fieldNames().forEachRemaining(names::add);
        }
        return names;
    }

    /** The repository's files ending in {@code .ext}, outside build output and version control. */
    static List<Path> files(String ext) {
        try (Stream<Path> walk = Files.walk(ROOT)) {
            return walk.filter(p -> p.toString().endsWith("." + ext))
                    .filter(p -> Stream.of("/target/", "/.git/", "/node_modules/").noneMatch(p.toString()::contains))
                    .sorted().collect(Collectors.toCollection(ArrayList::new));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
