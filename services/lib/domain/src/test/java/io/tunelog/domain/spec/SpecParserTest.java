package io.tunelog.domain.spec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.assertj.core.api.Assertions.entry;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

class SpecParserTest {
    /** Every field set, none to its default. Malformed cases are this text with one edit. */
    static final String VALID = """
            name: xgb-digits
            metric: {name: val_accuracy, mode: max}
            seed: 42
            budget: {trials: 64, concurrent: 8}
            searchSpace:
              eta:       {loguniform: [0.001, 0.3]}
              max_depth: {randint: [2, 10]}
              subsample: {uniform: [0.5, 1.0]}
              booster:   {choice: [gbtree, dart]}
              lr:        {grid: [0.1, 1, true]}
            searcher:  {type: random, maxRetries: 3, note: fast}
            scheduler: {type: fifo, grace: 1.5}
            trial:
              command: [python3, train.py]
              maxFailures: 2
              checkpoint: {keep: 2, scoreAttribute: val_loss, scoreMode: min}
              reportTimeoutSeconds: 600
            """;

    /** Only the required fields. */
    static final String MINIMAL = """
            name: d
            metric: {name: loss, mode: min}
            budget: {trials: 3}
            searchSpace: {x: {uniform: [0, 1]}}
            trial: {trainable: com.example.Train}
            """;

    @Nested
    class ValidSpecs {
        @Test
        void shouldReadEveryFieldOfAFullSpec() {
            ExperimentSpec spec = SpecParser.parse(VALID);

            assertThat(spec.name()).isEqualTo("xgb-digits");
            assertThat(spec.metric()).isEqualTo(new Metric("val_accuracy", Mode.MAX));
            assertThat(spec.seed()).isEqualTo(42L);
            assertThat(spec.budget()).isEqualTo(new Budget(64, 8));
            assertThat(spec.searchSpace().params()).containsExactly(
                    entry("eta", new ParamDomain.Uniform(0.001, 0.3, true, 0)),
                    entry("max_depth", new ParamDomain.IntRange(2, 10, false, 0)),
                    entry("subsample", new ParamDomain.Uniform(0.5, 1.0, false, 0)),
                    entry("booster", new ParamDomain.Choice(List.of("gbtree", "dart"))),
                    entry("lr", new ParamDomain.Grid(List.of(0.1, 1L, true))));
            assertThat(spec.searcher()).isEqualTo(new SearcherSpec("random", Map.of("maxRetries", 3L, "note", "fast")));
            assertThat(spec.scheduler()).isEqualTo(new SchedulerSpec("fifo", Map.of("grace", 1.5)));
            assertThat(spec.trial().command()).containsExactly("python3", "train.py");
            assertThat(spec.trial().trainable()).isNull();
            assertThat(spec.trial().maxFailures()).isEqualTo(2);
            assertThat(spec.trial().checkpoint()).isEqualTo(new CheckpointSpec(2, "val_loss", Mode.MIN));
            assertThat(spec.trial().reportTimeoutSeconds()).isEqualTo(600);
        }

        @Test
        void shouldFillEveryDefaultWhenOptionalFieldsAreLeftOut() {
            ExperimentSpec spec = SpecParser.parse(MINIMAL);

            assertThat(spec.seed()).isZero();
            assertThat(spec.budget()).isEqualTo(new Budget(3, 1));
            assertThat(spec.searcher()).as("picked by the rule, which says so").isEqualTo(new SearcherSpec("gp", Map.of(), "auto/1"));
            assertThat(spec.scheduler()).isEqualTo(new SchedulerSpec("fifo", Map.of()));
            assertThat(spec.trial().command()).isEmpty();
            assertThat(spec.trial().trainable()).isEqualTo("com.example.Train");
            assertThat(spec.trial().maxFailures()).isZero();
            assertThat(spec.trial().checkpoint()).isEqualTo(new CheckpointSpec(1, null, Mode.MIN));
            assertThat(spec.trial().reportTimeoutSeconds()).as("no report timeout").isNull();
        }

        @Test
        void shouldAcceptASpecJustUnderTheSizeLimit() {
            String padding = "#".repeat(SpecParser.MAX_SPEC_BYTES - MINIMAL.length() - 1) + "\n";

            assertThat(SpecParser.parse(MINIMAL + padding).name()).isEqualTo("d");
        }

