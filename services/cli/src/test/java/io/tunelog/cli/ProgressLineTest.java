package io.tunelog.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.tunelog.domain.testing.LogBuilder;
import io.tunelog.scheduler.SchedulingDecider;
import io.tunelog.suggestion.SuggestionDecider;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The pieces of the live progress line: the bar, the ETA, the clock, and trials no worker can run. */
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

    @Test
    void shouldSayHowManyTrialsNoLiveWorkerCanRunAndWhy() {
        LogBuilder log = LogBuilder.submitted("e", """
                name: eight-gpus
                metric: {name: loss, mode: min}
                budget: {trials: 1}
                searchSpace: {x: {uniform: [0, 1]}}
                trial: {command: [train], resources: {gpus: 8}}
                """);
        log.decide(new SuggestionDecider());
        log.decide(new SchedulingDecider());
        assertThat(ExperimentFollower.line(log.state(), Duration.ofSeconds(5))).doesNotContain("unplaceable");

        log.placement("trial-00000", 1, false);

        assertThat(ExperimentFollower.line(log.state(), Duration.ofSeconds(5)))
                .contains("0 failed | 1 unplaceable: trial-00000 no live worker has 8 GPUs | no result yet");
    }

    @Test
    void shouldDropTheBarThenTheCountsByStatusThenCutTheLineBeforeItsClockToFitTheWidth() {
        String line = "[xgb] [###.......] 3/10 ended: 1 running, 3 completed | best trial-00002 acc=0.9700 | 00:12, ETA 00:28";
        assertThat(ExperimentFollower.fit(line, 200)).isEqualTo(line);
        assertThat(ExperimentFollower.fit(line, line.length() - 1))
                .isEqualTo("[xgb] 3/10 ended: 1 running, 3 completed | best trial-00002 acc=0.9700 | 00:12, ETA 00:28");
        assertThat(ExperimentFollower.fit(line, 70)).isEqualTo("[xgb] 3/10 ended | best trial-00002 acc=0.9700 | 00:12, ETA 00:28");
        assertThat(ExperimentFollower.fit(line, 50)).isEqualTo("[xgb] 3/10 ended | best tria... | 00:12, ETA 00:28");
        // Too narrow to keep the clock whole: cut at the end.
        assertThat(ExperimentFollower.fit(line, 30)).isEqualTo("[xgb] 3/10 ended | best tri...");
    }

    @Test
    void shouldTakeTheWidthFromColumnsAndNeverCutOffATerminal() {
        assertThat(TerminalWidth.columns("100", false)).isEqualTo(100);
        assertThat(TerminalWidth.columns(" 72 ", true)).isEqualTo(72);
        assertThat(TerminalWidth.columns("3", false)).isEqualTo(20);
        assertThat(TerminalWidth.columns("wide", false)).isEqualTo(TerminalWidth.NOT_A_TERMINAL);
        assertThat(TerminalWidth.columns(null, false)).isEqualTo(TerminalWidth.NOT_A_TERMINAL);
    }
}
