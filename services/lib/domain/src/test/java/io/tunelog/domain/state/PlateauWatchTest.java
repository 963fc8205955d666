package io.tunelog.domain.state;

import static org.assertj.core.api.Assertions.assertThat;

import io.tunelog.domain.spec.Plateau;
import org.junit.jupiter.api.Test;

class PlateauWatchTest {

    @Test
    void shouldHoldOnlyOnceTheBestScoresHaveStayedCloseForPatienceEndings() {
        PlateauWatch watch = new PlateauWatch(new Plateau(3, 0.01, 2), true);

        watch.ended(0.50);
        watch.ended(0.80);
        assertThat(watch.sd()).as("fewer than top endings: nothing judged").isNaN();
        watch.ended(0.81);
        assertThat(watch.sd()).as("best three 0.50, 0.80, 0.81").isGreaterThan(0.1);
        assertThat(watch.holds()).isFalse();
        watch.ended(0.805);
        assertThat(watch.sd()).as("best three 0.80, 0.805, 0.81").isLessThan(0.01);
        assertThat(watch.streak()).isEqualTo(1);
        assertThat(watch.holds()).as("patience 2: one ending is not enough").isFalse();
        watch.ended(0.10);

        assertThat(watch.streak()).as("a worse score leaves the best three as they were").isEqualTo(2);
        assertThat(watch.holds()).isTrue();
        assertThat(watch.endings()).isEqualTo(5);
    }

    @Test
    void shouldStartCountingAgainWhenANewBestSpreadsTheTopScores() {
        PlateauWatch watch = new PlateauWatch(new Plateau(2, 0.05, 2), true);
        watch.ended(1.0);
        watch.ended(1.01);
        assertThat(watch.streak()).isEqualTo(1);

        watch.ended(2.0);

        assertThat(watch.streak()).as("best two 1.01 and 2.0: moving again").isZero();
        assertThat(watch.holds()).isFalse();
    }

    @Test
    void shouldTakeTheLowestScoresAsBestForAMetricToMinimise() {
        PlateauWatch watch = new PlateauWatch(new Plateau(2, 0.01, 1), false);
        watch.ended(0.10);
        watch.ended(5.0);
        assertThat(watch.holds()).isFalse();

        watch.ended(0.105);

        assertThat(watch.sd()).as("best two 0.10 and 0.105").isEqualTo(0.0025, org.assertj.core.data.Offset.offset(1e-12));
        assertThat(watch.holds()).isTrue();
    }

    @Test
    void shouldUseThePopulationStandardDeviationAndAStrictBound() {
        PlateauWatch watch = new PlateauWatch(new Plateau(2, 0.5, 1), true);
        watch.ended(1.0);
        watch.ended(2.0);

        assertThat(watch.sd()).as("sqrt(((1-1.5)^2 + (2-1.5)^2) / 2)").isEqualTo(0.5);
        assertThat(watch.holds()).as("below std, not at it").isFalse();
    }
}