        @Test
        void shouldTakeTheCheckpointScoreModeFromTheMetricWhenNotGiven() {
            ExperimentSpec spec = SpecParser.parse(VALID.replace(", scoreMode: min", ""));

            assertThat(spec.trial().checkpoint()).isEqualTo(new CheckpointSpec(2, "val_loss", Mode.MAX));
        }

        @Test
        void shouldTreatAnEmptyValueAsNotGiven() {
            ExperimentSpec spec = SpecParser.parse(MINIMAL + "seed:\nsearcher:\n");

            assertThat(spec.seed()).isZero();
            assertThat(spec.searcher()).isEqualTo(new SearcherSpec("gp", Map.of(), SearcherChoice.RULE));
        }

        @Test
        void shouldReadTheModeInAnyCase() {
            assertThat(SpecParser.parse(VALID.replace("mode: max", "mode: MAX")).metric().mode()).isEqualTo(Mode.MAX);
            assertThat(SpecParser.parse(VALID.replace("mode: max", "mode: Min")).metric().mode()).isEqualTo(Mode.MIN);
        }

        @Test
        void shouldReadJsonToo() {
            ExperimentSpec spec = SpecParser.parse("""
                    {"name": "j", "metric": {"name": "m", "mode": "max"}, "budget": {"trials": 2},
                     "searchSpace": {"x": {"choice": ["a", 2, 2.5, false]}}, "trial": {"command": ["run"]}}
                    """);

            assertThat(spec.searchSpace().params().get("x")).isEqualTo(new ParamDomain.Choice(List.of("a", 2L, 2.5, false)));
        }

        @Test
        void shouldKeepChoiceValuesAsStringLongDoubleOrBoolean() {
            ExperimentSpec spec = SpecParser.parse(VALID.replace("[gbtree, dart]", "[gbtree, 3, 3.0, true, '3', yes, 1e3]"));

            // 3 and 3.0 are different values (a Long and a Double); yes is a string, as in YAML 1.2.
            assertThat(spec.searchSpace().params().get("booster"))
                    .isEqualTo(new ParamDomain.Choice(List.of("gbtree", 3L, 3.0, true, "3", "yes", 1000.0)));
        }

        @Test
        void shouldKeepParametersInTheOrderWritten() {
            ExperimentSpec spec = SpecParser.parse(VALID);

            assertThat(spec.searchSpace().params().keySet()).containsExactly("eta", "max_depth", "subsample", "booster", "lr");
        }

        @Test
        void shouldAcceptTheGridSearcherWithAGridParameter() {
            ExperimentSpec spec = SpecParser.parse(VALID.replace("type: random", "type: grid"));

            assertThat(spec.searcher().type()).isEqualTo("grid");
        }

        @Test
        void shouldReadBackItsOwnCanonicalJson() {
            ExperimentSpec spec = SpecParser.parse(VALID);

            assertThat(SpecParser.parse(SpecJson.toJson(spec))).isEqualTo(spec);
        }
    }

    @Nested
    class Bounds {
        @Test
        void shouldRejectUniformWithInvertedBounds() {
            assertRejectedAt(VALID.replace("uniform: [0.5, 1.0]", "uniform: [1.0, 0.5]"), "searchSpace.subsample.uniform");
        }

        @Test
        void shouldRejectUniformWithEqualBounds() {
            assertRejectedAt(VALID.replace("uniform: [0.5, 1.0]", "uniform: [0.5, 0.5]"), "searchSpace.subsample.uniform");
        }

        @Test
        void shouldRejectLogUniformWithInvertedBounds() {
            assertRejectedAt(VALID.replace("[0.001, 0.3]", "[0.3, 0.001]"), "searchSpace.eta.loguniform");
        }

        @Test
        void shouldRejectRandIntWithInvertedBounds() {
            assertRejectedAt(VALID.replace("[2, 10]", "[10, 2]"), "searchSpace.max_depth.randint");
        }

        @Test
        void shouldRejectRandIntWithEqualBoundsSinceHighIsExclusive() {
            assertRejectedAt(VALID.replace("[2, 10]", "[2, 2]"), "searchSpace.max_depth.randint");
        }

