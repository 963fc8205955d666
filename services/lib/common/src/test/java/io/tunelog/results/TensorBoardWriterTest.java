package io.tunelog.results;

import static io.tunelog.results.TensorBoardEventDecoder.get;
import static io.tunelog.results.TensorBoardEventDecoder.has;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.DynamicMessage;
import com.google.protobuf.Message;
import io.tunelog.domain.event.Event;
import io.tunelog.domain.event.EventPayload;
import io.tunelog.domain.event.LoggedEvent;
import io.tunelog.domain.state.ExperimentState;
import io.tunelog.domain.state.Report;
import io.tunelog.domain.state.TrialState;
import io.tunelog.domain.testing.LogBuilder;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The TensorBoard event files, read back with protobuf-java through {@link TensorBoardEventDecoder}. */
class TensorBoardWriterTest {
    private static final String SPEC = """
            name: tensorboard
            metric: {name: accuracy, mode: max}
            budget: {trials: 2, concurrent: 1}
            searchSpace: {x: {uniform: [0, 1]}}
            trial: {command: [train], maxFailures: 1}
            """;
    private static final Map<String, Object> CONFIG = Map.of(
            "lr", 0.003, "model.layers", 4L, "optimizer", "adam", "augment", true);

    @TempDir
    Path dir;

    @Test
    void shouldWriteEveryReportOfEveryAttemptAndTheConfigAsTheStateHoldsThem() throws IOException {
        LogBuilder log = LogBuilder.submitted("exp", SPEC);
        created(log, "trial-00000", 0, CONFIG);
        log.queued("trial-00000", 1);
        log.started("trial-00000", 1);
        // Off whole seconds, so that a wall time that lost its fraction would show.
        reported(log, "trial-00000", 1, 1, Map.of("accuracy", 0.51, "loss", 1.7), LogBuilder.T0.plusMillis(10_250));
        reported(log, "trial-00000", 1, 2, Map.of("accuracy", 0.625, "loss", 1.2), LogBuilder.T0.plusMillis(11_500));
        log.failed("trial-00000", 1, true);
        log.queued("trial-00000", 2);
        log.started("trial-00000", 2);
        reported(log, "trial-00000", 2, 2, Map.of("accuracy", 0.6, "loss", 1.25), LogBuilder.T0.plusMillis(20_001));
        reported(log, "trial-00000", 2, 3, Map.of("accuracy", 0.7, "loss", 0.9), LogBuilder.T0.plusMillis(21_999));
        TrialState trial = log.state().trial("trial-00000");
        assertThat(log.state().anomalies()).isEmpty();
        assertThat(trial.reports()).hasSize(4);

        Path file = TensorBoardWriter.write(trial, dir);

        Instant first = trial.reports().get(0).timestamp();
        assertThat(file.getFileName().toString()).isEqualTo("events.out.tfevents." + first.getEpochSecond() + ".tunelog");
        List<DynamicMessage> events = TensorBoardEventDecoder.events(Files.readAllBytes(file));
        assertThat(events).hasSize(2 + trial.reports().size());
        assertThat(get(events.get(0), "file_version")).isEqualTo("brain.Event:2");
        assertThat(get(events.get(0), "wall_time")).isEqualTo(seconds(first));
        assertHparams(events.get(1), trial.config(), trial.firstStartedAt());
        assertScalars(events.subList(2, events.size()), trial.reports());
        try (Stream<Path> files = Files.list(dir)) {
            assertThat(files).containsExactly(file); // the temporary file is gone
        }
    }

