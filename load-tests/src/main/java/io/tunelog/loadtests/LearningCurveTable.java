package io.tunelog.loadtests;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tunelog.examples.xgboost.DigitsTrainable;
import io.tunelog.trial.TrialContext;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Real learning curves, tabulated once and replayed (as LCBench and HPOBench do): a fixed set of random
 * XGBoost configurations, each trained on the UCI digits for {@code rounds} boosting rounds by the examples'
 * {@link DigitsTrainable}, with the validation log loss after every round. Schedulers are then compared on
 * the table, so a run costs no training and every scheduler sees the same curves.
 *
 * @param configs the configurations, by index
 * @param curves {@code curves[i][t-1]}: configuration {@code i}'s {@value #METRIC} after round {@code t}
 */
record LearningCurveTable(List<Map<String, Object>> configs, double[][] curves) {
    static final String METRIC = "val_mlogloss";

    int rounds() {
        return curves[0].length;
    }

    double finalLoss(int config) {
        return curves[config][rounds() - 1];
    }

    double bestFinalLoss() {
        double best = Double.POSITIVE_INFINITY;
        for (int i = 0; i < curves.length; i++) {
            best = Math.min(best, finalLoss(i));
        }
        return best;
    }

    /**
     * {@code count} configurations drawn from {@code seed}: eta log-uniform in [0.01, 1], max_depth uniform
     * in 1..10, subsample uniform in [0.5, 1].
     */
    static List<Map<String, Object>> randomConfigs(int count, long seed) {
        Random random = new Random(seed);
        List<Map<String, Object>> configs = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            Map<String, Object> c = new LinkedHashMap<>();
            c.put("eta", Math.pow(10, -2 + 2 * random.nextDouble()));
            c.put("max_depth", (long) (1 + random.nextInt(10)));
            c.put("subsample", 0.5 + 0.5 * random.nextDouble());
            configs.add(c);
        }
        return configs;
    }

    /**
     * The table cached at {@code cache} when it holds these configurations and rounds, else trains them
     * (on {@code threads} threads, XGBoost on one thread each) and writes the cache.
     */
    static LearningCurveTable load(List<Map<String, Object>> configs, int rounds, int threads, Path cache) throws Exception {
        ObjectMapper json = new ObjectMapper();
        if (Files.exists(cache)) {
            JsonNode cached = json.readTree(cache.toFile());
            // Compared as JSON text: the cache reads max_depth back as an int where the configurations hold a long.
            if (cached.get("rounds").asInt() == rounds && json.writeValueAsString(cached.get("configs")).equals(json.writeValueAsString(configs))) {
                double[][] curves = json.convertValue(cached.get("curves"), double[][].class);
                System.out.println("learning curves: " + configs.size() + " configurations x " + rounds + " rounds from " + cache);
                return new LearningCurveTable(configs, curves);
            }
        }
        long t0 = System.nanoTime();
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<double[]>> futures = new ArrayList<>();
            for (Map<String, Object> config : configs) {
                futures.add(pool.submit(() -> curve(config, rounds)));
            }
            double[][] curves = new double[configs.size()][];
            for (int i = 0; i < curves.length; i++) {
                curves[i] = futures.get(i).get();
            }
            System.out.printf("learning curves: trained %d configurations x %d rounds in %.0f s%n", configs.size(), rounds,
                    (System.nanoTime() - t0) / 1e9);
            ObjectNode out = json.createObjectNode();
            out.put("trainable", DigitsTrainable.class.getName());
            out.put("metric", METRIC);
            out.put("rounds", rounds);
            out.set("configs", json.valueToTree(configs));
            ArrayNode rows = out.putArray("curves");
            for (double[] c : curves) {
                rows.add(json.valueToTree(c));
            }
            Files.createDirectories(cache.getParent());
            json.writeValue(cache.toFile(), out);
            return new LearningCurveTable(configs, curves);
        } finally {
            pool.shutdownNow();
        }
    }

    /** One configuration trained for {@code rounds} rounds: the metric after each. */
    private static double[] curve(Map<String, Object> config, int rounds) throws Exception {
        Map<String, Object> trialConfig = new LinkedHashMap<>(config);
        trialConfig.put("rounds", (long) rounds);
        trialConfig.put("checkpointEvery", (long) rounds);
        Path dir = Files.createTempDirectory("curve");
        try {
            Recorder recorder = new Recorder(trialConfig, dir, rounds);
            new DigitsTrainable().train(recorder);
            return recorder.curve;
        } finally {
            ScratchDirectory.delete(dir);
        }
    }

    /** A trial context that keeps the metric of each round; the trainable writes its one checkpoint to a scratch directory. */
    private static final class Recorder implements TrialContext {
        private final Map<String, Object> config;
        private final Path checkpointDir;
        final double[] curve;

        Recorder(Map<String, Object> config, Path checkpointDir, int rounds) {
            this.config = config;
            this.checkpointDir = checkpointDir;
            this.curve = new double[rounds];
        }

        @Override public String experimentId() { return "learning-curves"; }
        @Override public String trialId() { return "curve"; }
        @Override public int attempt() { return 1; }
        @Override public Map<String, Object> config() { return config; }
        @Override public Path checkpointDir() { return checkpointDir; }
        @Override public Optional<Path> restoreFrom() { return Optional.empty(); }

        @Override
        public void report(long step, Map<String, Double> metrics) {
            curve[(int) step - 1] = metrics.get(METRIC);
        }

        @Override
        public void report(long step, Map<String, Double> metrics, Path checkpoint) {
            report(step, metrics);
        }
    }
}
