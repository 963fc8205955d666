package io.tunelog.domain.decide;

import java.nio.charset.StandardCharsets;
import org.apache.commons.math3.random.RandomGenerator;
import org.apache.commons.math3.random.Well19937c;

/**
 * Randomness for one decision, derived from (experiment seed, decision key) alone.
 *
 * <p>Each decision gets a fresh generator, so the value drawn for trial 7 does not depend on how many
 * draws trials 0..6 made, in which order services ran, or on any shared stream: replay gets the same
 * numbers. Well19937c is pure Java with a fixed algorithm, so the numbers are the same on every JVM.
 */
public final class SeededRandom {

    private SeededRandom() {}

    public static RandomGenerator forDecision(long experimentSeed, String decisionKey) {
        long h = mix(experimentSeed ^ 0x9E3779B97F4A7C15L);
        for (byte b : decisionKey.getBytes(StandardCharsets.UTF_8)) {
            h = mix(h ^ (b & 0xFF));
        }
        return new Well19937c(new int[] {(int) h, (int) (h >>> 32), (int) mix(h), (int) (mix(h) >>> 32)});
    }

    /** SplitMix64's finaliser: a bijective 64-bit mix. */
    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
