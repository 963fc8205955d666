package io.tunelog.loadtests;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tunelog.domain.state.TrialState;
import io.tunelog.suggestion.testing.TestFunction;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.LongFunction;
import java.util.function.ToDoubleFunction;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/**
 * The trial schedulers against FIFO on three multi-fidelity problems, through the real deciders and fold
 * ({@link FidelitySimulator}, 4 workers, one step per time unit, a checkpoint every step):
 *
 * <ol>
 *   <li><b>hartmann6-fidelity</b>: at step {@code t} of 81 a trial reports
 *       {@code f(x) + 0.5·exp(-t/15)·(1 + g(x)) + (0.02 + 0.1·exp(-t/10))·z}, with {@code f} Hartmann6,
 *       {@code g(x) = sin(2π(x0 + x1 - x2))·cos(π(x3 - x4 + x5))} (so low fidelities rank configurations
 *       imperfectly) and {@code z} standard normal, seeded by (seed, trial, step). Regret is
 *       {@code f(x*) - f_min}, noise-free, for the configuration {@code x*} the experiment reports as best.</li>
 *   <li><b>xgboost-digits</b>: real learning curves ({@link LearningCurveTable}, val_mlogloss after each of 81
 *       rounds) of 200 random configurations, replayed; the searcher draws a table row through a {@code choice}
 *       over row indexes. Regret is the reported configuration's final loss minus the table's best final loss.
 *       200 rows rather than fewer because the schedulers draw 100 and more rows with replacement: from a
 *       small table every scheduler would draw the best row almost surely, and only ranking would be tested.</li>
 *   <li><b>pbt-moving-optimum</b>: a model state θ gains {@code exp(-(log10 lr - c(t))²/(2·0.5²)) + 0.1·z} per
 *       step, where the best {@code log10 lr}, {@code c(t) = -1 - 2(t-1)/99}, moves from -1 to -3 over 100
 *       steps; the score is θ. PBT (population 8, perturbation interval 10, quantile 0.25) against the best
 *       of 8 random fixed learning rates trained 100 steps each, on 8 workers.</li>
 * </ol>
 *
 * <p>FIFO runs 32 random configurations to the end. ASHA (grace 1, reduction factor 3, maxT 81, one bracket)
 * and Hyperband (maxT 81, grace 1, η 3) get as many trials as fit in a third of FIFO's training: the largest
 * multiple of 8 before the first whose median total training over the seeds exceeds FIFO's median / 3 (a
 * choice made on cost alone). Every scheduler uses the random searcher, and the same seed gives the same
 * first configurations to each.
 *
 * <p>Usage: {@code MultiFidelityBenchmark [seeds=15] [curveConfigs=200] [out=load-tests/target/multi-fidelity-<time>.json]},
 * from the project root (the learning curves are cached in {@code load-tests/target}).
 */
public final class MultiFidelityBenchmark {
    static final int MAX_T = 81;
    static final int WORKERS = 4;
    static final int FIFO_TRIALS = 32;
    static final int TRIAL_STEP = 8;
    static final long CURVE_SEED = 2026;
    static final int PBT_STEPS = 100;
    static final int PBT_POPULATION = 8;

    static final String FIFO = "{type: fifo}";
    static final String ASHA = "{type: asha, maxT: 81, gracePeriod: 1, reductionFactor: 3, brackets: 1}";
    static final String HYPERBAND = "{type: hyperband, maxT: 81, gracePeriod: 1, reductionFactor: 3}";
    static final String PBT = "{type: pbt, perturbationInterval: 10, quantileFraction: 0.25}";

    /**
     * A problem: its search space, its simulated trainable (a model per seed), and the value of a trial, which is
     * a regret (lower is better) when {@code regret}, else the trial's final score (higher is better).
     */
    record Problem(String name, String metric, boolean regret, int maxSteps, int workers, String searchSpace,
                   LongFunction<FidelitySimulator.Model> model, ToDoubleFunction<TrialState> value) {}