    @Test
    void shouldFailTheDecoderOnACorruptedRecord() throws IOException {
        LogBuilder log = LogBuilder.submitted("exp", SPEC);
        created(log, "trial-00000", 0, CONFIG);
        log.queued("trial-00000", 1);
        log.started("trial-00000", 1);
        log.reported("trial-00000", 1, 1, Map.of("accuracy", 0.5));
        byte[] file = Files.readAllBytes(TensorBoardWriter.write(log.state().trial("trial-00000"), dir));
        List<byte[]> records = TensorBoardEventDecoder.records(file);
        assertThat(records).hasSize(3);
        int second = 8 + 4 + records.get(0).length + 4;

        byte[] data = file.clone();
        data[second + 12 + 5] ^= 0x01;
        assertThatThrownBy(() -> TensorBoardEventDecoder.records(data))
                .isInstanceOf(TensorBoardEventDecoder.CorruptRecordException.class)
                .hasMessage("record at byte " + second + ": data CRC does not match");

        byte[] length = file.clone();
        length[second] ^= 0x01;
        assertThatThrownBy(() -> TensorBoardEventDecoder.records(length))
                .isInstanceOf(TensorBoardEventDecoder.CorruptRecordException.class)
                .hasMessage("record at byte " + second + ": length CRC does not match");

        assertThatThrownBy(() -> TensorBoardEventDecoder.records(Arrays.copyOf(file, file.length - 1)))
                .isInstanceOf(TensorBoardEventDecoder.CorruptRecordException.class)
                .hasMessageEndingWith("runs past the end");
    }

    @Test
    void shouldWriteAnEventFileIntoEachReportingTrialsResultsDirectory() throws IOException {
        LogBuilder log = LogBuilder.submitted("exp", SPEC);
        created(log, "trial-00000", 0, CONFIG);
        created(log, "trial-00001", 1, Map.of("lr", 0.01, "model.layers", 2L, "optimizer", "sgd", "augment", false));
        log.queued("trial-00000", 1);
        log.started("trial-00000", 1);
        log.queued("trial-00001", 1);
        log.started("trial-00001", 1);
        log.reported("trial-00000", 1, 1, Map.of("accuracy", 0.4));
        log.reported("trial-00001", 1, 1, Map.of("accuracy", 0.3, "loss", 2.0));
        log.reported("trial-00000", 1, 2, Map.of("accuracy", 0.55, "loss", 1.5));
        log.reported("trial-00001", 1, 5, Map.of("accuracy", 0.45, "loss", 1.0));
        log.completed("trial-00000", 1);
        created(log, "trial-00002", 2, Map.of("lr", 0.02, "model.layers", 1L, "optimizer", "sgd", "augment", true));
        ExperimentState state = log.state();
        assertThat(state.anomalies()).isEmpty();
        Path results = dir.resolve("exp");

        ResultsWriter.write(state, results);

        for (String trialId : List.of("trial-00000", "trial-00001")) {
            List<Event> reported = log.events().stream().map(LoggedEvent::event)
                    .filter(e -> trialId.equals(e.trialId()) && e.payload() instanceof EventPayload.TrialReported)
                    .toList();
            Path file = results.resolve(trialId).resolve("events.out.tfevents." + reported.get(0).timestamp().getEpochSecond() + ".tunelog");
            assertThat(eventFiles(results.resolve(trialId))).containsExactly(file);
            List<DynamicMessage> events = TensorBoardEventDecoder.events(Files.readAllBytes(file));
            assertThat(events).hasSize(2 + reported.size());
            Event createdEvent = log.events().stream().map(LoggedEvent::event)
                    .filter(e -> trialId.equals(e.trialId()) && e.payload() instanceof EventPayload.TrialCreated)
                    .findFirst().orElseThrow();
            Event startedEvent = log.events().stream().map(LoggedEvent::event)
                    .filter(e -> trialId.equals(e.trialId()) && e.payload() instanceof EventPayload.TrialStarted)
                    .findFirst().orElseThrow();
            assertHparams(events.get(1), ((EventPayload.TrialCreated) createdEvent.payload()).config(), startedEvent.timestamp());
            assertScalars(events.subList(2, events.size()), reported.stream().map(e -> {
                var r = (EventPayload.TrialReported) e.payload();
                return new Report(r.attempt(), r.step(), r.metrics(), e.timestamp());
            }).toList());
        }
        assertThat(eventFiles(results.resolve("trial-00002"))).isEmpty();

        // A projection of the log: writing it again gives the same bytes.
        Path file = eventFiles(results.resolve("trial-00001")).get(0);
        byte[] before = Files.readAllBytes(file);
        ResultsWriter.write(state, results);
        assertThat(Files.readAllBytes(file)).isEqualTo(before);
    }

