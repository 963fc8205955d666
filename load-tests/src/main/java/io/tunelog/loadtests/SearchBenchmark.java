package io.tunelog.loadtests;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tunelog.suggestion.testing.SearchRun;
import io.tunelog.suggestion.testing.TestFunction;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.commons.math3.stat.descriptive.rank.Median;

/**
 * Our searchers against Optuna's samplers on closed-form functions: the median final simple regret
 * over seeds at a fixed budget, and the ms per suggestion as the experiment grows. Our searchers run
 * through the real suggestion decider and fold; Optuna runs in Debian's python3-optuna, in the same run,
 * when it is installed.
 *
 * <p>Usage: {@code SearchBenchmark [trials=100] [seeds=10] [costTrials=1000] [searchers=all] [out=search-benchmark.json]}
 */
public final class SearchBenchmark {
    private static final Map<String, String> SEARCHERS = new LinkedHashMap<>();

    static {
        SEARCHERS.put("random", "{type: random}");
        SEARCHERS.put("sobol", "{type: sobol}");
        SEARCHERS.put("tpe", "{type: tpe}");
        SEARCHERS.put("tpe-multivariate", "{type: tpe, multivariate: true}");
        SEARCHERS.put("gp", "{type: gp}");
        SEARCHERS.put("cmaes", "{type: cmaes}");
        SEARCHERS.put("evolution", "{type: evolution}");
        // Whatever SearcherChoice picks for the benchmark's space and budget.
        SEARCHERS.put("auto", "{type: auto}");
    }

    /** Searchers whose cost per suggestion is measured as the experiment grows. */
    private static final List<String> COSTED = List.of("tpe", "tpe-multivariate", "gp", "cmaes", "auto");
    private static final String PYTHON = "/usr/bin/python3";

    public static void main(String[] args) throws Exception {
        int trials = args.length > 0 ? Integer.parseInt(args[0]) : 100;
        int seeds = args.length > 1 ? Integer.parseInt(args[1]) : 10;
        int costTrials = args.length > 2 ? Integer.parseInt(args[2]) : 1000;
        List<String> searchers = args.length > 3 && !args[3].equals("all") ? List.of(args[3].split(",")) : List.copyOf(SEARCHERS.keySet());
        Path out = Path.of(args.length > 4 ? args[4] : "search-benchmark.json");

        // Optuna runs in its own process while the JVM works; on 2 cores each gets one.
        Path optunaOut = Files.createTempFile("optuna-search", ".json");
        Process optuna = startOptuna(trials, seeds, costTrials, optunaOut);

        Map<String, Map<String, List<Double>>> regret = new LinkedHashMap<>();
        for (String searcher : searchers) {
            Map<String, List<Double>> byFunction = new LinkedHashMap<>();
            for (TestFunction fn : TestFunction.ALL) {
                List<Double> regrets = new ArrayList<>();
                for (int seed = 0; seed < seeds; seed++) {
                    regrets.add(SearchRun.minimize(SEARCHERS.get(searcher), fn, trials, 1, seed).best() - fn.minimum());
                }
                byFunction.put(fn.name(), regrets);
                System.out.printf("%-26s %-12s median regret %.4g%n", searcher, fn.name(), median(regrets));
            }
            regret.put(searcher, byFunction);
        }
        Map<String, Map<String, Double>> cost = new LinkedHashMap<>();
        for (String searcher : searchers) {
            if (COSTED.contains(searcher)) {
                SearchRun.Result run = SearchRun.minimize(SEARCHERS.get(searcher), TestFunction.HARTMANN6, costTrials, 1, 0);
                Map<String, Double> ms = new LinkedHashMap<>();
                ms.put("100", run.msPerSuggestion(0, Math.min(100, costTrials)));
                ms.put(String.valueOf(costTrials), run.msPerSuggestion(costTrials - 100, costTrials));
                cost.put(searcher, ms);
                System.out.printf("%-26s ms per suggestion %s%n", searcher, ms);
            }
        }

        JsonNode optunaResults = null;
        if (optuna != null) {
            if (!optuna.waitFor(2, TimeUnit.HOURS) || optuna.exitValue() != 0) {
                throw new IllegalStateException("Optuna's benchmark failed, exit " + optuna.exitValue());
            }
            optunaResults = new ObjectMapper().readTree(optunaOut.toFile());
            optunaResults.get("regret").fields().forEachRemaining(e -> {
                Map<String, List<Double>> byFunction = new LinkedHashMap<>();
                e.getValue().fields().forEachRemaining(f -> {
                    List<Double> values = new ArrayList<>();
                    f.getValue().forEach(v -> values.add(v.asDouble()));
                    byFunction.put(f.getKey(), values);
                });
                regret.put(e.getKey(), byFunction);
            });
            optunaResults.get("msPerSuggestion").fields().forEachRemaining(e -> {
                Map<String, Double> ms = new LinkedHashMap<>();
                e.getValue().fields().forEachRemaining(f -> ms.put(f.getKey(), f.getValue().asDouble()));
                cost.put(e.getKey(), ms);
            });
        } else {
            System.out.println("(Debian's python3-optuna is not installed: no Optuna columns)");
        }
        printTable(regret, searchers, trials, seeds);
        printCost(cost, costTrials);
        ObjectNode report = new ObjectMapper().createObjectNode();
        report.put("trials", trials).put("seeds", seeds).put("costTrials", costTrials);
        report.set("regret", new ObjectMapper().valueToTree(regret));
        report.set("msPerSuggestion", new ObjectMapper().valueToTree(cost));
        if (optunaResults != null) {
            report.put("optunaVersion", optunaResults.get("optuna").asText());
        }
        new ObjectMapper().writerWithDefaultPrettyPrinter().writeValue(out.toFile(), report);
        System.out.println("report: " + out.toAbsolutePath());
    }

