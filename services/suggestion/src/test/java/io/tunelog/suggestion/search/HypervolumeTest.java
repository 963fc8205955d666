package io.tunelog.suggestion.search;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class HypervolumeTest {

    @Test
    void shouldMeasureAStaircaseInTwoDimensions() {
        List<double[]> front = List.of(new double[] {1, 3}, new double[] {2, 2}, new double[] {3, 1}, new double[] {3, 3});

        // Boxes up to (4, 4): 3x1 + 2x1 + 1x1 below the staircase's steps, the dominated (3, 3) adds nothing.
        assertThat(Hypervolume.of(front, new double[] {4, 4})).isEqualTo(6.0);
    }

    @Test
    void shouldIgnorePointsNotBelowTheReferenceInEveryObjective() {
        List<double[]> points = List.of(new double[] {0, 5}, new double[] {5, 0}, new double[] {4, 4});

        assertThat(Hypervolume.of(points, new double[] {5, 5})).isEqualTo(1.0);
    }

    @Test
    void shouldMatchInclusionExclusionOnRandomFrontsInThreeAndFourDimensions() {
        Random random = new Random(7);
        for (int m = 3; m <= 4; m++) {
            for (int trial = 0; trial < 50; trial++) {
                List<double[]> points = new ArrayList<>();
                int n = 1 + random.nextInt(8);
                for (int i = 0; i < n; i++) {
                    double[] p = new double[m];
                    for (int k = 0; k < m; k++) {
                        p[k] = random.nextDouble();
                    }
                    points.add(p);
                }
                double[] reference = new double[m];
                java.util.Arrays.fill(reference, 1.0);

                assertThat(Hypervolume.of(points, reference)).isCloseTo(inclusionExclusion(points, reference), within(1e-12));
            }
        }
    }

    @Test
    void shouldGiveEachPointTheVolumeOnlyItDominates() {
        List<double[]> front = List.of(new double[] {1, 3}, new double[] {2, 2}, new double[] {3, 1}, new double[] {3, 3});

        assertThat(Hypervolume.contributions(front, new double[] {4, 4})).containsExactly(1.0, 1.0, 1.0, 0.0);
    }

    /** The union of boxes by inclusion and exclusion over every subset: slow, obviously right. */
    private static double inclusionExclusion(List<double[]> points, double[] reference) {
        int n = points.size();
        double total = 0;
        for (int mask = 1; mask < (1 << n); mask++) {
            double volume = 1;
            for (int k = 0; k < reference.length; k++) {
                double corner = Double.NEGATIVE_INFINITY;
                for (int i = 0; i < n; i++) {
                    if ((mask & (1 << i)) != 0) {
                        corner = Math.max(corner, points.get(i)[k]);
                    }
                }
                volume *= Math.max(reference[k] - corner, 0);
            }
            total += Integer.bitCount(mask) % 2 == 1 ? volume : -volume;
        }
        return total;
    }
}
