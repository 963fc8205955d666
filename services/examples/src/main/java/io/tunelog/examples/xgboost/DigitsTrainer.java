package io.tunelog.examples.xgboost;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import ml.dmlc.xgboost4j.java.Booster;
import ml.dmlc.xgboost4j.java.DMatrix;
import ml.dmlc.xgboost4j.java.XGBoost;
import ml.dmlc.xgboost4j.java.XGBoostError;

/**
 * A Tunelog trial that trains gradient-boosted trees (XGBoost4J) on the UCI digits, one boosting round per
 * training step. It speaks the worker protocol: configuration from {@code TUNELOG_CONFIG}, one JSON report
 * per round on stdout, a checkpoint directory every {@code checkpointEvery} rounds under
 * {@code TUNELOG_CHECKPOINT_DIR}, and resumption from {@code TUNELOG_RESTORE_FROM}.
 */
public final class DigitsTrainer {
    private static final ObjectMapper JSON = new ObjectMapper();

    private DigitsTrainer() {}

    public static void main(String[] args) throws Exception {
        JsonNode config = JSON.readTree(env("TUNELOG_CONFIG", "{}"));
        Path checkpointDir = Path.of(env("TUNELOG_CHECKPOINT_DIR", "."));
        String restoreFrom = System.getenv("TUNELOG_RESTORE_FROM");
        PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        train(config, checkpointDir, restoreFrom == null ? null : Path.of(restoreFrom), out);
    }

    /** Trains and reports; returns the final validation accuracy. */
    static double train(JsonNode config, Path checkpointDir, Path restoreFrom, PrintStream out) throws Exception {
        int rounds = config.path("rounds").asInt(30);
        int checkpointEvery = config.path("checkpointEvery").asInt(10);
        Map<String, Object> params = new HashMap<>();
        params.put("objective", "multi:softprob");
        params.put("num_class", Digits.CLASSES);
        params.put("eta", config.path("eta").asDouble(0.3));
        params.put("max_depth", config.path("max_depth").asInt(6));
        params.put("subsample", config.path("subsample").asDouble(1.0));
        params.put("booster", config.path("booster").asText("gbtree"));
        params.put("nthread", 1);
        params.put("seed", 0);
        params.put("verbosity", 0);

        Digits data = Digits.load();
        DMatrix train = new DMatrix(data.trainX(), data.trainY().length, Digits.FEATURES, Float.NaN);
        train.setLabel(data.trainY());
        DMatrix valid = new DMatrix(data.validX(), data.validY().length, Digits.FEATURES, Float.NaN);

        Booster booster;
        int done;
        if (restoreFrom != null) {
            booster = XGBoost.loadModel(restoreFrom.resolve("model.ubj").toString());
            params.forEach((k, v) -> setParam(booster, k, v));
            done = Integer.parseInt(Files.readString(restoreFrom.resolve("round")).strip());
        } else {
            booster = XGBoost.train(train, params, 0, Map.of(), null, null);
            done = 0;
        }
        double accuracy = 0;
        for (int round = done + 1; round <= rounds; round++) {
            booster.update(train, round - 1);
            float[][] probabilities = booster.predict(valid);
            accuracy = accuracy(probabilities, data.validY());
            ObjectNode report = JSON.createObjectNode();
            report.put("step", round);
            report.put("val_accuracy", accuracy);
            report.put("val_mlogloss", logLoss(probabilities, data.validY()));
            if (round % checkpointEvery == 0 || round == rounds) {
                Path dir = Files.createDirectories(checkpointDir.resolve(String.format("checkpoint_%06d", round)));
                booster.saveModel(dir.resolve("model.ubj").toString());
                Files.writeString(dir.resolve("round"), Integer.toString(round));
                report.put("checkpoint", dir.getFileName().toString());
            }
            out.println(JSON.writeValueAsString(report));
        }
        return accuracy;
    }

    private static void setParam(Booster booster, String key, Object value) {
        try {
            booster.setParam(key, value);
        } catch (XGBoostError e) {
            throw new IllegalStateException("cannot set " + key, e);
        }
    }

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

    static double logLoss(float[][] probabilities, float[] labels) {
        double sum = 0;
        for (int i = 0; i < labels.length; i++) {
            sum -= Math.log(Math.max(probabilities[i][(int) labels[i]], 1e-15));
        }
        return sum / labels.length;
    }

    private static String env(String name, String fallback) {
        String value = System.getenv(name);
        return value == null || value.isBlank() ? fallback : value;
    }
}
