package io.tunelog.domain.state;

import static org.assertj.core.api.Assertions.assertThat;

import io.tunelog.domain.event.Event;
import io.tunelog.domain.event.EventPayload;
import io.tunelog.domain.event.EventPayload.ObservationImported;
import io.tunelog.domain.testing.LogBuilder;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Given a warm-started experiment's log, the fold keeps the imported observations the rules admit and flags the others. */
class ImportFoldTest {
    static final String SPEC = """
            name: warm
            metric: {name: loss, mode: min}
            budget: {trials: 3}
            searchSpace:
              x: {uniform: [0, 1]}
              kind: {choice: [a, b]}
            trial: {command: [x]}
            warmStart: {from: [old]}
            """;

    private static ObservationImported imported(String trial, Map<String, Object> config, Map<String, Double> metrics) {
        return new ObservationImported("old", trial, config, metrics);
    }

    private static void importing(LogBuilder log, ObservationImported o) {
        log.command(null, "import/" + o.fromExperiment() + "/" + o.fromTrial() + "/" + log.state().eventCount(), o);
    }

    @Test
    void shouldKeepAdmittedObservationsInLogOrderAndCountNoTrial() {
        LogBuilder log = LogBuilder.submitted("e", SPEC);

        importing(log, imported("trial-00000", Map.of("x", 0.5, "kind", "a"), Map.of("loss", 2.0)));
        importing(log, imported("trial-00001", Map.of("x", 0.25, "kind", "b"), Map.of("loss", 1.0, "acc", 0.3)));

        assertThat(log.state().anomalies()).isEmpty();
        assertThat(log.state().imported()).extracting(ObservationImported::fromTrial).containsExactly("trial-00000", "trial-00001");
        assertThat(log.state().trials()).isEmpty();
        assertThat(log.state().best()).as("not this experiment's best").isEmpty();
    }

    @Test
    void shouldFlagObservationsTheRulesRefuse() {
        List<ObservationImported> refused = List.of(
                new ObservationImported("other", "trial-00000", Map.of("x", 0.5, "kind", "a"), Map.of("loss", 1.0)),
                imported("trial-00001", Map.of("x", 1.5, "kind", "a"), Map.of("loss", 1.0)),
                imported("trial-00002", Map.of("x", 0.5), Map.of("loss", 1.0)),
                imported("trial-00003", Map.of("x", 0.5, "kind", "a"), Map.of("acc", 1.0)),
                imported("trial-00004", Map.of("x", 0.5, "kind", "a"), Map.of("loss", Double.NaN)),
                imported("trial-00005", Map.of("x", 1L, "kind", "a"), Map.of("loss", 1.0)));
        for (ObservationImported o : refused) {
            LogBuilder log = LogBuilder.submitted("e", SPEC);

            importing(log, o);

            assertThat(log.state().anomalies()).as("%s", o).hasSize(1);
            assertThat(log.state().anomalies().get(0).reason()).startsWith("not admissible: observation of old/".replace("old", o.fromExperiment()));
            assertThat(log.state().imported()).isEmpty();
        }
    }

    @Test
    void shouldFlagATwiceImportedTrialAndAnImportAfterTheFirstTrial() {
        LogBuilder log = LogBuilder.submitted("e", SPEC);
        ObservationImported once = imported("trial-00000", Map.of("x", 0.5, "kind", "a"), Map.of("loss", 2.0));
        importing(log, once);
        importing(log, once);
        assertThat(log.state().anomalies()).extracting(Anomaly::reason).containsExactly("not admissible: observation of old/trial-00000 is already imported");

        log.append(new Event("e/created-0", "e", "trial-00000", 0, log.now(), new Event.Source("suggestion", "s"), 2L, null,
                new EventPayload.TrialCreated(Map.of("x", 0.1, "kind", "b"), "suggested", 0)));
        importing(log, imported("trial-00001", Map.of("x", 0.5, "kind", "a"), Map.of("loss", 2.0)));

        assertThat(log.state().anomalies()).hasSize(2);
        assertThat(log.state().anomalies().get(1).reason()).contains("after the experiment's first trial");
    }
}