    private static void assertScalars(List<DynamicMessage> events, List<Report> reports) {
        assertThat(events).hasSameSizeAs(reports);
        for (int i = 0; i < reports.size(); i++) {
            Report report = reports.get(i);
            DynamicMessage event = events.get(i);
            assertThat(get(event, "wall_time")).isEqualTo(seconds(report.timestamp()));
            assertThat(get(event, "step")).isEqualTo(report.step());
            Map<String, Float> values = new HashMap<>();
            for (Object v : (List<?>) get((Message) get(event, "summary"), "value")) {
                Message value = (Message) v;
                assertThat(has(value, "metadata")).isFalse();
                assertThat(values.put((String) get(value, "tag"), (Float) get(value, "simple_value"))).isNull();
            }
            Map<String, Float> expected = new HashMap<>();
            report.metrics().forEach((k, v) -> expected.put(k, v.floatValue()));
            assertThat(values).isEqualTo(expected);
        }
    }

    private static void assertHparams(DynamicMessage event, Map<String, Object> config, Instant started) throws IOException {
        assertThat(has(event, "step")).isFalse();
        List<?> values = (List<?>) get((Message) get(event, "summary"), "value");
        assertThat(values).hasSize(1);
        DynamicMessage value = (DynamicMessage) values.get(0);
        assertThat(get(value, "tag")).isEqualTo("_hparams_/session_start_info");
        assertThat(get((Message) get(value, "metadata"), "plugin_data"))
                .satisfies(p -> assertThat(get((Message) p, "plugin_name")).isEqualTo("hparams"));
        Message tensor = (Message) get(value, "tensor");
        assertThat(get(tensor, "dtype")).isEqualTo(1); // DT_FLOAT
        List<?> dims = (List<?>) get((Message) get(tensor, "tensor_shape"), "dim");
        assertThat(dims).hasSize(1);
        assertThat(get((Message) dims.get(0), "size")).isEqualTo(0L);

        DynamicMessage pluginData = TensorBoardEventDecoder.pluginData(value);
        assertThat(get(pluginData, "version")).isEqualTo(0);
        Message start = (Message) get(pluginData, "session_start_info");
        assertThat(get(start, "start_time_secs")).isEqualTo(seconds(started));
        Map<String, Message> hparams = new HashMap<>();
        for (Object entry : (List<?>) get(start, "hparams")) {
            hparams.put((String) get((Message) entry, "key"), (Message) get((Message) entry, "value"));
        }
        assertThat(hparams).containsOnlyKeys(config.keySet());
        config.forEach((name, expected) -> {
            Message v = hparams.get(name);
            if (expected instanceof Number n) {
                assertThat(has(v, "number_value")).as(name).isTrue();
                assertThat(get(v, "number_value")).as(name).isEqualTo(n.doubleValue());
            } else if (expected instanceof Boolean b) {
                assertThat(has(v, "bool_value")).as(name).isTrue();
                assertThat(get(v, "bool_value")).as(name).isEqualTo(b);
            } else {
                assertThat(has(v, "string_value")).as(name).isTrue();
                assertThat(get(v, "string_value")).as(name).isEqualTo(expected);
            }
        });
    }

    private static List<Path> eventFiles(Path trialDir) throws IOException {
        try (Stream<Path> files = Files.list(trialDir)) {
            return files.filter(f -> f.getFileName().toString().contains("tfevents")).toList();
        }
    }

    private static double seconds(Instant t) {
        return t.getEpochSecond() + t.getNano() / 1e9;
    }

    private static void created(LogBuilder log, String trialId, int index, Map<String, Object> config) {
        log.append(new Event(Event.id("exp", trialId + "/created"), "exp", trialId, sequence(log, "suggestion"),
                LogBuilder.T0.plusSeconds(log.events().size()), new Event.Source("suggestion", "test"),
                (long) log.events().size() - 1, new EventPayload.TrialCreated(config, "random", index)));
    }

    /** A report as the gate admits it, at a time of the test's choosing. */
    private static void reported(LogBuilder log, String trialId, int attempt, long step, Map<String, Double> metrics, Instant at) {
        log.append(new Event(Event.id("exp", trialId + "/a" + attempt + "/step-" + step), "exp", trialId,
                sequence(log, "gate"), at, new Event.Source("gate", "test"), (long) log.events().size() - 1,
                new EventPayload.TrialReported(attempt, step, metrics, null)));
    }

    private static long sequence(LogBuilder log, String service) {
        return log.events().stream().filter(e -> e.event().source().service().equals(service)).count();
    }
}
