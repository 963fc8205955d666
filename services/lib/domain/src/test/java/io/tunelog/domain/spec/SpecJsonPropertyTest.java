package io.tunelog.domain.spec;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The log stores specs as canonical JSON: reading that JSON back must give the very same spec, for any
 * valid spec. Specs come from a seeded generator under plain JUnit (jqwik was dropped from the build); each
 * spec has its own seed, and a failure names it, so {@code new Specs(new Random(seed)).spec()} reproduces it.
 */
class SpecJsonPropertyTest {
    private static final int TRIES = 2000;
    private static final long FIRST_SEED = 20261128L;

    @Test
    void shouldReadCanonicalJsonBackToAnEqualSpec() {
        for (long seed = FIRST_SEED; seed < FIRST_SEED + TRIES; seed++) {
            ExperimentSpec spec = new Specs(new Random(seed)).spec();
            String json = SpecJson.toJson(spec);

            assertThat(SpecParser.parse(json)).as("seed %d: %s", seed, json).isEqualTo(spec);
        }
    }

    @Test
    void shouldWriteTheSameTextAgainForTheSpecItReadsBack() {
        for (long seed = FIRST_SEED; seed < FIRST_SEED + TRIES; seed++) {
            String json = SpecJson.toJson(new Specs(new Random(seed)).spec());

            assertThat(SpecJson.toJson(SpecParser.parse(json))).as("seed %d", seed).isEqualTo(json);
        }
    }

    @Test
    void shouldRoundTripExtremeDoublesToTheSameBits() {
        List<Object> values = new ArrayList<>(Specs.EDGE_DOUBLES);
        ExperimentSpec spec = SpecParser.parse(SpecParserTest.MINIMAL);
        ExperimentSpec extreme = new ExperimentSpec(spec.name(), spec.metric(), spec.seed(), spec.budget(),
                new SearchSpace(Map.of("x", new ParamDomain.Choice(values),
                        "y", new ParamDomain.Uniform(-Double.MAX_VALUE, Double.MAX_VALUE, false, 0),
                        "z", new ParamDomain.Uniform(Double.MIN_VALUE, Double.MIN_NORMAL, true, 0))),
                spec.searcher(), spec.scheduler(), spec.trial());

        assertThat(SpecParser.parse(SpecJson.toJson(extreme))).isEqualTo(extreme);
    }

    @Test
    void shouldWriteEveryDefaultExplicitly() {
        String json = SpecJson.toJson(SpecParser.parse(SpecParserTest.MINIMAL));

        assertThat(json).isEqualTo("""
                {"name":"d","metric":{"name":"loss","mode":"min"},"seed":0,"budget":{"trials":3,"concurrent":1},\
                "searchSpace":{"x":{"uniform":[0.0,1.0]}},"searcher":{"type":"random"},"scheduler":{"type":"fifo"},\
                "trial":{"trainable":"com.example.Train","maxFailures":0,\
                "checkpoint":{"keep":1,"scoreAttribute":null,"scoreMode":"min"}}}""");
    }

    /** Random valid specs, reaching for the values a YAML reader might get wrong. */
    static final class Specs {
        static final List<Double> EDGE_DOUBLES = List.of(0.0, -0.0, Double.MIN_VALUE, -Double.MIN_VALUE,
                Double.MIN_NORMAL, Double.MAX_VALUE, -Double.MAX_VALUE, 0.1, 1e-300, 1e300, 1e7, 1e-4, 0.30000000000000004);
        private static final List<Long> EDGE_LONGS = List.of(0L, 1L, -1L, Long.MIN_VALUE, Long.MAX_VALUE,
                (long) Integer.MAX_VALUE + 1, 8L, 16L);
        /** Strings a YAML reader might take for something else, or refuse: the JSON writer must keep them strings. */
        private static final List<String> TRICKY = List.of("yes", "no", "on", "off", "null", "~", "true", "False",
                "1", "-1.5", "1e5", ".inf", ".nan", "0x1F", "0o17", "010", "2024-01-01", "a: b", "- x", "#c", "[x]",
                "{x: 1}", "'q'", "\"dq\"", "line\nbreak", "tab\there", "back\\slash", "ünïcödé", "😀", " padded ",
                "&anchor", "*alias", "!tag", "%x", "@x", "`x`", "---", "...", "<<", "\u0000nul", "\u2028sep",
                // characters a YAML reader refuses or reads as line breaks unless the writer escapes them
                "\u007fdel", "\u0080c1", "\u0085nel", "\ufffe", "\uffff", "\ud800lone", "lone\udc00", "\ufeffbom");
        private static final String NAME_CHARS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-";
        private static final String IDENT_START = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_";
        private static final String IDENT_CHARS = IDENT_START + "0123456789";