        @Test
        void shouldRejectLogUniformWithNonPositiveBound() {
            assertRejectedAt(VALID.replace("[0.001, 0.3]", "[0, 0.3]"), "searchSpace.eta.loguniform[0]");
            assertRejectedAt(VALID.replace("[0.001, 0.3]", "[-1, 0.3]"), "searchSpace.eta.loguniform[0]");
        }

        @Test
        void shouldRejectNonNumericBoundNamingTheBound() {
            SpecException e = assertRejectedAt(VALID.replace("[0.5, 1.0]", "[abc, 1.0]"), "searchSpace.subsample.uniform[0]");

            assertThat(e.getMessage()).contains("expected a number", "\"abc\"");
        }

        @Test
        void shouldRejectNumericLookingStringAsBound() {
            assertRejectedAt(VALID.replace("[0.5, 1.0]", "[0.5, '1.0']"), "searchSpace.subsample.uniform[1]");
        }

        @Test
        void shouldRejectBooleanAsBound() {
            assertRejectedAt(VALID.replace("[0.5, 1.0]", "[true, 1.0]"), "searchSpace.subsample.uniform[0]");
        }

        @Test
        void shouldRejectInfiniteBound() {
            assertRejectedAt(VALID.replace("[0.5, 1.0]", "[0.5, 1e999]"), "searchSpace.subsample.uniform[1]");
            assertRejectedAt(VALID.replace("[0.5, 1.0]", "[0.5, .inf]"), "searchSpace.subsample.uniform[1]");
        }

        @Test
        void shouldRejectNotANumberAsBound() {
            assertRejectedAt(VALID.replace("[0.5, 1.0]", "[.nan, 1.0]"), "searchSpace.subsample.uniform[0]");
        }

        @Test
        void shouldRejectFloatAsRandIntBound() {
            assertRejectedAt(VALID.replace("[2, 10]", "[2.0, 10]"), "searchSpace.max_depth.randint[0]");
        }

        @Test
        void shouldRejectBoundsThatAreNotAPair() {
            assertRejectedAt(VALID.replace("[0.5, 1.0]", "[0.5, 1.0, 2.0]"), "searchSpace.subsample.uniform");
            assertRejectedAt(VALID.replace("[0.5, 1.0]", "0.5"), "searchSpace.subsample.uniform");
        }
    }

    @Nested
    class Parameters {
        @Test
        void shouldRejectUnknownParameterTypeListingTheKnownOnes() {
            SpecException e = assertRejectedAt(VALID.replace("uniform: [0.5, 1.0]", "gaussian: [0.5, 1.0]"), "searchSpace.subsample");

            assertThat(e.getMessage()).contains("\"gaussian\"", "uniform", "loguniform", "randint", "choice", "grid");
        }

        @Test
        void shouldRejectParameterWithTwoTypes() {
            assertRejectedAt(VALID.replace("{uniform: [0.5, 1.0]}", "{uniform: [0.5, 1.0], choice: [1]}"), "searchSpace.subsample");
        }

        @Test
        void shouldRejectParameterWithNoType() {
            assertRejectedAt(VALID.replace("{uniform: [0.5, 1.0]}", "{}"), "searchSpace.subsample");
        }

        @Test
        void shouldRejectEmptyChoice() {
            assertRejectedAt(VALID.replace("[gbtree, dart]", "[]"), "searchSpace.booster.choice");
        }

        @Test
        void shouldRejectEmptyGrid() {
            assertRejectedAt(VALID.replace("[0.1, 1, true]", "[]"), "searchSpace.lr.grid");
        }

        @Test
        void shouldRejectDuplicateChoiceNamingTheSecond() {
            assertRejectedAt(VALID.replace("[gbtree, dart]", "[gbtree, dart, gbtree]"), "searchSpace.booster.choice[2]");
        }

        @Test
        void shouldRejectNullChoice() {
            assertRejectedAt(VALID.replace("[gbtree, dart]", "[gbtree, null]"), "searchSpace.booster.choice[1]");
        }

        @Test
        void shouldRejectNestedListAsChoice() {
            assertRejectedAt(VALID.replace("[gbtree, dart]", "[gbtree, [dart]]"), "searchSpace.booster.choice[1]");
        }

        @Test
        void shouldRejectEmptySearchSpace() {
            assertRejectedAt(MINIMAL.replace("{x: {uniform: [0, 1]}}", "{}"), "searchSpace");
        }

