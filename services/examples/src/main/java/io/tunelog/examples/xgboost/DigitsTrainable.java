package io.tunelog.examples.xgboost;

import io.tunelog.trial.Trainable;
import io.tunelog.trial.TrialContext;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import ml.dmlc.xgboost4j.java.Booster;
import ml.dmlc.xgboost4j.java.DMatrix;
import ml.dmlc.xgboost4j.java.XGBoost;
import ml.dmlc.xgboost4j.java.XGBoostError;

/**
 * Gradient-boosted trees (XGBoost4J) on the UCI handwritten digits, one boosting round per training step,
 * inside the worker's JVM. Spec: {@code trial: {trainable: io.tunelog.examples.xgboost.DigitsTrainable}}.
 *
 * <p>Hyperparameters (all optional): {@code eta} (default 0.3), {@code max_depth} (6), {@code subsample} (1.0),
 * {@code booster} ({@code gbtree} or {@code dart}), {@code rounds} (30) and {@code checkpointEvery} (10).
 * After every round it reports {@code val_accuracy} and {@code val_mlogloss} on a fixed 25% validation split, and
 * {@code model_kb}, the size of the model so far (its UBJSON form, as checkpointed): a second objective that trades
 * against accuracy (xgboost-digits-pareto.yaml).
 * Every {@code checkpointEvery} rounds, and after the last, it writes {@code checkpoint_<round, 6 digits>}
 * inside {@link TrialContext#checkpointDir()} with the model ({@value #MODEL}) and the round ({@value #ROUND}),
 * and reports it with that round. Given {@link TrialContext#restoreFrom()}, it loads that model and carries on
 * with the next round.
 */
public final class DigitsTrainable implements Trainable {
    static final String MODEL = "model.ubj";
    static final String ROUND = "round";
    static final List<String> BOOSTERS = List.of("gbtree", "dart");

    /** The data, parsed once per JVM; the arrays are never written after loading. */
    private static final class Data {
        static final Digits DIGITS = Digits.load();
    }

    @Override
    public void train(TrialContext context) throws Exception {
        Map<String, Object> config = context.config();
        int rounds = positiveInt(config, "rounds", 30);
        int checkpointEvery = positiveInt(config, "checkpointEvery", 10);
        Map<String, Object> params = params(config);

        Digits data = Data.DIGITS;
        DMatrix train = null;
        DMatrix valid = null;
        Booster booster = null;
        try {
            train = new DMatrix(data.trainX(), data.trainY().length, Digits.FEATURES, Float.NaN);
            train.setLabel(data.trainY());
            valid = new DMatrix(data.validX(), data.validY().length, Digits.FEATURES, Float.NaN);

            int done = 0;
            Optional<Path> restoreFrom = context.restoreFrom();
            if (restoreFrom.isPresent()) {
                Path from = restoreFrom.get();
                booster = XGBoost.loadModel(from.resolve(MODEL).toString());
                for (Map.Entry<String, Object> p : params.entrySet()) {
                    booster.setParam(p.getKey(), p.getValue());
                }
                done = Integer.parseInt(Files.readString(from.resolve(ROUND)).strip());
            } else {
                booster = XGBoost.train(train, params, 0, Map.of(), null, null);
            }

            for (int round = done + 1; round <= rounds; round++) {
                if (Thread.interrupted()) {
                    throw new InterruptedException("interrupted before round " + round);
                }
                booster.update(train, round - 1);
                float[][] probabilities = booster.predict(valid);
                Map<String, Double> metrics = Map.of(
                        "val_accuracy", accuracy(probabilities, data.validY()),
                        "val_mlogloss", logLoss(probabilities, data.validY()),
                        "model_kb", booster.toByteArray("ubj").length / 1024.0);
                if (round % checkpointEvery == 0 || round == rounds) {
                    context.report(round, metrics, checkpoint(booster, round, context.checkpointDir()));
                } else {
                    context.report(round, metrics);
                }
            }
        } finally {
            // Native memory: a worker's JVM runs many trials, so free it whether training ended or threw.
            if (booster != null) {
                booster.dispose();
            }
            if (valid != null) {
                valid.dispose();
            }
            if (train != null) {
                train.dispose();
            }
        }
    }

