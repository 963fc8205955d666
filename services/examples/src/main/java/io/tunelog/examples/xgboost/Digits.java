package io.tunelog.examples.xgboost;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.zip.GZIPInputStream;

/**
 * The UCI digits (shipped as a resource: 1,797 rows of 64 pixel values 0-16 then the label 0-9, no header),
 * split once into fixed training and validation sets. The arrays are row-major, 64 floats per row.
 */
record Digits(float[] trainX, float[] trainY, float[] validX, float[] validY) {
    static final int FEATURES = 64;
    static final int CLASSES = 10;
    static final String RESOURCE = "/io/tunelog/examples/data/digits.csv.gz";

    /** 75% training, 25% validation, after a shuffle with a fixed seed so every trial sees the same split. */
    static Digits load() {
        List<float[]> rows = new ArrayList<>();
        InputStream raw = Digits.class.getResourceAsStream(RESOURCE);
        if (raw == null) {
            throw new IllegalStateException(RESOURCE + " is not on the class path");
        }
        try (InputStream closing = raw;
             BufferedReader in = new BufferedReader(new InputStreamReader(new GZIPInputStream(closing), StandardCharsets.UTF_8))) {
            String line;
            while ((line = in.readLine()) != null) {
                if (line.isBlank()) {
                    continue;
                }
                String[] cells = line.split(",");
                if (cells.length != FEATURES + 1) {
                    throw new IllegalStateException("digits row " + (rows.size() + 1) + " has " + cells.length + " cells, not " + (FEATURES + 1));
                }
                float[] row = new float[FEATURES + 1];
                for (int i = 0; i <= FEATURES; i++) {
                    row[i] = Float.parseFloat(cells[i]);
                }
                rows.add(row);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the digits data", e);
        }
        Collections.shuffle(rows, new Random(20260101L));
        int trainRows = rows.size() * 3 / 4;
        return new Digits(features(rows.subList(0, trainRows)), labels(rows.subList(0, trainRows)),
                features(rows.subList(trainRows, rows.size())), labels(rows.subList(trainRows, rows.size())));
    }

    private static float[] features(List<float[]> rows) {
        float[] x = new float[rows.size() * FEATURES];
        for (int r = 0; r < rows.size(); r++) {
            System.arraycopy(rows.get(r), 0, x, r * FEATURES, FEATURES);
        }
        return x;
    }

    private static float[] labels(List<float[]> rows) {
        float[] y = new float[rows.size()];
        for (int r = 0; r < rows.size(); r++) {
            y[r] = rows.get(r)[FEATURES];
        }
        return y;
    }
}