        @Test
        void shouldRejectParameterNameStartingWithADigit() {
            assertRejectedAt(MINIMAL.replace("{x: {uniform", "{1x: {uniform"), "searchSpace.1x");
        }
    }

    @Nested
    class MetricAndBudget {
        @Test
        void shouldRejectMissingMetric() {
            assertRejectedAt(VALID.replace("metric: {name: val_accuracy, mode: max}\n", ""), "metric");
        }

        @Test
        void shouldRejectModeOtherThanMinOrMax() {
            SpecException e = assertRejectedAt(VALID.replace("mode: max", "mode: maximize"), "metric.mode");

            assertThat(e.getMessage()).contains("min or max", "\"maximize\"");
        }

        @Test
        void shouldRejectMetricWithoutName() {
            assertRejectedAt(VALID.replace("name: val_accuracy, ", ""), "metric.name");
        }

        @Test
        void shouldRejectBudgetOfZeroTrials() {
            assertRejectedAt(VALID.replace("trials: 64", "trials: 0"), "budget.trials");
        }

        @Test
        void shouldRejectNegativeBudget() {
            assertRejectedAt(VALID.replace("trials: 64", "trials: -1"), "budget.trials");
        }

        @Test
        void shouldRejectBudgetWrittenAsFloat() {
            assertRejectedAt(VALID.replace("trials: 64", "trials: 2.0"), "budget.trials");
        }

        @Test
        void shouldRejectBudgetBeyondIntRange() {
            assertRejectedAt(VALID.replace("trials: 64", "trials: 3000000000"), "budget.trials");
        }

        @Test
        void shouldRejectMissingBudgetTrials() {
            assertRejectedAt(VALID.replace("trials: 64, ", ""), "budget.trials");
        }

        @Test
        void shouldRejectZeroConcurrency() {
            assertRejectedAt(VALID.replace("concurrent: 8", "concurrent: 0"), "budget.concurrent");
        }

        @Test
        void shouldRejectBooleanSeed() {
            assertRejectedAt(VALID.replace("seed: 42", "seed: true"), "seed");
        }
    }

    @Nested
    class SearcherAndScheduler {
        @Test
        void shouldRejectUnknownSearcher() {
            SpecException e = assertRejectedAt(VALID.replace("type: random", "type: hyperopt"), "searcher.type");

            assertThat(e.getMessage()).contains("\"hyperopt\"", "random", "grid");
        }

        @Test
        void shouldRejectUnknownScheduler() {
            assertRejectedAt(VALID.replace("type: fifo", "type: magic"), "scheduler.type");
        }

        @Test
        void shouldRejectSearcherWithoutType() {
            assertRejectedAt(VALID.replace("type: random, ", ""), "searcher.type");
        }

        @Test
        void shouldRejectGridSearcherWithoutGridParameters() {
            assertRejectedAt(VALID.replace("type: random", "type: grid").replace("{grid: [0.1, 1, true]}", "{choice: [0.1, 1]}"),
                    "searcher.type");
        }

        @Test
        void shouldRejectOptionThatIsNeitherAScalarNorAList() {
            assertRejectedAt(VALID.replace("note: fast", "note: {speed: fast}"), "searcher.note");
        }
    }

    @Nested
    class Trial {
        @Test
        void shouldRejectEmptyCommand() {
            assertRejectedAt(VALID.replace("[python3, train.py]", "[]"), "trial.command");
        }

        @Test
        void shouldRejectCommandWithAnEmptyString() {
            assertRejectedAt(VALID.replace("[python3, train.py]", "[python3, \"\"]"), "trial.command[1]");
        }

        @Test
        void shouldRejectCommandAsOneShellString() {
            SpecException e = assertRejectedAt(VALID.replace("[python3, train.py]", "\"python3 train.py\""), "trial.command");

            assertThat(e.getMessage()).contains("argument list");
        }

        @Test
        void shouldRejectUnquotedNumberInCommandSinceYamlWouldRewriteIt() {
            SpecException e = assertRejectedAt(VALID.replace("[python3, train.py]", "[python3, train.py, --lr, 1e-5]"),
                    "trial.command[3]");

            assertThat(e.getMessage()).contains("quote");
        }

