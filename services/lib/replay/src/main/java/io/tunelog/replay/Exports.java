package io.tunelog.replay;

import io.tunelog.domain.event.LoggedEvent;
import io.tunelog.domain.state.ExperimentState;
import io.tunelog.domain.state.Report;
import io.tunelog.domain.state.TrialState;
import io.tunelog.results.CsvTable;
import io.tunelog.results.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.TreeSet;

/** `tunelog export`: the log as an Avro archive, as JSON lines, or its reports as one CSV table. */
public final class Exports {

    public enum Format { AVRO, JSONL, CSV;

        public static Format parse(String name) {
            try {
                return valueOf(name.toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("unknown export format " + name + "; use avro, jsonl or csv");
            }
        }
    }

    private Exports() {}

    public static void write(ExperimentLog log, Format format, Path out) {
        switch (format) {
            case AVRO -> log.writeAvro(out);
            case JSONL -> writeText(out, jsonLines(log));
            case CSV -> writeText(out, csv(Replay.state(log)));
        }
    }

    static String jsonLines(ExperimentLog log) {
        StringBuilder s = new StringBuilder();
        for (LoggedEvent e : Replay.events(log)) {
            try {
                s.append(Json.MAPPER.writeValueAsString(Json.event(e))).append('\n');
            } catch (IOException ex) {
                throw new UncheckedIOException(ex);
            }
        }
        return s.toString();
    }

    /**
     * One row per accepted report, for pandas: experiment, trial, attempt, step, time, then every metric
     * and every parameter (prefixed {@code config/}) as columns; a cell is empty where a row lacks it.
     */
    static String csv(ExperimentState state) {
        TreeSet<String> metrics = new TreeSet<>();
        TreeSet<String> params = new TreeSet<>();
        for (TrialState t : state.trials()) {
            t.reports().forEach(r -> metrics.addAll(r.metrics().keySet()));
            params.addAll(t.config().keySet());
        }
        List<String> header = new ArrayList<>(List.of("experiment_id", "trial_id", "attempt", "training_iteration", "timestamp", "trial_status"));
        metrics.forEach(header::add);
        params.forEach(p -> header.add("config/" + p));
        List<List<String>> rows = new ArrayList<>();
        for (TrialState t : state.trials()) {
            for (Report r : t.reports()) {
                List<String> row = new ArrayList<>(List.of(state.experimentId(), t.trialId(), String.valueOf(r.attempt()),
                        String.valueOf(r.step()), r.timestamp().toString(), t.status().name()));
                metrics.forEach(m -> row.add(r.metrics().containsKey(m) ? String.valueOf(r.metrics().get(m)) : ""));
                params.forEach(p -> row.add(Objects.toString(t.config().get(p), "")));
                rows.add(row);
            }
        }
        return CsvTable.write(header, rows);
    }

    private static void writeText(Path out, String text) {
        Path tmp = out.resolveSibling(out.getFileName() + ".tmp");
        try (Writer w = Files.newBufferedWriter(tmp)) {
            w.write(text);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + out, e);
        }
        try {
            Files.move(tmp, out, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot move export into place at " + out, e);
        }
    }
}
