package io.tunelog.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/** The strict reading of Prometheus's text format, and the naming rules MetricsEndpointTest holds our meters to. */
class ExpositionTest {
    private static final String VALID = """
            # HELP tunelog_trials Trials of running experiments by status
            # TYPE tunelog_trials gauge
            tunelog_trials{service="scheduler",status="running"} 2.0
            # TYPE tunelog_events_folded_total counter
            tunelog_events_folded_total{service="a\\\\b \\"c\\"\\n"} 7.0
            # TYPE tunelog_decision_latency_seconds histogram
            tunelog_decision_latency_seconds_bucket{service="scheduler",le="+Inf"} 3
            tunelog_decision_latency_seconds_count{service="scheduler"} 3
            tunelog_decision_latency_seconds_sum{service="scheduler"} 0.25
            # TYPE tunelog_decision_latency_seconds_max gauge
            tunelog_decision_latency_seconds_max{service="scheduler"} NaN
            """;

    @Test
    void shouldReadSamplesLabelsAndEscapes() {
        Exposition text = Exposition.parse(VALID);

        assertThat(text.families()).containsEntry("tunelog_decision_latency_seconds", "histogram").hasSize(4);
        assertThat(text.samples()).hasSize(6);
        assertThat(text.value("tunelog_trials", "scheduler", "status", "running")).isEqualTo(2);
        assertThat(text.find("tunelog_events_folded_total", Map.of("service", "a\\b \"c\"\n"))).isEqualTo(7);
        assertThat(MetricsEndpointTest.namingProblems(text)).isEmpty();
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "no TYPE for the sample | tunelog_trials{service=\"scheduler\",status=\"running\"} 2.0 | tunelog_other{service=\"a\"} 1 | no # TYPE declares it",
            "unclosed label value | tunelog_trials{service=\"scheduler\",status=\"running\"} 2.0 | tunelog_trials{service=\"scheduler 2.0 | ends inside its labels",
            "no value | tunelog_trials{service=\"scheduler\",status=\"running\"} 2.0 | tunelog_trials{service=\"scheduler\"} | malformed value",
            "label without quotes | status=\"running\" | status=running | malformed label",
            "bucket without le | _bucket{service=\"scheduler\",le=\"+Inf\"} | _bucket{service=\"scheduler\"} | histogram bucket without le",
            "family typed twice | # TYPE tunelog_decision_latency_seconds_max gauge | # TYPE tunelog_trials gauge | family typed twice"})
    void shouldRefuseWhatAScraperWouldRefuse(String what, String from, String to, String problem) {
        assertThat(VALID).as("the case must change something").contains(from);

        assertThatThrownBy(() -> Exposition.parse(VALID.replace(from, to))).hasMessageContaining(problem);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "an instance label | {service=\"scheduler\",status=\"running\"} | {service=\"scheduler\",instance=\"x\",status=\"running\"} | tunelog_trials: labelled instance",
            "a gauge without its unit | tunelog_trials | tunelog_trial_count | tunelog_trial_count: a gauge not ending in its unit",
            "a counter without _total | tunelog_events_folded_total | tunelog_events_folded | tunelog_events_folded: a counter not ending in _total",
            "a histogram without its unit | tunelog_decision_latency_seconds | tunelog_decision_latency | tunelog_decision_latency: a histogram not ending in its unit"})
    void shouldNameWhatBreaksPrometheusConventions(String what, String from, String to, String problem) {
        assertThat(VALID).as("the case must change something").contains(from);

        assertThat(MetricsEndpointTest.namingProblems(Exposition.parse(VALID.replace(from, to)))).contains(problem);
    }
}