        @Test
        void shouldRejectBothCommandAndTrainable() {
            assertRejectedAt(VALID.replace("maxFailures: 2", "maxFailures: 2\n  trainable: a.B"), "trial");
        }

        @Test
        void shouldRejectNeitherCommandNorTrainable() {
            assertRejectedAt(MINIMAL.replace("trainable: com.example.Train", "maxFailures: 1"), "trial");
        }

        @Test
        void shouldRejectTrainableThatIsNotAClassName() {
            assertRejectedAt(MINIMAL.replace("com.example.Train", "\"com.example.Train()\""), "trial.trainable");
        }

        @Test
        void shouldRejectNegativeMaxFailures() {
            assertRejectedAt(VALID.replace("maxFailures: 2", "maxFailures: -1"), "trial.maxFailures");
        }

        @Test
        void shouldRejectAReportTimeoutThatIsNotAPositiveWholeNumberOfSeconds() {
            for (String bad : List.of("0", "-5", "1.5", "10s", "true", "[10]", "3000000000")) {
                assertRejectedAt(VALID.replace("reportTimeoutSeconds: 600", "reportTimeoutSeconds: " + bad), "trial.reportTimeoutSeconds");
            }
        }

        @Test
        void shouldHoldTrialsAtMilestonesUnlessSwitchedOffWithABoolean() {
            assertThat(SpecParser.parse(VALID).trial().holdAtMilestones()).as("on by default").isTrue();
            ExperimentSpec off = SpecParser.parse(VALID.replace("reportTimeoutSeconds: 600", "reportTimeoutSeconds: 600\n  holdAtMilestones: false"));
            assertThat(off.trial().holdAtMilestones()).isFalse();
            assertThat(SpecParser.parse(SpecJson.toJson(off)).trial().holdAtMilestones()).as("kept in the canonical form").isFalse();
            for (String bad : List.of("no", "0", "\"false\"", "[true]")) {
                assertRejectedAt(VALID.replace("reportTimeoutSeconds: 600", "reportTimeoutSeconds: 600\n  holdAtMilestones: " + bad),
                        "trial.holdAtMilestones");
            }
        }

        @Test
        void shouldTakeAnAskAndTellTrialWithNothingForAWorkerToRun() {
            String askAndTell = MINIMAL.replace("trial: {trainable: com.example.Train}", "trial: {askAndTell: true, maxFailures: 1}");
            ExperimentSpec spec = SpecParser.parse(askAndTell);
            assertThat(spec.trial().askAndTell()).isTrue();
            assertThat(spec.trial().command()).isEmpty();
            assertThat(spec.trial().trainable()).isNull();
            assertThat(SpecParser.parse(SpecJson.toJson(spec)).trial()).as("kept in the canonical form").isEqualTo(spec.trial());
            assertThat(SpecJson.toJson(SpecParser.parse(MINIMAL))).as("absent unless set").doesNotContain("askAndTell");
            assertRejectedAt(MINIMAL.replace("{trainable: com.example.Train}", "{askAndTell: true, trainable: com.example.Train}"),
                    "trial.trainable");
            assertRejectedAt(MINIMAL.replace("{trainable: com.example.Train}", "{askAndTell: true, command: [python3]}"),
                    "trial.command");
            assertRejectedAt(MINIMAL.replace("{trainable: com.example.Train}", "{askAndTell: true, reportTimeoutSeconds: 5}"),
                    "trial.reportTimeoutSeconds");
            assertRejectedAt(MINIMAL.replace("{trainable: com.example.Train}", "{askAndTell: yes}"), "trial.askAndTell");
            assertRejectedAt(MINIMAL.replace("{trainable: com.example.Train}", "{askAndTell: false}"), "trial");
        }

        @Test
        void shouldAskForOneCpuAndNoGpuUnlessTrialResourcesSayOtherwise() {
            assertThat(SpecParser.parse(VALID).trial().resources()).isEqualTo(Resources.DEFAULT).isEqualTo(new Resources(1, 0));
            ExperimentSpec gpus = SpecParser.parse(VALID.replace("reportTimeoutSeconds: 600", "reportTimeoutSeconds: 600\n  resources: {gpus: 2}"));
            assertThat(gpus.trial().resources()).isEqualTo(new Resources(1, 2));
            ExperimentSpec both = SpecParser.parse(VALID.replace("reportTimeoutSeconds: 600", "reportTimeoutSeconds: 600\n  resources: {cpus: 4, gpus: 0}"));
            assertThat(both.trial().resources()).isEqualTo(new Resources(4, 0));
            assertThat(SpecParser.parse(SpecJson.toJson(gpus)).trial().resources()).as("kept in the canonical form").isEqualTo(new Resources(1, 2));
            assertThat(SpecJson.toJson(SpecParser.parse(VALID))).as("the default is not written, so older specs read back as written")
                    .doesNotContain("resources");
        }