    /**
     * One scheduler's runs, by seed: the value of the trial the experiment reported as best, whether that was the
     * best value among all its trials (null where the value is the reported score itself), and whether that
     * trial had reached the last step. Time is how long the experiment took on the simulated workers.
     */
    record Outcome(String problem, boolean regret, String scheduler, int trials, List<Double> values, List<Long> steps,
                   List<Long> time, List<Long> redone, List<Boolean> pickedBest, List<Boolean> bestAtEnd) {
        double medianValue() {
            return median(values);
        }

        double medianSteps() {
            return median(steps.stream().map(Long::doubleValue).toList());
        }

        double medianTime() {
            return median(time.stream().map(Long::doubleValue).toList());
        }
    }

    public static void main(String[] args) throws Exception {
        int seeds = args.length > 0 ? Integer.parseInt(args[0]) : 15;
        int curveConfigs = args.length > 1 ? Integer.parseInt(args[1]) : 200;
        Path target = Path.of("load-tests/target");
        if (!Files.isDirectory(target)) {
            throw new IllegalStateException("run from the project root after building load-tests: " + target + " not found");
        }
        Path out = args.length > 2 ? Path.of(args[2])
                : target.resolve("multi-fidelity-" + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")) + ".json");
        long t0 = System.nanoTime();

        LearningCurveTable table = LearningCurveTable.load(LearningCurveTable.randomConfigs(curveConfigs, CURVE_SEED), MAX_T, 2,
                target.resolve("xgboost-digits-curves.json"));
        List<Outcome> outcomes = new ArrayList<>();
        for (Problem problem : List.of(hartmann6(), xgboost(table))) {
            Outcome fifo = run(problem, "fifo", FIFO, FIFO_TRIALS, seeds);
            outcomes.add(fifo);
            double budget = fifo.medianSteps() / 3;
            outcomes.add(fitted(problem, "asha", ASHA, budget, seeds));
            outcomes.add(fitted(problem, "hyperband", HYPERBAND, budget, seeds));
        }
        Problem moving = movingOptimum();
        outcomes.add(run(moving, "random", FIFO, PBT_POPULATION, seeds));
        outcomes.add(run(moving, "pbt", PBT, PBT_POPULATION, seeds));

        printTable(outcomes, seeds);
        List<String> verdicts = verdicts(outcomes);
        verdicts.forEach(System.out::println);

        ObjectMapper json = new ObjectMapper();
        ObjectNode report = json.createObjectNode();
        report.put("seeds", seeds).put("workers", WORKERS).put("maxT", MAX_T).put("fifoTrials", FIFO_TRIALS);
        report.put("curveConfigs", curveConfigs).put("curveBestFinalLoss", table.bestFinalLoss());
        ArrayNode rows = report.putArray("outcomes");
        for (Outcome o : outcomes) {
            ObjectNode row = json.valueToTree(o);
            row.put("medianValue", o.medianValue()).put("medianSteps", o.medianSteps()).put("medianTime", o.medianTime());
            rows.add(row);
        }
        report.set("verdicts", json.valueToTree(verdicts));
        report.put("seconds", (System.nanoTime() - t0) / 1e9);
        json.writerWithDefaultPrettyPrinter().writeValue(out.toFile(), report);
        System.out.printf("report: %s (%.0f s)%n", out.toAbsolutePath(), (System.nanoTime() - t0) / 1e9);
    }

    static Problem hartmann6() {
        TestFunction fn = TestFunction.HARTMANN6;
        String space = IntStream.range(0, 6).mapToObj(d -> "  x" + d + ": {uniform: [0, 1]}").collect(Collectors.joining("\n"));
        return new Problem("hartmann6-fidelity", "loss", true, MAX_T, WORKERS, space, seed -> (trialIndex, config, step, state) -> {
            double[] x = point(config);
            return fn.value(x) + 0.5 * Math.exp(-step / 15.0) * (1 + bias(x))
                    + (0.02 + 0.1 * Math.exp(-step / 10.0)) * gaussian(seed, trialIndex, step);
        }, trial -> fn.value(point(trial.config())) - fn.minimum());
    }

    /** The low-fidelity distortion: smooth, in [-1, 1], and unrelated to Hartmann6's shape. */
    static double bias(double[] x) {
        return Math.sin(2 * Math.PI * (x[0] + x[1] - x[2])) * Math.cos(Math.PI * (x[3] - x[4] + x[5]));
    }

    static double[] point(Map<String, Object> config) {
        double[] x = new double[6];
        for (int d = 0; d < x.length; d++) {
            x[d] = ((Number) config.get("x" + d)).doubleValue();
        }
        return x;
    }

    static Problem xgboost(LearningCurveTable table) {
        String rows = IntStream.range(0, table.configs().size()).mapToObj(Integer::toString).collect(Collectors.joining(", "));
        return new Problem("xgboost-digits", LearningCurveTable.METRIC, true, MAX_T, WORKERS, "  row: {choice: [" + rows + "]}",
                seed -> (trialIndex, config, step, state) -> table.curves()[row(config)][(int) step - 1],
                trial -> table.finalLoss(row(trial.config())) - table.bestFinalLoss());
    }

    static int row(Map<String, Object> config) {
        return ((Number) config.get("row")).intValue();
    }

    static Problem movingOptimum() {
        return new Problem("pbt-moving-optimum", "score", false, PBT_STEPS, PBT_POPULATION, "  lr: {loguniform: [0.0001, 1]}",
                seed -> new FidelitySimulator.Model() {
                    @Override
                    public double train(int trialIndex, Map<String, Object> config, long step, double theta) {
                        double best = -1 - 2.0 * (step - 1) / (PBT_STEPS - 1);
                        double off = Math.log10(((Number) config.get("lr")).doubleValue()) - best;
                        return theta + Math.exp(-off * off / (2 * 0.5 * 0.5)) + 0.1 * gaussian(seed, trialIndex, step);
                    }

                    @Override
                    public double metric(int trialIndex, Map<String, Object> config, long step, double theta) {
                        return theta;
                    }
                }, trial -> trial.lastValue("score").orElseThrow());
    }

    /** The experiment's spec for a scheduler on a problem, with the random searcher. */
    static String spec(Problem problem, String scheduler, int trials, long seed) {
        return """
                name: %s
                metric: {name: %s, mode: %s}
                seed: %d
                budget: {trials: %d, concurrent: %d}
                searchSpace:
                %s
                searcher: {type: random}
                scheduler: %s
                trial: {command: [simulated], checkpoint: {keep: 1}}
                """.formatted(problem.name(), problem.metric(), problem.regret() ? "min" : "max", seed, trials, problem.workers(),
                problem.searchSpace(), scheduler);
    }

    static Outcome run(Problem problem, String name, String scheduler, int trials, int seeds) {
        List<Double> values = new ArrayList<>();
        List<Long> steps = new ArrayList<>();
        List<Long> time = new ArrayList<>();
        List<Long> redone = new ArrayList<>();
        List<Boolean> picked = problem.regret() ? new ArrayList<>() : null;
        List<Boolean> atEnd = new ArrayList<>();
        for (long seed = 0; seed < seeds; seed++) {
            FidelitySimulator simulator = new FidelitySimulator(problem.model().apply(seed), problem.metric(), problem.maxSteps(),
                    problem.workers());
            FidelitySimulator.Run run = simulator.run(spec(problem, scheduler, trials, seed));
            TrialState best = run.best();
            double value = problem.value().applyAsDouble(best);
            values.add(value);
            steps.add(run.totalSteps());
            time.add(run.timeUnits());
            redone.add(run.redoneSteps());
            if (picked != null) {
                picked.add(value == run.state().trials().stream().mapToDouble(problem.value()).min().orElseThrow());
            }
            atEnd.add(best.reports().get(best.reports().size() - 1).step() == problem.maxSteps());
        }
        return new Outcome(problem.name(), problem.regret(), name, trials, values, steps, time, redone, picked, atEnd);
    }

    /** The scheduler with as many trials, in multiples of 8, as keep its median training within {@code budget}. */
    static Outcome fitted(Problem problem, String name, String scheduler, double budget, int seeds) {
        Outcome fitting = null;
        for (int trials = TRIAL_STEP; ; trials += TRIAL_STEP) {
            Outcome o = run(problem, name, scheduler, trials, seeds);
            System.out.printf("%-20s %-10s %4d trials: median total steps %6.0f (budget %.0f)%n", problem.name(), name, trials,
                    o.medianSteps(), budget);
            if (o.medianSteps() > budget) {
                if (fitting == null) {
                    throw new IllegalStateException(name + " with " + trials + " trials already exceeds the budget of " + budget + " steps");
                }
                return fitting;
            }
            fitting = o;
        }
    }

    /** A standard normal draw that depends only on (seed, trial, step), so reruns and every scheduler see the same noise. */
    static double gaussian(long seed, int trialIndex, long step) {
        return new SplittableRandom((seed << 40) ^ ((long) trialIndex << 20) ^ step).nextGaussian();
    }

    private static void printTable(List<Outcome> outcomes, int seeds) {
        System.out.printf("%nmedians over %d seeds; value = final regret (lower is better), or for pbt-moving-optimum the best"
                + " trial's final score (higher is better)%n", seeds);
        System.out.println("| problem | scheduler | trials | median value | median total steps | FIFO steps / steps | median time"
                + " | picked the best of its trials | best ran to the end | redone steps |");
        System.out.println("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|");
        for (Outcome o : outcomes) {
            Outcome fifo = baseline(outcomes, o.problem());
            System.out.printf("| %s | %s | %d | %.4g | %.0f | %.2f | %.0f | %s | %s | %d |%n", o.problem(), o.scheduler(), o.trials(),
                    o.medianValue(), o.medianSteps(), fifo.medianSteps() / o.medianSteps(), o.medianTime(),
                    o.pickedBest() == null ? "n/a" : count(o.pickedBest()), count(o.bestAtEnd()),
                    o.redone().stream().mapToLong(Long::longValue).sum());
        }
    }

    private static String count(List<Boolean> flags) {
        return flags.stream().filter(b -> b).count() + "/" + flags.size();
    }

    private static List<String> verdicts(List<Outcome> outcomes) {
        List<String> verdicts = new ArrayList<>();
        for (Outcome o : outcomes) {
            Outcome base = baseline(outcomes, o.problem());
            if (o == base) {
                continue;
            }
            double ratio = base.medianSteps() / o.medianSteps();
            if (o.regret()) {
                boolean met = o.medianValue() <= base.medianValue() && ratio >= 3;
                verdicts.add(String.format("%s: %s median regret %.4g vs %s %.4g with %.2fx less training: %s", o.problem(), o.scheduler(),
                        o.medianValue(), base.scheduler(), base.medianValue(), ratio, met ? "met" : "NOT met"));
            } else {
                long wins = IntStream.range(0, o.values().size()).filter(i -> o.values().get(i) > base.values().get(i)).count();
                verdicts.add(String.format("%s: %s median best score %.4g vs %s %.4g (%s), better on %d of %d seeds", o.problem(),
                        o.scheduler(), o.medianValue(), base.scheduler(), base.medianValue(),
                        o.medianValue() > base.medianValue() ? "higher" : "NOT higher", wins, o.values().size()));
            }
        }
        return verdicts;
    }

    /** The problem's yardstick, run first: FIFO, or the random fixed configurations for PBT's problem. */
    private static Outcome baseline(List<Outcome> outcomes, String problem) {
        return outcomes.stream().filter(o -> o.problem().equals(problem)).findFirst().orElseThrow();
    }

    static double median(List<Double> values) {
        return SearchBenchmark.median(values);
    }

    private MultiFidelityBenchmark() {}
}