        private final Random r;

        Specs(Random r) {
            this.r = r;
        }

        ExperimentSpec spec() {
            SearchSpace space = searchSpace();
            Budget budget = new Budget(positiveInt(), positiveInt(), r.nextBoolean() ? null : seconds(),
                    r.nextBoolean() ? null : positiveInt() - 1);
            Metric metric = new Metric(nonBlankText(), mode());
            RobustSpec robust = r.nextBoolean() ? null
                    : new RobustSpec(1 + r.nextInt(5), 1 + r.nextInt(5), r.nextInt(5), 0.5 * Math.max(Double.MIN_VALUE, r.nextDouble()), "seed_" + r.nextInt(1000));
            Threshold goal = r.nextBoolean() ? null
                    : metric.mode() == Mode.MAX ? new Threshold(anyDouble(), null) : new Threshold(null, anyDouble());
            Plateau plateau = r.nextBoolean() ? null
                    : new Plateau(2 + r.nextInt(20), Math.max(Double.MIN_VALUE, Math.abs(anyDouble())), positiveInt());
            TrialSpec trial = trial();
            if (r.nextInt(3) > 0) {
                return new ExperimentSpec(name(), metric, r.nextLong(), budget, space, searcher(space), scheduler(), trial, robust, goal, plateau);
            }
            // Several objectives (no goal, plateau or robust stage then), or one with constraints.
            List<Metric> objectives = new ArrayList<>(List.of(metric));
            for (int i = r.nextInt(4); i > 0; i--) {
                Metric more = new Metric(nonBlankText(), mode());
                if (objectives.stream().noneMatch(m -> m.name().equals(more.name()))) {
                    objectives.add(more);
                }
            }
            boolean several = objectives.size() > 1;
            List<Constraint> constraints = new ArrayList<>();
            for (int i = r.nextInt(3); i > 0; i--) {
                constraints.add(new Constraint(nonBlankText(), r.nextBoolean() ? new Threshold(anyDouble(), null) : new Threshold(null, anyDouble())));
            }
            return new ExperimentSpec(name(), objectives, r.nextLong(), budget, space, searcher(space), scheduler(), trial,
                    several ? null : robust, several ? null : goal, several ? null : plateau, constraints);
        }

        /** A number of seconds a spec may give: at least a millisecond, at most 10^9. */
        private double seconds() {
            return r.nextBoolean() ? 1 + r.nextInt(100_000) : 0.001 + r.nextDouble() * 1e4;
        }

        private TrialStop trialStop() {
            Map<String, Threshold> metrics = new LinkedHashMap<>();
            for (int i = r.nextInt(3); i > 0; i--) {
                String metric = nonBlankText();
                if (!metric.equals(TrialStop.STEP) && !metric.equals(TrialStop.SECONDS)) {
                    metrics.put(metric, switch (r.nextInt(3)) {
                        case 0 -> new Threshold(anyDouble(), null);
                        case 1 -> new Threshold(null, anyDouble());
                        default -> new Threshold(anyDouble(), anyDouble());
                    });
                }
            }
            Long step = r.nextBoolean() || metrics.isEmpty() ? Long.valueOf(positiveInt()) : null;
            return new TrialStop(step, r.nextBoolean() ? seconds() : null, metrics);
        }

