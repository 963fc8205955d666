package io.tunelog.loadtests;

import io.tunelog.suggestion.testing.SearchRun;
import io.tunelog.suggestion.testing.TestFunction;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;

/**
 * Whether a warm start pays: for each seed, a cold GP experiment runs its budget on a test function; then a new GP experiment
 * warm-started from it (its finished trials imported, as the gate imports them) and a cold one with the same, different,
 * seed each run until they reach the first experiment's best. Reported: trials needed, warm against cold; a run that does
 * not reach it within its budget counts as budget + 1 in the medians. Every run goes through the real suggestion decider
 * and fold. Exits 1 when the warm start is not better in median.
 *
 * <p>Usage: {@code WarmStartBenchmark [function=hartmann6] [trials=40] [seeds=10]}
 */
public final class WarmStartBenchmark {
    private static final String GP = "{type: gp}";
    /** The second experiments' seeds differ from the first's, so the warm one does not retrace it. */
    private static final long SECOND_SEED = 1000;

    public static void main(String[] args) {
        String name = args.length > 0 ? args[0] : "hartmann6";
        int trials = args.length > 1 ? Integer.parseInt(args[1]) : 40;
        int seeds = args.length > 2 ? Integer.parseInt(args[2]) : 10;
        TestFunction fn = TestFunction.ALL.stream().filter(f -> f.name().equals(name)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no test function " + name));

        System.out.printf("GP on %s, %d trials per experiment, %d seeds: trials to reach the earlier experiment's best%n%n",
                fn.name(), trials, seeds);
        System.out.println("| seed | earlier best | warm | cold |");
        System.out.println("|---|---|---|---|");
        List<Double> warmTrials = new ArrayList<>();
        List<Double> coldTrials = new ArrayList<>();
        int warmReached = 0;
        int coldReached = 0;
        for (int seed = 0; seed < seeds; seed++) {
            SearchRun.Result earlier = SearchRun.minimize(GP, fn, trials, 1, seed);
            double target = earlier.best();
            OptionalInt warm = SearchRun.minimize(GP, fn, trials, 1, SECOND_SEED + seed, earlier.finished()).trialsToReach(target);
            OptionalInt cold = SearchRun.minimize(GP, fn, trials, 1, SECOND_SEED + seed).trialsToReach(target);
            warmTrials.add((double) warm.orElse(trials + 1));
            coldTrials.add((double) cold.orElse(trials + 1));
            warmReached += warm.isPresent() ? 1 : 0;
            coldReached += cold.isPresent() ? 1 : 0;
            System.out.printf("| %d | %.5g | %s | %s |%n", seed, target, shown(warm), shown(cold));
        }
        double warmMedian = SearchBenchmark.median(warmTrials);
        double coldMedian = SearchBenchmark.median(coldTrials);
        System.out.printf("| median | | %s | %s |%n", shownMedian(warmMedian, trials), shownMedian(coldMedian, trials));
        System.out.printf("| reached | | %d of %d | %d of %d |%n", warmReached, seeds, coldReached, seeds);
        boolean pays = warmMedian < coldMedian;
        System.out.printf("%nwarm start %s: median %s trials warm, %s cold%n", pays ? "pays" : "does NOT pay",
                shownMedian(warmMedian, trials), shownMedian(coldMedian, trials));
        if (!pays) {
            System.exit(1);
        }
    }

    private static String shown(OptionalInt reached) {
        return reached.isPresent() ? String.valueOf(reached.getAsInt()) : "not reached";
    }

    private static String shownMedian(double median, int trials) {
        return median > trials ? "not reached" : String.format("%.1f", median);
    }

    private WarmStartBenchmark() {}
}
