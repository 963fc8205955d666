package io.tunelog.domain.state;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class DominanceTest {

    @Test
    void shouldDominateOnlyWhenNoWorseEverywhereAndBetterSomewhere() {
        assertThat(Dominance.dominates(new double[] {1, 2}, new double[] {1, 3})).isTrue();
        assertThat(Dominance.dominates(new double[] {1, 3}, new double[] {1, 2})).isFalse();
        assertThat(Dominance.dominates(new double[] {1, 2}, new double[] {1, 2})).as("equal points").isFalse();
        assertThat(Dominance.dominates(new double[] {0, 5}, new double[] {5, 0})).as("a trade-off").isFalse();
    }

    @Test
    void shouldRankLayersOfNonDominatedPoints() {
        List<double[]> points = List.of(
                new double[] {1, 5}, new double[] {2, 2}, new double[] {5, 1},   // the front
                new double[] {3, 3}, new double[] {6, 2},                         // dominated by the front only
                new double[] {4, 4},                                              // dominated by (3, 3)
                new double[] {2, 2});                                             // a duplicate of a front point

        assertThat(Dominance.ranks(points)).containsExactly(0, 0, 0, 1, 1, 2, 0);
        assertThat(Dominance.front(points)).containsExactly(0, 1, 2, 6);
    }

    @Test
    void shouldAgreeWithTheDefinitionOnRandomPoints() {
        Random random = new Random(7);
        for (int round = 0; round < 50; round++) {
            List<double[]> points = new ArrayList<>();
            int dims = 1 + random.nextInt(3);
            for (int i = 0; i < 1 + random.nextInt(30); i++) {
                double[] p = new double[dims];
                for (int d = 0; d < dims; d++) {
                    p[d] = random.nextInt(6);
                }
                points.add(p);
            }
            int[] ranks = Dominance.ranks(points);
            List<Integer> front = Dominance.front(points);
            for (int i = 0; i < points.size(); i++) {
                assertThat(ranks[i] == 0).isEqualTo(front.contains(i));
                // A point's rank is one more than the highest rank of those dominating it.
                int expected = 0;
                for (int j = 0; j < points.size(); j++) {
                    if (Dominance.dominates(points.get(j), points.get(i))) {
                        expected = Math.max(expected, ranks[j] + 1);
                    }
                }
                assertThat(ranks[i]).isEqualTo(expected);
            }
        }
    }
}
