package io.tunelog.results;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tunelog.domain.state.ExperimentState;
import io.tunelog.domain.state.Report;
import io.tunelog.domain.state.TrialState;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;

/**
 * Writes an experiment's results where Ray Tune users look for them: one directory per trial with
 * {@code params.json}, {@code result.json} (a JSON line per report) and {@code progress.csv}, and an
 * {@code experiment.json} at the top; a trial that has reported also gets a TensorBoard event file
 * ({@link TensorBoardWriter}). Everything is derived from the folded log, so it can be
 * rewritten from the log at any time.
 */
public final class ResultsWriter {

    private ResultsWriter() {}

    public static void write(ExperimentState state, Path dir) {
        try {
            Files.createDirectories(dir);
            for (TrialState trial : state.trials()) {
                writeTrial(trial, dir.resolve(trial.trialId()));
            }
            writeAtomically(dir.resolve("experiment.json"),
                    Json.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(experiment(state, dir)) + "\n");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write results to " + dir, e);
        }
    }

    private static ObjectNode experiment(ExperimentState state, Path dir) throws IOException {
        ObjectNode node = Json.summary(state, dir);
        if (state.spec() != null) {
            node.put("name", state.spec().name());
            node.set("spec", Json.MAPPER.readTree(state.specJson()));
            state.completion().ifPresent(c -> node.put("completionReason", c.reason()));
            ArrayNode trials = node.putArray("trialList");
            state.trials().forEach(t -> trials.add(Json.trial(t, state.spec())));
        }
        return node;
    }

    private static void writeTrial(TrialState trial, Path dir) throws IOException {
        Files.createDirectories(dir);
        writeAtomically(dir.resolve("params.json"),
                Json.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(Json.sorted(trial.config())) + "\n");
        StringBuilder results = new StringBuilder();
        TreeSet<String> metricNames = new TreeSet<>();
        for (Report r : trial.reports()) {
            ObjectNode line = Json.MAPPER.createObjectNode();
            line.put("trial_id", trial.trialId());
            line.put("training_iteration", r.step());
            line.put("attempt", r.attempt());
            line.put("timestamp", r.timestamp().toString());
            r.metrics().forEach((k, v) -> line.put(k, v));
            results.append(Json.MAPPER.writeValueAsString(line)).append('\n');
            metricNames.addAll(r.metrics().keySet());
        }
        writeAtomically(dir.resolve("result.json"), results.toString());
        List<String> columns = new ArrayList<>(List.of("training_iteration", "attempt", "timestamp"));
        columns.addAll(metricNames);
        List<List<String>> rows = new ArrayList<>();
        for (Report r : trial.reports()) {
            List<String> cells = new ArrayList<>(List.of(String.valueOf(r.step()), String.valueOf(r.attempt()), r.timestamp().toString()));
            for (String m : metricNames) {
                Double v = r.metrics().get(m);
                cells.add(v == null ? "" : String.valueOf(v));
            }
            rows.add(cells);
        }
        writeAtomically(dir.resolve("progress.csv"), CsvTable.write(columns, rows));
        if (!trial.reports().isEmpty()) {
            TensorBoardWriter.write(trial, dir);
        }
    }

    /** Readers never see a half-written file: write beside it, then rename over it. */
    private static void writeAtomically(Path file, String content) throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        try (Writer w = Files.newBufferedWriter(tmp)) {
            w.write(content);
        }
        Files.move(tmp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }

    /** As {@link #writeAtomically(Path, String)}, for a file whose temporary name must be chosen by the caller. */
    static void writeAtomically(Path file, Path tmp, byte[] content) throws IOException {
        Files.write(tmp, content);
        Files.move(tmp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }
}