        @Test
        void shouldRejectTrialResourcesThatAreNotWholeCountsNamingTheField() {
            for (String bad : List.of("-1", "1.5", "two", "true", "[1]", "3000000000")) {
                assertRejectedAt(VALID.replace("reportTimeoutSeconds: 600", "reportTimeoutSeconds: 600\n  resources: {gpus: " + bad + "}"),
                        "trial.resources.gpus");
            }
            for (String bad : List.of("0", "-2", "0.5", "\"4\"")) {
                assertRejectedAt(VALID.replace("reportTimeoutSeconds: 600", "reportTimeoutSeconds: 600\n  resources: {cpus: " + bad + "}"),
                        "trial.resources.cpus");
            }
            assertRejectedAt(VALID.replace("reportTimeoutSeconds: 600", "reportTimeoutSeconds: 600\n  resources: {gpu: 1}"), "trial.resources.gpu");
            assertRejectedAt(VALID.replace("reportTimeoutSeconds: 600", "reportTimeoutSeconds: 600\n  resources: 2"), "trial.resources");
        }

        @Test
        void shouldRejectKeepingZeroCheckpoints() {
            assertRejectedAt(VALID.replace("keep: 2", "keep: 0"), "trial.checkpoint.keep");
        }

        @Test
        void shouldRejectCheckpointScoreModeOtherThanMinOrMax() {
            assertRejectedAt(VALID.replace("scoreMode: min", "scoreMode: lowest"), "trial.checkpoint.scoreMode");
        }
    }

    @Nested
    class Document {
        @Test
        void shouldRejectTextThatIsNotYaml() {
            assertRejectedAt("name: [unclosed\nmetric: {", "(spec)");
        }

        @Test
        void shouldRejectYamlListAtTopLevel() {
            assertRejectedAt("- a\n- b\n", "(spec)");
        }

        @Test
        void shouldRejectBareStringAtTopLevel() {
            assertRejectedAt("hello", "(spec)");
        }

        @Test
        void shouldRejectEmptyText() {
            assertRejectedAt("", "(spec)");
            assertRejectedAt("# only a comment\n", "(spec)");
        }

        @Test
        void shouldRejectNullText() {
            assertRejectedAt(null, "(spec)");
        }

        @Test
        void shouldRejectSecondYamlDocument() {
            assertRejectedAt(VALID + "---\nname: other\n", "(spec)");
        }

        @Test
        void shouldRejectTextOverTheSizeLimitBeforeParsingIt() {
            // Not YAML past the first line: refused for its size, before a parser could complain about anything else.
            String text = MINIMAL + "x".repeat(SpecParser.MAX_SPEC_BYTES) + ": [";
            SpecException e = assertRejectedAt(text, "(spec)");

            assertThat(e.getMessage()).contains("at most 262144 bytes", "found " + text.length() + " bytes");
        }

        @Test
        void shouldCountTheSizeInUtf8Bytes() {
            // 100,000 characters, 300,000 bytes.
            SpecException e = assertRejectedAt(MINIMAL + "# " + "€".repeat(100_000) + "\n", "(spec)");

            assertThat(e.getMessage()).contains("found " + (MINIMAL.length() + 2 + 300_000 + 1) + " bytes");
        }

        @Test
        void shouldRejectASpecWhoseCanonicalFormIsOverTheSizeLimit() {
            // Nested groups flatten to dotted names: the long group name is written once here, 2,000 times in the log's JSON.
            StringBuilder text = new StringBuilder(MINIMAL.replace("searchSpace: {x: {uniform: [0, 1]}}\n", ""));
            text.append("searchSpace:\n  ").append("g".repeat(120)).append(":\n");
            for (int i = 0; i < 2000; i++) {
                text.append("    p").append(i).append(": {uniform: [0, 1]}\n");
            }
            assertThat(text.length()).isLessThan(SpecParser.MAX_SPEC_BYTES / 4);

            SpecException e = assertRejectedAt(text.toString(), "(spec)");

            assertThat(e.getMessage()).contains("in its canonical JSON form");
        }

