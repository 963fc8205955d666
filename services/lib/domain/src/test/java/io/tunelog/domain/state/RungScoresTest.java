package io.tunelog.domain.state;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class RungScoresTest {

    /** numpy's linear percentile over a plain sorted list: what the tree must give to the bit. */
    private static double reference(List<Double> scores, double q) {
        List<Double> sorted = new ArrayList<>(scores);
        Collections.sort(sorted);
        double h = (sorted.size() - 1) * q;
        int low = (int) Math.floor(h);
        if (low >= sorted.size() - 1) {
            return sorted.get(sorted.size() - 1);
        }
        return sorted.get(low) + (h - low) * (sorted.get(low + 1) - sorted.get(low));
    }

    @Test
    void shouldGiveTheQuantilesOfASortedListForAnyOrderOfScores() {
        for (long seed = 0; seed < 200; seed++) {
            Random random = new Random(seed);
            RungScores rung = new RungScores();
            List<Double> added = new ArrayList<>();
            int n = 1 + random.nextInt(300);
            for (int i = 0; i < n; i++) {
                // Few distinct values on some seeds, so ties are common.
                double score = seed % 3 == 0 ? random.nextInt(5) : random.nextGaussian();
                rung.add(score);
                added.add(score);
                double q = random.nextDouble();
                assertThat(rung.quantile(q)).as("seed %d after %d scores, q %s", seed, i + 1, q).isEqualTo(reference(added, q));
            }
            assertThat(rung.size()).isEqualTo(n);
        }
    }

    @Test
    void shouldCountARoundsScoresWithTheRungsWithoutChangingTheRung() {
        for (long seed = 0; seed < 200; seed++) {
            Random random = new Random(seed);
            RungScores rung = new RungScores();
            List<Double> recorded = new ArrayList<>();
            int n = random.nextInt(50);
            for (int i = 0; i < n; i++) {
                double score = seed % 3 == 0 ? random.nextInt(4) : random.nextDouble();
                rung.add(score);
                recorded.add(score);
            }
            RungScores.Round round = rung.round();
            List<Double> withRound = new ArrayList<>(recorded);
            int m = 1 + random.nextInt(20);
            for (int j = 0; j < m; j++) {
                double score = seed % 3 == 0 ? random.nextInt(4) : random.nextDouble();
                round = round.plus(score);
                withRound.add(score);
                double q = random.nextDouble();
                assertThat(round.size()).isEqualTo(withRound.size());
                assertThat(round.quantile(q)).as("seed %d, %d + %d scores, q %s", seed, n, j + 1, q).isEqualTo(reference(withRound, q));
            }
            assertThat(rung.size()).isEqualTo(n);
            if (n > 0) {
                assertThat(rung.quantile(0.75)).isEqualTo(reference(recorded, 0.75));
            }
        }
    }
}