        private String name() {
            return string(NAME_CHARS, 1 + r.nextInt(64));
        }

        private SearchSpace searchSpace() {
            Map<String, ParamDomain> params = new LinkedHashMap<>();
            int count = 1 + r.nextInt(6);
            Map<String, SearchSpace.Condition> conditions = new LinkedHashMap<>();
            while (params.size() < count) {
                String name = paramName();
                if (params.containsKey(name) || params.keySet().stream().anyMatch(n -> n.startsWith(name + ".") || name.startsWith(n + "."))) {
                    continue;
                }
                // Now and then, make the parameter conditional on an earlier choice.
                params.values().stream().filter(d -> d instanceof ParamDomain.Choice).reduce((a, b) -> b).ifPresent(parent -> {
                    if (r.nextBoolean()) {
                        String parentName = params.entrySet().stream().filter(e -> e.getValue() == parent).findFirst().orElseThrow().getKey();
                        conditions.put(name, new SearchSpace.Condition(parentName, List.of(((ParamDomain.Choice) parent).values().get(0))));
                    }
                });
                params.put(name, domain());
            }
            return new SearchSpace(params, conditions);
        }

        private String paramName() {
            return string(IDENT_START, 1) + string(IDENT_CHARS + ".-", r.nextInt(12));
        }

        private ParamDomain domain() {
            return switch (r.nextInt(6)) {
                case 0 -> {
                    double[] b = increasingPair(false);
                    yield new ParamDomain.Uniform(b[0], b[1], false, r.nextBoolean() ? 0 : Math.abs(anyDouble()) + Double.MIN_VALUE);
                }
                case 1 -> {
                    double[] b = increasingPair(true);
                    yield new ParamDomain.Uniform(b[0], b[1], true, r.nextBoolean() ? 0 : Math.abs(anyDouble()) + Double.MIN_VALUE);
                }
                case 2 -> {
                    long a = anyLong();
                    long b = anyLong();
                    while (a == b || (Math.max(a, b) < 1)) {
                        b = anyLong();
                    }
                    int kind = r.nextInt(3);
                    long low = kind == 1 ? Math.max(1, Math.min(a, b)) : Math.min(a, b);
                    if (low >= Math.max(a, b)) {
                        yield new ParamDomain.IntRange(Math.min(a, b), Math.max(a, b), false, 0);
                    }
                    yield new ParamDomain.IntRange(low, Math.max(a, b), kind == 1, kind == 2 ? 1 + r.nextInt(1000) : 0);
                }
                case 3 -> new ParamDomain.Normal(anyDouble(), Math.abs(anyDouble()) + Double.MIN_VALUE, r.nextBoolean() ? 0 : 0.5);
                case 4 -> new ParamDomain.Choice(values());
                default -> new ParamDomain.Grid(values());
            };
        }

        private double[] increasingPair(boolean positive) {
            while (true) {
                double a = positive ? Math.abs(anyDouble()) : anyDouble();
                double b = positive ? Math.abs(anyDouble()) : anyDouble();
                if (a != b && (!positive || Math.min(a, b) > 0)) {
                    return new double[] {Math.min(a, b), Math.max(a, b)};
                }
            }
        }

        private List<Object> values() {
            Set<Object> values = new LinkedHashSet<>();
            int count = 1 + r.nextInt(6);
            while (values.size() < count) {
                values.add(scalar());
            }
            return new ArrayList<>(values);
        }

        /** A value as the parser makes them: String, Long, Double or Boolean. */
        private Object scalar() {
            return switch (r.nextInt(4)) {
                case 0 -> r.nextInt(8) == 0 ? "" : anyText();
                case 1 -> anyLong();
                case 2 -> anyDouble();
                default -> r.nextBoolean();
            };
        }

        private SearcherSpec searcher(SearchSpace space) {
            boolean hasGrid = space.params().values().stream().anyMatch(d -> d instanceof ParamDomain.Grid);
            List<String> usable = SearcherType.names().stream().filter(t -> hasGrid || !t.equals("grid")).toList();
            return new SearcherSpec(pick(usable), options());
        }