        @Test
        void shouldRejectUnknownTopLevelKey() {
            assertRejectedAt(VALID + "extra: 1\n", "extra");
        }

        @Test
        void shouldRejectMisspeltNestedKey() {
            assertRejectedAt(VALID.replace("concurrent: 8", "concurent: 8"), "budget.concurent");
            assertRejectedAt(VALID.replace("keep: 2", "kept: 2"), "trial.checkpoint.kept");
        }

        @Test
        void shouldRejectDuplicateKeyNamingIt() {
            assertRejectedAt(VALID.replace("concurrent: 8", "concurrent: 8, trials: 3"), "budget.trials");
        }

        @Test
        void shouldRejectMissingName() {
            assertRejectedAt(VALID.replace("name: xgb-digits\n", ""), "name");
        }

        @Test
        void shouldRejectNameWithCharactersOutsideTheAllowedSet() {
            assertRejectedAt(VALID.replace("name: xgb-digits", "name: a/b"), "name");
            assertRejectedAt(VALID.replace("name: xgb-digits", "name: " + "n".repeat(65)), "name");
        }

        @Test
        void shouldKeepMessagesOnOneLineEvenWhenTheValueHasLineBreaks() {
            SpecException e = assertRejectedAt(VALID.replace("name: xgb-digits", "name: \"a\\nb\""), "name");

            assertThat(e.getMessage()).contains("\"a\\nb\"");
        }
    }

    @Nested
    class Stopping {
        static final String STOPPING = MINIMAL.replace("budget: {trials: 3}", """
                budget: {trials: 3, seconds: 90, maxFailedTrials: 2}
                goal: {below: 0.05}
                plateau: {top: 4, std: 0.01, patience: 3}""")
                .replace("trial: {trainable: com.example.Train}",
                        "trial: {trainable: com.example.Train, stop: {step: 20, seconds: 1.5, val_acc: {above: 0.99}, loss: {above: 9, below: 0.01}}}");

        @Test
        void shouldReadEveryStopCondition() {
            ExperimentSpec spec = SpecParser.parse(STOPPING);

            assertThat(spec.budget()).isEqualTo(new Budget(3, 1, 90.0, 2));
            assertThat(spec.budget().millis()).isEqualTo(90_000L);
            assertThat(spec.goal()).isEqualTo(new Threshold(null, 0.05));
            assertThat(spec.plateau()).isEqualTo(new Plateau(4, 0.01, 3));
            TrialStop stop = spec.trial().stop();
            assertThat(stop.step()).isEqualTo(20L);
            assertThat(stop.millis()).isEqualTo(1500L);
            assertThat(stop.metrics()).containsExactly(entry("loss", new Threshold(9.0, 0.01)), entry("val_acc", new Threshold(0.99, null)));
            assertThat(spec.watchesTime()).isTrue();
        }

        @Test
        void shouldKeepStopConditionsInTheCanonicalFormAndWriteNoneUnlessSet() {
            ExperimentSpec spec = SpecParser.parse(STOPPING);

            assertThat(SpecParser.parse(SpecJson.toJson(spec))).isEqualTo(spec);
            assertThat(SpecJson.toJson(SpecParser.parse(MINIMAL))).doesNotContain("stop", "goal", "plateau", "seconds", "maxFailedTrials");
            assertThat(SpecParser.parse(MINIMAL).watchesTime()).isFalse();
        }

        @Test
        void shouldDefaultThePlateausSettingsAsRayTuneDoes() {
            assertThat(SpecParser.parse(MINIMAL + "plateau: {}\n").plateau()).isEqualTo(new Plateau(10, 0.001, 1));
        }

        @Test
        void shouldRefuseANonPositiveOrTooShortBudgetOfSeconds() {
            assertThat(assertRejectedAt(STOPPING.replace("seconds: 90", "seconds: 0"), "budget.seconds").getMessage())
                    .isEqualTo("budget.seconds: expected a number of seconds from 0.001 to 1000000000, found 0");
            assertRejectedAt(STOPPING.replace("seconds: 90", "seconds: -5"), "budget.seconds");
            assertRejectedAt(STOPPING.replace("seconds: 90", "seconds: 0.0001"), "budget.seconds");
            assertRejectedAt(STOPPING.replace("seconds: 90", "seconds: an hour"), "budget.seconds");
        }

