package io.tunelog.suggestion.search;

import io.tunelog.domain.spec.Options;

import io.tunelog.domain.spec.ExperimentSpec;
import io.tunelog.domain.decide.SeededRandom;
import java.util.Map;
import org.apache.commons.math3.random.RandomGenerator;
import org.apache.commons.math3.random.SobolSequenceGenerator;

/**
 * Quasi-random points that fill the space evenly: trial i gets point i of the Sobol sequence,
 * scrambled by a random digital shift (an XOR of each coordinate's bits) drawn from the experiment
 * seed, so that seeds give different but equally even designs, and the first point is not the corner.
 * The shift is drawn under one fixed key, so every trial of an experiment shares it; a digital shift
 * keeps the net property (every 2^m aligned points spread over every elementary box).
 */
public final class SobolSearcher implements Searcher {
    /** commons-math3's direction numbers cover this many dimensions. */
    static final int MAX_DIMENSIONS = 1000;
    private static final int BITS = 52;

    @Override
    public void check(ExperimentSpec spec) {
        Options.of(spec.searcher()).refuseUnknown();
    }

    @Override
    public Map<String, Object> suggest(SuggestionRequest request) {
        UnitSpace space = new UnitSpace(request.spec().searchSpace());
        return space.config(point(space.dimensions(), request.index(), request.spec().seed()));
    }

    /** The scrambled point of trial {@code index}. */
    static double[] point(int dimensions, int index, long seed) {
        double[] u = new SobolSequenceGenerator(dimensions).skipTo(index);
        RandomGenerator shift = SeededRandom.forDecision(seed, "sobol/shift");
        for (int d = 0; d < dimensions; d++) {
            long bits = (long) (u[d] * (1L << BITS));
            long mask = shift.nextLong() & ((1L << BITS) - 1);
            u[d] = ((bits ^ mask) + 0.5) / (1L << BITS);
        }
        return u;
    }
}
