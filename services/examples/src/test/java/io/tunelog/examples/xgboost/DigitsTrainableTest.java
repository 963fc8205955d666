package io.tunelog.examples.xgboost;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tunelog.examples.RecordingContext;
import io.tunelog.trial.TrialStopped;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DigitsTrainableTest {
    private static final Map<String, Object> CONFIG = Map.of("eta", 0.3, "max_depth", 6L, "subsample", 1.0, "booster", "gbtree");

    private static RecordingContext train(Map<String, Object> config, Path checkpoints, Path restoreFrom) throws Exception {
        RecordingContext context = new RecordingContext(config, checkpoints, restoreFrom);
        long started = System.nanoTime();
        new DigitsTrainable().train(context);
        System.out.printf("DigitsTrainable %s%s: %d rounds in %d ms%n", config, restoreFrom == null ? "" : " from " + restoreFrom.getFileName(),
                context.reports.size(), (System.nanoTime() - started) / 1_000_000);
        return context;
    }

    private static List<Long> steps(long from, long to) {
        return LongStream.rangeClosed(from, to).boxed().toList();
    }

    @Test
    void shouldLearnTheDigitsReportingEveryRoundAndCheckpointingEveryTen(@TempDir Path dir) throws Exception {
        RecordingContext context = train(CONFIG, dir, null);

        assertThat(context.steps()).isEqualTo(steps(1, 30));
        assertThat(context.reports).allSatisfy(r -> assertThat(r.metrics()).containsOnlyKeys("val_accuracy", "val_mlogloss", "model_kb"));
        assertThat(context.last().metrics().get("val_accuracy")).isGreaterThan(0.9);
        assertThat(context.last().metrics().get("val_mlogloss")).isLessThan(context.reports.get(0).metrics().get("val_mlogloss"));
        assertThat(context.reports).extracting(r -> r.metrics().get("model_kb")).as("the model grows a tree per class each round")
                .isSortedAccordingTo(Double::compare).doesNotHaveDuplicates();
        assertThat(context.reports).filteredOn(r -> r.checkpoint() != null).extracting(RecordingContext.Report::step)
                .containsExactly(10L, 20L, 30L);
        for (long round : List.of(10L, 20L, 30L)) {
            Path checkpoint = context.reports.get((int) round - 1).checkpoint();
            assertThat(checkpoint).isEqualTo(dir.resolve(String.format("checkpoint_%06d", round))).isDirectory();
            assertThat(checkpoint.resolve(DigitsTrainable.MODEL)).isNotEmptyFile();
            assertThat(Files.readString(checkpoint.resolve(DigitsTrainable.ROUND))).isEqualTo(Long.toString(round));
            assertThat(context.reports.get((int) round - 1).metrics().get("model_kb")).as("the size of the model checkpointed")
                    .isEqualTo(Files.size(checkpoint.resolve(DigitsTrainable.MODEL)) / 1024.0);
        }
        try (var entries = Files.list(dir)) {
            assertThat(entries.map(p -> p.getFileName().toString()))
                    .as("nothing but whole checkpoints").containsExactlyInAnyOrder("checkpoint_000010", "checkpoint_000020", "checkpoint_000030");
        }
    }

    @Test
    void shouldResumeFromTheRoundTenCheckpointAtRoundEleven(@TempDir Path dir) throws Exception {
        RecordingContext whole = train(CONFIG, dir.resolve("whole"), null);
        Path roundTen = whole.reports.get(9).checkpoint();

        RecordingContext resumed = train(CONFIG, dir.resolve("resumed"), roundTen);

        assertThat(resumed.steps()).isEqualTo(steps(11, 30));
        assertThat(resumed.reports).filteredOn(r -> r.checkpoint() != null).extracting(RecordingContext.Report::step).containsExactly(20L, 30L);
        assertThat(resumed.last().metrics().get("val_accuracy")).isGreaterThan(0.9);
        // Without row subsampling training is deterministic, so the resumed trial carries on exactly.
        assertThat(resumed.last().metrics()).isEqualTo(whole.last().metrics());
    }

    @Test
    void shouldTrainDartWithSubsamplingFromLongsAndDoubles(@TempDir Path dir) throws Exception {
        RecordingContext context = train(Map.of("eta", 0.2, "max_depth", 4L, "subsample", 0.7, "booster", "dart", "rounds", 12L), dir, null);

        assertThat(context.steps()).isEqualTo(steps(1, 12));
        assertThat(context.last().metrics().get("val_accuracy")).isGreaterThan(0.8);
        assertThat(context.reports).filteredOn(r -> r.checkpoint() != null).extracting(RecordingContext.Report::step)
                .as("every tenth round and the last").containsExactly(10L, 12L);
    }

    @Test
    void shouldUseDefaultsWhenTheConfigurationIsEmpty(@TempDir Path dir) throws Exception {
        RecordingContext context = train(Map.of(), dir, null);

        assertThat(context.steps()).isEqualTo(steps(1, 30));
        assertThat(context.last().metrics().get("val_accuracy")).isGreaterThan(0.9);
    }

    @Test
    void shouldLetTrialStoppedPropagateAtTheNextReport(@TempDir Path dir) {
        RecordingContext context = new RecordingContext(CONFIG, dir, null, 5);

        assertThatThrownBy(() -> new DigitsTrainable().train(context)).isInstanceOf(TrialStopped.class);
        assertThat(context.steps()).isEqualTo(steps(1, 4));
    }

    @Test
    void shouldRefuseAnUnknownBooster(@TempDir Path dir) {
        RecordingContext context = new RecordingContext(Map.of("booster", "gblinear"), dir, null);

        assertThatThrownBy(() -> new DigitsTrainable().train(context))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("gblinear");
        assertThat(context.reports).isEmpty();
    }
}