        @Test
        void shouldRefuseANegativeOrFractionalMaxFailedTrials() {
            assertRejectedAt(STOPPING.replace("maxFailedTrials: 2", "maxFailedTrials: -1"), "budget.maxFailedTrials");
            assertRejectedAt(STOPPING.replace("maxFailedTrials: 2", "maxFailedTrials: 1.5"), "budget.maxFailedTrials");
            assertThat(SpecParser.parse(STOPPING.replace("maxFailedTrials: 2", "maxFailedTrials: 0")).budget().maxFailedTrials()).isZero();
        }

        @Test
        void shouldRefuseAGoalOnTheSideTheMetricDoesNotImproveTowards() {
            SpecException e = assertRejectedAt(STOPPING.replace("goal: {below: 0.05}", "goal: {above: 0.05}"), "goal.above");

            assertThat(e.getMessage()).isEqualTo("goal.above: expected below for metric \"loss\", which is minimised, found above");
        }

        @Test
        void shouldRefuseAGoalWithBothBoundsNoneOrAnUnknownOne() {
            assertRejectedAt(STOPPING.replace("goal: {below: 0.05}", "goal: {below: 0.05, above: 1}"), "goal");
            assertRejectedAt(STOPPING.replace("goal: {below: 0.05}", "goal: {}"), "goal");
            assertRejectedAt(STOPPING.replace("goal: {below: 0.05}", "goal: 0.05"), "goal");
            assertRejectedAt(STOPPING.replace("goal: {below: 0.05}", "goal: {under: 0.05}"), "goal.under");
            assertRejectedAt(STOPPING.replace("goal: {below: 0.05}", "goal: {below: .nan}"), "goal.below");
        }

        @Test
        void shouldRefuseBadPlateauSettings() {
            assertRejectedAt(STOPPING.replace("top: 4", "top: 1"), "plateau.top");
            assertRejectedAt(STOPPING.replace("std: 0.01", "std: 0"), "plateau.std");
            assertRejectedAt(STOPPING.replace("patience: 3", "patience: 0"), "plateau.patience");
            assertRejectedAt(STOPPING.replace("patience: 3", "patience: 3, window: 2"), "plateau.window");
        }

        @Test
        void shouldRefuseBadTrialStopConditions() {
            assertRejectedAt(STOPPING.replace("step: 20", "step: 0"), "trial.stop.step");
            assertRejectedAt(STOPPING.replace("step: 20", "step: 2.5"), "trial.stop.step");
            assertRejectedAt(STOPPING.replace("seconds: 1.5", "seconds: -1"), "trial.stop.seconds");
            assertRejectedAt(STOPPING.replace("{above: 0.99}", "0.99"), "trial.stop.val_acc");
            assertRejectedAt(STOPPING.replace("{above: 0.99}", "{}"), "trial.stop.val_acc");
            assertRejectedAt(STOPPING.replace("{above: 0.99}", "{over: 0.99}"), "trial.stop.val_acc.over");
            assertRejectedAt(STOPPING.replace("{above: 0.99}", "{above: high}"), "trial.stop.val_acc.above");
            assertRejectedAt(MINIMAL.replace("com.example.Train}", "com.example.Train, stop: {}}"), "trial.stop");
            assertRejectedAt(MINIMAL.replace("com.example.Train}", "com.example.Train, stop: 10}"), "trial.stop");
        }
    }

    /**
     * Parses {@code text}, expecting a {@link SpecException} at {@code field} whose message is one line
     * starting with that field.
     */
    private static SpecException assertRejectedAt(String text, String field) {
        SpecException e = catchThrowableOfType(SpecException.class, () -> SpecParser.parse(text));

        assertThat(e).as("a SpecException for %s", field).isNotNull();
        assertThat(e.field()).isEqualTo(field);
        assertThat(e.getMessage()).startsWith(field + ": ").doesNotContain("\n", "\r");
        assertThat(e.getMessage().substring(field.length() + 2)).as("the problem").isNotBlank();
        return e;
    }
}
