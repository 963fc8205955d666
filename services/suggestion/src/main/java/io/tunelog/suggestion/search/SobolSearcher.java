package io.tunelog.suggestion.search;

import java.util.Map;
import org.apache.commons.math3.random.SobolSequenceGenerator;

/**
 * Quasi-random points that fill the space evenly: trial i gets point i + 1 of the Sobol sequence
 * (the first, the origin, is skipped), scrambled by a random digital shift (an XOR of each coordinate's
 * bits) drawn from the experiment seed, so that seeds give different but equally even designs. The
 * shift is drawn under one fixed key, so every trial of an experiment shares it.
 */
public final class SobolSearcher implements Searcher {
    /** commons-math3's direction numbers cover this many dimensions. */
    static final int MAX_DIMENSIONS = 1000;
    private static final int BITS = 52;

    @Override
    public Map<String, Object> suggest(SuggestionRequest request) {
        UnitSpace space = new UnitSpace(request.spec().searchSpace());
        return space.config(point(space.dimensions(), request.index(), request.spec().seed()));
    }

    /** The scrambled point of trial {@code index}. */
    static double[] point(int dimensions, int index, long seed) {
        SobolSequenceGenerator sobol = new SobolSequenceGenerator(dimensions);
        sobol.skipTo(index + 1);
        double[] u = sobol.nextVector();
        var shift = io.tunelog.domain.decide.SeededRandom.forDecision(seed, "sobol/shift");
        for (int d = 0; d < dimensions; d++) {
            long bits = (long) (u[d] * (1L << BITS));
            long mask = shift.nextLong() & ((1L << BITS) - 1);
            u[d] = ((bits ^ mask) + 0.5) / (1L << BITS);
        }
        return u;
    }
}
