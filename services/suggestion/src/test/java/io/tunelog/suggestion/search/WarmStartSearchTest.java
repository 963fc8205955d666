package io.tunelog.suggestion.search;

import static org.assertj.core.api.Assertions.assertThat;

import io.tunelog.domain.event.EventPayload.ObservationImported;
import io.tunelog.domain.spec.ExperimentSpec;
import io.tunelog.domain.testing.LogBuilder;
import io.tunelog.suggestion.testing.SearchRun;
import io.tunelog.suggestion.testing.TestFunction;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Given observations imported from an earlier experiment, model-based searchers use them as finished trials. */
class WarmStartSearchTest {

    @Test
    void shouldGiveImportedObservationsToTheModelBeforeTheExperimentsOwnTrials() {
        String spec = """
                name: h
                metric: {name: acc, mode: max}
                budget: {trials: 3}
                searchSpace: {x: {uniform: [0, 1]}}
                trial: {command: [x]}
                warmStart: {from: [old]}
                """;
        LogBuilder log = LogBuilder.submitted("e", spec);
        log.command(null, "import/0", new ObservationImported("old", "trial-00000", Map.of("x", 0.2), Map.of("acc", 0.9)));
        ExperimentSpec parsed = log.state().spec();

        History history = History.of(parsed, log.state(), List.of());

        assertThat(history.observations()).hasSize(1);
        assertThat(history.observations().get(0).config()).isEqualTo(Map.of("x", 0.2));
        assertThat(history.observations().get(0).objectives()).containsExactly(-0.9);
    }

    @Test
    void shouldLetTheGpSkipItsStartupTrialsWhenTheWarmStartGivesEnough() {
        SearchRun.Result earlier = SearchRun.minimize("{type: gp}", TestFunction.BRANIN, 12, 1, 1);

        SearchRun.Result warm = SearchRun.minimize("{type: gp}", TestFunction.BRANIN, 3, 1, 2, earlier.finished());
        SearchRun.Result cold = SearchRun.minimize("{type: gp}", TestFunction.BRANIN, 3, 1, 2);

        assertThat(warm.finished()).hasSize(3);
        assertThat(warm.finished().get(0).config()).as("the model's point, not the Sobol start")
                .isNotEqualTo(cold.finished().get(0).config());
        assertThat(warm.finished().get(0).value()).as("near the earlier best, which the model knows")
                .isLessThan(earlier.best() + 5);
    }
}
