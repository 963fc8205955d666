package io.tunelog.worker;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

class ReportLineTest {

    @Test
    void shouldReadStepMetricsAndCheckpoint() {
        ReportLine.Parsed parsed = ReportLine.parse("{\"step\": 3, \"val_accuracy\": 0.91, \"loss\": 2, \"checkpoint\": \"checkpoint_000003\"}");

        assertThat(parsed).isEqualTo(new ReportLine.Report(new ReportLine(3, Map.of("val_accuracy", 0.91, "loss", 2.0), "checkpoint_000003")));
    }

    @Test
    void shouldPassPlainOutputThrough() {
        assertThat(ReportLine.parse("epoch 3 done")).isEqualTo(new ReportLine.Output("epoch 3 done"));
    }

    @Test
    void shouldRefuseReportsWithoutAValidStep() {
        assertThat(ReportLine.parse("{\"acc\": 1}")).isInstanceOf(ReportLine.Invalid.class);
        assertThat(ReportLine.parse("{\"step\": -1, \"acc\": 1}")).isInstanceOf(ReportLine.Invalid.class);
        assertThat(ReportLine.parse("{\"step\": 1.5, \"acc\": 1}")).isInstanceOf(ReportLine.Invalid.class);
    }

    @Test
    void shouldRefuseNonFiniteAndNonNumericMetricsByName() {
        assertThat(ReportLine.parse("{\"step\": 1, \"acc\": NaN}"))
                .isInstanceOfSatisfying(ReportLine.Invalid.class, i -> assertThat(i.reason()).contains("acc"));
        assertThat(ReportLine.parse("{\"step\": 1, \"acc\": Infinity}")).isInstanceOf(ReportLine.Invalid.class);
        assertThat(ReportLine.parse("{\"step\": 1, \"acc\": \"high\"}"))
                .isInstanceOfSatisfying(ReportLine.Invalid.class, i -> assertThat(i.reason()).contains("acc is not a number"));
    }

    @Test
    void shouldRefuseBrokenJsonAndHugeLines() {
        assertThat(ReportLine.parse("{\"step\": 1,")).isInstanceOf(ReportLine.Invalid.class);
        assertThat(ReportLine.parse("{\"step\": 1, \"x\": \"" + "a".repeat(ReportLine.MAX_LENGTH) + "\"}"))
                .isInstanceOfSatisfying(ReportLine.Invalid.class, i -> assertThat(i.reason()).contains("exceeds"));
    }
}