    private static Process startOptuna(int trials, int seeds, int costTrials, Path out) throws Exception {
        if (!new File(PYTHON).canExecute() || new ProcessBuilder(PYTHON, "-c", "import optuna").start().waitFor() != 0) {
            return null;
        }
        Path script = Path.of("load-tests/optuna/search_benchmark.py");
        if (!Files.exists(script)) {
            throw new IllegalStateException("run from the project root: " + script + " not found");
        }
        return new ProcessBuilder(PYTHON, script.toString(), String.valueOf(trials), String.valueOf(seeds),
                String.valueOf(costTrials), out.toString()).inheritIO().start();
    }

    private static void printTable(Map<String, Map<String, List<Double>>> regret, List<String> ours, int trials, int seeds) {
        System.out.printf("%nmedian final simple regret, %d trials x %d seeds (lower is better)%n", trials, seeds);
        List<String> columns = new ArrayList<>(regret.keySet());
        StringBuilder header = new StringBuilder(String.format("| %-12s |", "function"));
        columns.forEach(c -> header.append(String.format(" %s |", c)));
        header.append(" our best | vs optuna-tpe | auto's rank among ours |");
        System.out.println(header);
        System.out.println("|" + "---|".repeat(columns.size() + 4));
        for (TestFunction fn : TestFunction.ALL) {
            StringBuilder row = new StringBuilder(String.format("| %-12s |", fn.name()));
            String best = null;
            double bestValue = Double.POSITIVE_INFINITY;
            for (String c : columns) {
                double m = median(regret.get(c).get(fn.name()));
                row.append(String.format(" %.4g |", m));
                if (ours.contains(c) && m < bestValue) {
                    bestValue = m;
                    best = c;
                }
            }
            Map<String, List<Double>> tpe = regret.get("optuna-tpe");
            String verdict = tpe == null ? "n/a"
                    : bestValue <= median(tpe.get(fn.name())) ? "at most (met)" : "higher (NOT met)";
            row.append(String.format(" %s %.4g | %s | %s |", best, bestValue, verdict, autoRank(regret, ours, fn)));
            System.out.println(row);
        }
    }

    /** 1 + how many of our other searchers have a lower median regret than auto's pick: the bar is at most 2. */
    private static String autoRank(Map<String, Map<String, List<Double>>> regret, List<String> ours, TestFunction fn) {
        if (!ours.contains("auto")) {
            return "n/a";
        }
        double auto = median(regret.get("auto").get(fn.name()));
        long better = ours.stream().filter(c -> !c.equals("auto") && median(regret.get(c).get(fn.name())) < auto).count();
        return (1 + better) + " of " + (ours.size() - 1);
    }

    private static void printCost(Map<String, Map<String, Double>> cost, int costTrials) {
        System.out.printf("%nms per suggestion on hartmann6, mean over trials 1-100 and %d-%d%n", costTrials - 99, costTrials);
        cost.forEach((name, ms) -> {
            StringBuilder row = new StringBuilder(String.format("| %-26s |", name));
            ms.values().forEach(v -> row.append(String.format(" %8.2f |", v)));
            System.out.println(row);
        });
    }

    static double median(List<Double> values) {
        return new Median().evaluate(values.stream().mapToDouble(Double::doubleValue).toArray());
    }

    private SearchBenchmark() {}
}
