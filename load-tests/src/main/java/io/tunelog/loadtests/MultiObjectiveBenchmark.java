package io.tunelog.loadtests;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tunelog.suggestion.search.Hypervolume;
import io.tunelog.suggestion.testing.MultiObjectiveProblem;
import io.tunelog.suggestion.testing.SearchRun;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.commons.math3.stat.descriptive.rank.Percentile;

/**
 * Our searchers against Optuna's multi-objective samplers: the hypervolume the feasible trials dominate
 * after a fixed budget, per problem, median and interquartile range over seeds. Our searchers run through
 * the real suggestion decider and fold; Optuna 3.1 (Debian's python3-optuna) runs in its own process in
 * the same run. Both sides' hypervolumes are computed here, by {@link Hypervolume}, from every trial's
 * objectives; Optuna's own WFG value of each of its runs is checked against ours.
 *
 * <p>The bar: on every problem, our best median hypervolume is at least Optuna's best. The exit code is 1
 * when it is not met (or Optuna is missing), 0 when it is.
 *
 * <p>Usage: {@code MultiObjectiveBenchmark [trials=200] [seeds=10] [searchers=all] [saved-optuna.json]}; Optuna's
 * results are kept in {@code load-tests/target/mo-benchmark-optuna.json}.
 */
public final class MultiObjectiveBenchmark {
    private static final Map<String, String> SEARCHERS = new LinkedHashMap<>();

    static {
        SEARCHERS.put("random", "{type: random}");
        SEARCHERS.put("nsga2", "{type: nsga2}");
        SEARCHERS.put("tpe", "{type: tpe}");
        SEARCHERS.put("gp", "{type: gp}");
    }

    private static final String PYTHON = "/usr/bin/python3";

    public static void main(String[] args) throws Exception {
        int trials = args.length > 0 ? Integer.parseInt(args[0]) : 200;
        int seeds = args.length > 1 ? Integer.parseInt(args[1]) : 10;
        List<String> searchers = args.length > 2 && !args[2].equals("all") ? List.of(args[2].split(",")) : List.copyOf(SEARCHERS.keySet());

        // Optuna runs in its own process while the JVM works. A saved result (its output of an earlier run with the
        // same trials and seeds) may be given instead, to try our searchers quickly; the table then says so.
        Path saved = args.length > 3 ? Path.of(args[3]) : null;
        Path optunaOut = saved != null ? saved : Path.of("load-tests/target/mo-benchmark-optuna.json");
        Process optuna = saved != null ? null : startOptuna(trials, seeds, optunaOut);
        boolean haveOptuna = saved != null || optuna != null;

        Map<String, Map<String, List<Double>>> volumes = new LinkedHashMap<>();
        for (String searcher : searchers) {
            Map<String, List<Double>> byProblem = new LinkedHashMap<>();
            for (MultiObjectiveProblem problem : MultiObjectiveProblem.ALL) {
                List<Double> hv = new ArrayList<>();
                long nanos = 0;
                for (int seed = 0; seed < seeds; seed++) {
                    SearchRun.MultiResult run = SearchRun.minimizeAll(SEARCHERS.get(searcher), problem, trials, seed);
                    hv.add(run.hypervolume(problem.reference()));
                    nanos += run.suggestNanos();
                }
                byProblem.put(problem.name(), hv);
                System.out.printf("%-14s %-6s median hypervolume %.6g  (%.1f ms per suggestion)%n", searcher, problem.name(),
                        quantile(hv, 50), nanos / 1e6 / seeds / trials);
            }
            volumes.put(searcher, byProblem);
        }

        List<String> theirs = new ArrayList<>();
        if (!haveOptuna) {
            System.out.println("(Debian's python3-optuna is not installed: no Optuna columns, the bar cannot be judged)");
        } else {
            if (saved != null) {
                System.out.println("(Optuna's results read from " + saved + ", not run now)");
            } else if (!optuna.waitFor(3, TimeUnit.HOURS) || optuna.exitValue() != 0) {
                throw new IllegalStateException("Optuna's benchmark failed, exit " + optuna.exitValue());
            }
            JsonNode results = new ObjectMapper().readTree(optunaOut.toFile());
            double worstGap = 0;
            for (var sampler : iterable(results.get("runs").fields())) {
                theirs.add(sampler.getKey());
                Map<String, List<Double>> byProblem = new LinkedHashMap<>();
                for (MultiObjectiveProblem problem : MultiObjectiveProblem.ALL) {
                    List<Double> hv = new ArrayList<>();
                    for (JsonNode run : sampler.getValue().get(problem.name())) {
                        List<double[]> feasible = new ArrayList<>();
                        for (int i = 0; i < run.get("objectives").size(); i++) {
                            if (run.get("feasible").get(i).asBoolean()) {
                                JsonNode o = run.get("objectives").get(i);
                                double[] point = new double[o.size()];
                                for (int k = 0; k < point.length; k++) {
                                    point[k] = o.get(k).asDouble();
                                }
                                feasible.add(point);
                            }
                        }
                        double ours = Hypervolume.of(feasible, problem.reference());
                        double wfg = run.get("wfg").asDouble();
                        worstGap = Math.max(worstGap, Math.abs(ours - wfg) / Math.max(Math.abs(wfg), 1e-300));
                        hv.add(ours);
                    }
                    byProblem.put(problem.name(), hv);
                }
                volumes.put(sampler.getKey(), byProblem);
            }
            System.out.printf("%nour hypervolume against Optuna's WFG on each of its %d runs: largest relative difference %.3g%n",
                    theirs.size() * MultiObjectiveProblem.ALL.size() * seeds, worstGap);
            if (worstGap > 1e-9) {
                throw new IllegalStateException("our hypervolume disagrees with Optuna's WFG by " + worstGap);
            }
        }
        boolean met = printTable(volumes, searchers, theirs, trials, seeds, haveOptuna ? optunaVersion(optunaOut) : "none");
        System.exit(met ? 0 : 1);
    }

