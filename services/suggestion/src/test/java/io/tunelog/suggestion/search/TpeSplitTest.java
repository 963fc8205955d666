package io.tunelog.suggestion.search;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TpeSplitTest {

    private static History.Observation observation(double[] objectives, double... violations) {
        return new History.Observation(Map.of(), objectives, violations);
    }

    @Test
    void shouldPutEveryInfeasibleTrialOnTheBadSideWhenFeasibleOnesFillTheGoodSide() {
        List<History.Observation> observations = List.of(observation(new double[] {5}, 0), observation(new double[] {-9}, 1),
                observation(new double[] {3}, 0), observation(new double[] {4}, 0));

        TpeSplit.Split split = TpeSplit.of(observations, 2);

        assertThat(split.below()).containsExactly(2, 3);
        assertThat(split.above()).containsExactly(0, 1);
        assertThat(split.belowWeights()).isNull();
    }

    @Test
    void shouldFillTheGoodSideWithTheLeastViolatingWhenTooFewAreFeasible() {
        List<History.Observation> observations = List.of(observation(new double[] {1}, 3), observation(new double[] {2}, 0.5),
                observation(new double[] {3}, 0), observation(new double[] {0}, 2));

        assertThat(TpeSplit.of(observations, 2).below()).containsExactly(1, 2);
    }

    @Test
    void shouldTakeWholeFrontsThenTheHypervolumeGreedySubsetOfTheNext() {
        List<History.Observation> observations = List.of(observation(new double[] {5, 5}), observation(new double[] {0, 10}),
                observation(new double[] {1, 1}), observation(new double[] {10, 0}), observation(new double[] {2, 2}));

        TpeSplit.Split whole = TpeSplit.of(observations, 4);
        TpeSplit.Split cut = TpeSplit.of(observations, 2);

        // Front 0 is {1, 2, 3}, front 1 {4}, front 2 {0}.
        assertThat(whole.below()).containsExactly(1, 2, 3, 4);
        assertThat(whole.belowWeights()).hasSize(4).contains(1.0);
        assertThat(java.util.Arrays.stream(whole.belowWeights()).boxed().toList()).allSatisfy(w -> assertThat(w).isBetween(0.0, 1.0));
        // Of front 0 (reference (11, 11)), (1, 1) adds 100 alone; then (0, 10) and (10, 0) add 1 each: the earlier wins.
        assertThat(cut.below()).containsExactly(1, 2);
        assertThat(cut.above()).containsExactly(0, 3, 4);
    }
}
