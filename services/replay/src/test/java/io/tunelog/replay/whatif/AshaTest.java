package io.tunelog.replay.whatif;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** Ray Tune's ASHA semantics, worked by hand. */
class AshaTest {

    @Test
    void shouldPlaceRungsAtGraceTimesPowersOfTheReductionFactor() {
        assertThat(new Asha(9, 1, 3).milestones()).containsExactly(9L, 3L, 1L);
        assertThat(new Asha(100, 1, 4).milestones()).containsExactly(64L, 16L, 4L, 1L);
        assertThat(new Asha(100, 10, 3).milestones()).containsExactly(90L, 30L, 10L);
    }

    @Test
    void shouldStopTrialBelowRungCutoffAndRecordIt() {
        Asha asha = new Asha(9, 1, 3);

        assertThat(asha.stopAfter("a", 1, 0.5)).as("first at the rung: nothing to compare with").isFalse();
        assertThat(asha.stopAfter("b", 1, 0.3)).as("below the only recorded score").isTrue();
        // cutoff = 66.7th percentile of {0.5, 0.3} = 0.3 + 0.2 * 2/3 = 0.4333
        assertThat(asha.stopAfter("c", 1, 0.44)).isFalse();
        assertThat(asha.stopAfter("d", 1, 0.43)).as("0.43 < cutoff of {0.5, 0.3, 0.44}").isTrue();
    }

    @Test
    void shouldJudgeATrialOncePerRung() {
        Asha asha = new Asha(9, 1, 3);
        asha.stopAfter("a", 1, 0.9);
        asha.stopAfter("b", 1, 0.8);

        assertThat(asha.stopAfter("b", 2, 0.1)).as("b was judged at rung 1 already").isFalse();
        assertThat(asha.stopAfter("a", 3, 0.5)).as("first at rung 3").isFalse();
        assertThat(asha.stopAfter("b", 3, 0.4)).as("below a at rung 3").isTrue();
    }

    @Test
    void shouldStopEveryTrialAtMaxT() {
        Asha asha = new Asha(9, 1, 3);

        assertThat(asha.stopAfter("a", 9, 1.0)).isTrue();
        assertThat(asha.stopAfter("b", 12, 1.0)).isTrue();
    }

    @Test
    void shouldRefuseImpossibleSettings() {
        assertThatThrownBy(() -> new Asha(5, 10, 3)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("gracePeriod");
        assertThatThrownBy(() -> new Asha(100, 1, 1)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("reductionFactor");
    }
}
