package io.tunelog.suggestion.search;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class ParetoOrderTest {

    @Test
    void shouldRankFeasibleTrialsByDominanceAndInfeasibleOnesAfterThemByViolation() {
        List<double[]> objectives = List.of(new double[] {1, 1}, new double[] {0, 0}, new double[] {2, 2}, new double[] {5, 5},
                new double[] {9, 0}, new double[] {-1, -1});
        double[] violations = {0, 0.5, 0, 0, 0, 2};

        // (0,0) and (-1,-1) would dominate everything, but they violate a constraint.
        assertThat(ParetoOrder.ranks(objectives, violations)).containsExactly(0, 3, 1, 2, 0, 4);
    }

    @Test
    void shouldPreferAFeasibleTrialToAnyInfeasibleOneAndTheLessViolatingOfTwoInfeasible() {
        assertThat(ParetoOrder.dominates(new double[] {9, 9}, 0, new double[] {0, 0}, 0.1)).isTrue();
        assertThat(ParetoOrder.dominates(new double[] {0, 0}, 0.1, new double[] {9, 9}, 0)).isFalse();
        assertThat(ParetoOrder.dominates(new double[] {9, 9}, 0.1, new double[] {0, 0}, 0.2)).isTrue();
        assertThat(ParetoOrder.dominates(new double[] {1, 2}, 0, new double[] {2, 1}, 0)).isFalse();
    }

    @Test
    void shouldGiveTheEndsOfAFrontInfiniteCrowdingAndTheMiddleTheGapBetweenItsNeighbours() {
        List<double[]> front = List.of(new double[] {0, 4}, new double[] {1, 3}, new double[] {3, 1}, new double[] {4, 0});

        double[] crowding = ParetoOrder.crowding(front);

        assertThat(crowding[0]).isInfinite();
        assertThat(crowding[3]).isInfinite();
        // (1, 3): neighbours 0 and 3 in the first objective, 4 and 1 in the second; both ranges are 4.
        assertThat(crowding[1]).isEqualTo(3 / 4.0 + 3 / 4.0);
        assertThat(crowding[2]).isEqualTo(3 / 4.0 + 3 / 4.0);
    }
}
