package io.tunelog.suggestion.search;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.tunelog.domain.decide.SeededRandom;
import io.tunelog.domain.spec.ParamDomain;
import io.tunelog.domain.spec.SearchSpace;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.commons.math3.random.RandomGenerator;
import org.junit.jupiter.api.Test;

class UnitSpaceTest {
    private final RandomGenerator random = SeededRandom.forDecision(1, "unit-space-test");

    @Test
    void shouldKeepQuantizedValuesOnTheirGridAndInsideTheBounds() {
        ParamDomain q = new ParamDomain.Uniform(0.3, 10, false, 0.5);
        for (int i = 0; i < 2_000; i++) {
            double v = (Double) Sampling.sample(q, random);
            assertThat(v).isBetween(0.3, 10.0);
            assertThat(v / 0.5).isCloseTo(Math.rint(v / 0.5), within(1e-9));
        }
    }

    @Test
    void shouldDrawEveryValueOfAnIntegerDomainAndNothingElse() {
        assertDrawsExactly(new ParamDomain.IntRange(1, 5, false, 0), Set.of(1L, 2L, 3L, 4L));
        assertDrawsExactly(new ParamDomain.IntRange(0, 25, false, 10), Set.of(0L, 10L, 20L));
        assertDrawsExactly(new ParamDomain.IntRange(1, 9, true, 0), Set.of(1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L));
    }

    private void assertDrawsExactly(ParamDomain domain, Set<Long> values) {
        Set<Object> seen = new HashSet<>();
        for (int i = 0; i < 5_000; i++) {
            seen.add(Sampling.sample(domain, random));
        }
        assertThat(seen).isEqualTo(new HashSet<>(values));
    }

    @Test
    void shouldDrawLogIntegersAndLogRealsEvenlyInLogSpace() {
        ParamDomain logInt = new ParamDomain.IntRange(1, 1024, true, 0);
        int belowThirtyTwo = 0;
        for (int i = 0; i < 10_000; i++) {
            if ((Long) Sampling.sample(logInt, random) < 32) {
                belowThirtyTwo++;
            }
        }
        // log(32)/log(1024) = 0.5 of the draws fall below 32; a linear draw would give 3%.
        assertThat(belowThirtyTwo / 10_000.0).isCloseTo(0.5, within(0.03));
    }

    @Test
    void shouldDrawNormalValuesWithTheGivenMeanAndSpread() {
        ParamDomain normal = new ParamDomain.Normal(5, 2, 0);
        double sum = 0, squares = 0;
        int n = 20_000;
        for (int i = 0; i < n; i++) {
            double v = (Double) Sampling.sample(normal, random);
            sum += v;
            squares += v * v;
        }
        double mean = sum / n;
        assertThat(mean).isCloseTo(5, within(0.1));
        assertThat(Math.sqrt(squares / n - mean * mean)).isCloseTo(2, within(0.1));
    }

    @Test
    void shouldMapValuesBackToTheirCell() {
        Map<String, ParamDomain> params = new LinkedHashMap<>();
        params.put("lr", new ParamDomain.Uniform(0.001, 1, true, 0));
        params.put("layers", new ParamDomain.IntRange(1, 5, false, 0));
        params.put("act", new ParamDomain.Choice(List.of("relu", "tanh", "gelu")));
        UnitSpace space = new UnitSpace(new SearchSpace(params));
        for (int i = 0; i < 500; i++) {
            double[] u = {random.nextDouble(), random.nextDouble(), random.nextDouble()};
            Map<String, Object> config = space.config(u);
            assertThat(space.config(space.unit(config))).as("a value maps to a point that maps to the same value").isEqualTo(config);
        }
        assertThat(space.categories(2)).isEqualTo(3);
        assertThat(space.categories(0)).isZero();
        assertThat(space.unit(Map.of("act", "sigmoid"))[2]).as("not a value of the domain").isNaN();
    }

    @Test
    void shouldLeaveInactiveParametersOutOfTheConfig() {
        Map<String, ParamDomain> params = new LinkedHashMap<>();
        params.put("booster", new ParamDomain.Choice(List.of("tree", "linear")));
        params.put("depth", new ParamDomain.IntRange(1, 10, false, 0));
        SearchSpace conditional = new SearchSpace(params, Map.of("depth", new SearchSpace.Condition("booster", List.of("tree"))));
        UnitSpace space = new UnitSpace(conditional);

        assertThat(space.config(new double[] {0.9, 0.5})).containsOnlyKeys("booster").containsEntry("booster", "linear");
        assertThat(space.config(new double[] {0.1, 0.5})).containsOnlyKeys("booster", "depth");
        assertThat(space.unit(Map.of("booster", "linear"))[1]).isNaN();
        for (int i = 0; i < 200; i++) {
            Map<String, Object> drawn = Sampling.sample(conditional, random);
            assertThat(drawn.containsKey("depth")).isEqualTo(drawn.get("booster").equals("tree"));
        }
    }
}
