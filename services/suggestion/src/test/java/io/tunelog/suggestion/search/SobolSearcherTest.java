package io.tunelog.suggestion.search;

import static org.assertj.core.api.Assertions.assertThat;

import io.tunelog.suggestion.testing.SearchRun;
import io.tunelog.suggestion.testing.TestFunction;
import org.junit.jupiter.api.Test;

class SobolSearcherTest {

    @Test
    void shouldPutOnePointInEachCellOfAnEightByEightGrid() {
        // The first 64 points of a 2-D Sobol sequence, digitally shifted or not, form a (0,6,2)-net:
        // one point in each cell of an 8 x 8 grid. 64 random points almost never do.
        int[][] counts = new int[8][8];
        for (int i = 0; i < 64; i++) {
            double[] u = SobolSearcher.point(2, i, 42);
            counts[(int) (u[0] * 8)][(int) (u[1] * 8)]++;
        }
        for (int[] row : counts) {
            assertThat(row).containsOnly(1);
        }
    }

    @Test
    void shouldGiveOtherPointsForAnotherSeedAndTheSameForTheSame() {
        assertThat(SobolSearcher.point(3, 5, 1)).isEqualTo(SobolSearcher.point(3, 5, 1));
        assertThat(SobolSearcher.point(3, 5, 1)).isNotEqualTo(SobolSearcher.point(3, 5, 2));
        assertThat(SobolSearcher.point(3, 0, 1)).as("the first point is shifted off the origin").isNotEqualTo(new double[3]);
    }

    @Test
    void shouldComeCloseToBraninsMinimumIn64Points() {
        SearchRun.Result run = SearchRun.minimize("{type: sobol}", TestFunction.BRANIN, 64, 1, 3);

        assertThat(run.bestSoFar()).hasSize(64);
        assertThat(run.best() - TestFunction.BRANIN.minimum()).isBetween(0.0, 2.0);
    }
}