    /** The XGBoost parameters for a trial's configuration. */
    static Map<String, Object> params(Map<String, Object> config) {
        String booster = string(config, "booster", "gbtree");
        if (!BOOSTERS.contains(booster)) {
            throw new IllegalArgumentException("booster must be one of " + BOOSTERS + ", not " + booster);
        }
        Map<String, Object> params = new HashMap<>();
        params.put("objective", "multi:softprob");
        params.put("num_class", Digits.CLASSES);
        params.put("eta", number(config, "eta", 0.3));
        params.put("max_depth", positiveInt(config, "max_depth", 6));
        params.put("subsample", number(config, "subsample", 1.0));
        params.put("booster", booster);
        params.put("tree_method", "hist");
        params.put("nthread", 1);
        // The robust stage reruns a configuration with seed 1, 2, ...: subsampling then draws other rows.
        params.put("seed", config.containsKey("seed") ? positiveInt(config, "seed", 1) : 0);
        if (booster.equals("dart")) {
            params.put("rate_drop", number(config, "rate_drop", 0.0));
        }
        params.put("verbosity", 0);
        return params;
    }

    /**
     * Writes the model and its round into {@code checkpoint_<round>}; the directory appears whole (written
     * beside it, then renamed), so a crash mid-write never leaves a checkpoint that cannot be loaded.
     */
    static Path checkpoint(Booster booster, int round, Path checkpointDir) throws IOException, XGBoostError {
        String name = String.format("checkpoint_%06d", round);
        Path target = checkpointDir.resolve(name);
        Path partial = checkpointDir.resolve("." + name + ".partial");
        deleteRecursively(partial);
        Files.createDirectories(partial);
        booster.saveModel(partial.resolve(MODEL).toString());
        Files.writeString(partial.resolve(ROUND), Integer.toString(round));
        deleteRecursively(target);
        Files.move(partial, target, StandardCopyOption.ATOMIC_MOVE);
        return target;
    }

    private static void deleteRecursively(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    /** The share of rows whose most probable class is the label. */
    static double accuracy(float[][] probabilities, float[] labels) {
        int correct = 0;
        for (int i = 0; i < labels.length; i++) {
            int best = 0;
            for (int c = 1; c < probabilities[i].length; c++) {
                if (probabilities[i][c] > probabilities[i][best]) {
                    best = c;
                }
            }
            if (best == (int) labels[i]) {
                correct++;
            }
        }
        return (double) correct / labels.length;
    }

    /** Multi-class log loss (as XGBoost's mlogloss), probabilities clipped at 1e-15. */
    static double logLoss(float[][] probabilities, float[] labels) {
        double sum = 0;
        for (int i = 0; i < labels.length; i++) {
            sum -= Math.log(Math.max(probabilities[i][(int) labels[i]], 1e-15));
        }
        return sum / labels.length;
    }

    // The worker hands numbers over as Long or Double; accept either (and numeric strings) for every key.

    static double number(Map<String, Object> config, String key, double fallback) {
        Object value = config.get(key);
        if (value == null) {
            return fallback;
        }
        double d = value instanceof Number n ? n.doubleValue() : Double.parseDouble(value.toString());
        if (!Double.isFinite(d)) {
            throw new IllegalArgumentException(key + " must be a finite number, not " + value);
        }
        return d;
    }

    static int positiveInt(Map<String, Object> config, String key, int fallback) {
        double d = number(config, key, fallback);
        if (d < 1 || d != Math.rint(d) || d > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(key + " must be a positive whole number, not " + config.get(key));
        }
        return (int) d;
    }

    static String string(Map<String, Object> config, String key, String fallback) {
        Object value = config.get(key);
        return value == null ? fallback : value.toString();
    }
}
