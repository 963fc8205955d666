package io.tunelog.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The pieces of the live progress line: the bar, the ETA and the clock. */
class ProgressLineTest {
    @Test
    void shouldFillTheBarInProportionAndNeverPastItsWidth() {
        assertThat(ExperimentFollower.bar(0, 12, 10)).isEqualTo("[..........]");
        assertThat(ExperimentFollower.bar(6, 12, 10)).isEqualTo("[#####.....]");
        assertThat(ExperimentFollower.bar(12, 12, 10)).isEqualTo("[##########]");
        // A robust stage can end more trials than first planned.
        assertThat(ExperimentFollower.bar(14, 12, 10)).isEqualTo("[##########]");
        assertThat(ExperimentFollower.bar(3, 0, 4)).isEqualTo("[....]");
    }

    @Test
    void shouldEstimateTheTimeLeftFromTheTrialsThatEnded() {
        assertThat(ExperimentFollower.eta(Duration.ofSeconds(30), 0, 12)).isEmpty();
        // 3 of 12 ended in 60 s: 9 more take 180 s.
        assertThat(ExperimentFollower.eta(Duration.ofSeconds(60), 3, 12)).contains(Duration.ofSeconds(180));
        assertThat(ExperimentFollower.eta(Duration.ofSeconds(60), 12, 12)).contains(Duration.ZERO);
    }

    @Test
    void shouldShowHoursOnlyWhenThereAreAny() {
        assertThat(ExperimentFollower.clock(Duration.ofSeconds(75))).isEqualTo("01:15");
        assertThat(ExperimentFollower.clock(Duration.ofSeconds(3 * 3600 + 62))).isEqualTo("3:01:02");
    }
}