        private SchedulerSpec scheduler() {
            return new SchedulerSpec(pick(List.copyOf(SchedulerType.names())), options());
        }

        private Map<String, Object> options() {
            Map<String, Object> options = new LinkedHashMap<>();
            int count = r.nextInt(4);
            while (options.size() < count) {
                String key = paramName();
                if (!key.equals("type")) {
                    options.put(key, scalar());
                }
            }
            return options;
        }

        private TrialSpec trial() {
            if (r.nextInt(5) == 0) {
                // Ask-and-tell: nothing for a worker to run.
                CheckpointSpec checkpoint = new CheckpointSpec(positiveInt(), r.nextBoolean() ? null : nonBlankText(), mode());
                return new TrialSpec(List.of(), null, positiveInt() - 1, checkpoint, null, r.nextBoolean(), Resources.DEFAULT, true,
                        r.nextBoolean() ? null : trialStop());
            }
            List<String> command = List.of();
            String trainable = null;
            if (r.nextBoolean()) {
                List<String> args = new ArrayList<>();
                int count = 1 + r.nextInt(5);
                while (args.size() < count) {
                    String arg = anyText();
                    if (!arg.isEmpty()) {
                        args.add(arg);
                    }
                }
                command = args;
            } else {
                trainable = "com.example." + string(IDENT_START, 1) + string(IDENT_CHARS + "$", r.nextInt(10));
            }
            CheckpointSpec checkpoint = new CheckpointSpec(positiveInt(), r.nextBoolean() ? null : nonBlankText(), mode());
            Resources resources = r.nextBoolean() ? Resources.DEFAULT : new Resources(positiveInt(), positiveInt() - 1);
            return new TrialSpec(command, trainable, positiveInt() - 1, checkpoint, r.nextBoolean() ? null : positiveInt(), r.nextBoolean(),
                    resources, false, r.nextBoolean() ? null : trialStop());
        }

        // ---- primitives ----

        private double anyDouble() {
            return switch (r.nextInt(5)) {
                case 0 -> pick(EDGE_DOUBLES);
                case 1 -> r.nextInt(2001) - 1000.0;
                case 2 -> r.nextDouble();
                case 3 -> (r.nextDouble() - 0.5) * Math.pow(10, r.nextInt(41) - 20);
                default -> {
                    double bits;
                    do {
                        bits = Double.longBitsToDouble(r.nextLong());
                    } while (!Double.isFinite(bits));
                    yield bits;
                }
            };
        }

        private long anyLong() {
            return switch (r.nextInt(3)) {
                case 0 -> pick(EDGE_LONGS);
                case 1 -> r.nextInt(2001) - 1000L;
                default -> r.nextLong();
            };
        }

        /** 1 to Integer.MAX_VALUE, mostly small. */
        private int positiveInt() {
            return r.nextInt(4) == 0 ? 1 + r.nextInt(Integer.MAX_VALUE) : 1 + r.nextInt(100);
        }

        private Mode mode() {
            return r.nextBoolean() ? Mode.MIN : Mode.MAX;
        }

        private String anyText() {
            if (r.nextBoolean()) {
                return pick(TRICKY);
            }
            StringBuilder text = new StringBuilder();
            int length = r.nextInt(12);
            for (int i = 0; i < length; i++) {
                text.appendCodePoint(r.nextInt(4) == 0 ? 0x20 + r.nextInt(0x3000) : 0x20 + r.nextInt(0x5f));
            }
            return text.toString();
        }

        private String nonBlankText() {
            String text = anyText();
            return text.isBlank() ? "m" + text : text;
        }

        private String string(String alphabet, int length) {
            StringBuilder s = new StringBuilder(length);
            for (int i = 0; i < length; i++) {
                s.append(alphabet.charAt(r.nextInt(alphabet.length())));
            }
            return s.toString();
        }

        private <T> T pick(List<T> list) {
            return list.get(r.nextInt(list.size()));
        }
    }
}
