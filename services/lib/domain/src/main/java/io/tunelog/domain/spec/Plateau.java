package io.tunelog.domain.spec;

/**
 * When an experiment has stopped improving ({@code plateau}): once at least {@code top} trials have ended with a score,
 * after each further trial that ends with one the best {@code top} scores so far are taken, and when their standard
 * deviation (population: divided by {@code top}) has been below {@code std} after each of {@code patience} consecutive
 * such endings, the experiment ends.
 */
public record Plateau(int top, double std, int patience) {
    public static final int DEFAULT_TOP = 10;
    public static final double DEFAULT_STD = 0.001;
    public static final int DEFAULT_PATIENCE = 1;

    public Plateau {
        if (top < 2 || !(std > 0) || patience < 1) {
            throw new IllegalArgumentException("plateau needs top >= 2, std > 0 and patience >= 1");
        }
    }
}