    private static String optunaVersion(Path out) throws Exception {
        return new ObjectMapper().readTree(out.toFile()).get("optuna").asText();
    }

    private static Process startOptuna(int trials, int seeds, Path out) throws Exception {
        if (!new File(PYTHON).canExecute() || new ProcessBuilder(PYTHON, "-c", "import optuna").start().waitFor() != 0) {
            return null;
        }
        Path script = Path.of("load-tests/optuna/mo_benchmark.py");
        if (!Files.exists(script)) {
            throw new IllegalStateException("run from the project root: " + script + " not found");
        }
        return new ProcessBuilder(PYTHON, script.toString(), String.valueOf(trials), String.valueOf(seeds), out.toString())
                .inheritIO().start();
    }

    /** Prints the table; true when our best median is at least Optuna's best on every problem. */
    private static boolean printTable(Map<String, Map<String, List<Double>>> volumes, List<String> ours, List<String> theirs,
                                      int trials, int seeds, String optunaVersion) {
        System.out.printf("%nhypervolume of the feasible trials, median [IQR], %d trials x %d seeds (higher is better); Optuna %s%n",
                trials, seeds, optunaVersion);
        List<String> columns = new ArrayList<>(volumes.keySet());
        StringBuilder header = new StringBuilder("| problem (reference) |");
        columns.forEach(c -> header.append(' ').append(c).append(" |"));
        header.append(" our best | Optuna's best | bar |");
        System.out.println(header);
        System.out.println("|" + "---|".repeat(columns.size() + 4));
        boolean met = !theirs.isEmpty();
        for (MultiObjectiveProblem problem : MultiObjectiveProblem.ALL) {
            StringBuilder row = new StringBuilder(String.format("| %s %s |", problem.name(), java.util.Arrays.toString(problem.reference())));
            String bestOurs = null;
            double bestOursValue = Double.NEGATIVE_INFINITY;
            String bestTheirs = null;
            double bestTheirsValue = Double.NEGATIVE_INFINITY;
            for (String c : columns) {
                List<Double> hv = volumes.get(c).get(problem.name());
                double median = quantile(hv, 50);
                row.append(String.format(" %.5g [%.4g, %.4g] |", median, quantile(hv, 25), quantile(hv, 75)));
                if (ours.contains(c) && median > bestOursValue) {
                    bestOursValue = median;
                    bestOurs = c;
                }
                if (theirs.contains(c) && median > bestTheirsValue) {
                    bestTheirsValue = median;
                    bestTheirs = c;
                }
            }
            boolean rowMet = bestTheirs != null && bestOursValue >= bestTheirsValue;
            met &= rowMet;
            row.append(String.format(" %s %.5g | %s %.5g | %s |", bestOurs, bestOursValue, bestTheirs, bestTheirsValue,
                    bestTheirs == null ? "n/a" : rowMet ? "met" : "NOT met"));
            System.out.println(row);
        }
        System.out.println(met ? "bar met on every problem" : "bar NOT met");
        return met;
    }

    /** The p-th percentile (R-7, as numpy's default) of the values. */
    static double quantile(List<Double> values, double p) {
        return new Percentile().withEstimationType(Percentile.EstimationType.R_7)
                .evaluate(values.stream().mapToDouble(Double::doubleValue).toArray(), p);
    }

    private static <T> Iterable<T> iterable(java.util.Iterator<T> iterator) {
        return () -> iterator;
    }

    private MultiObjectiveBenchmark() {}
}
