package io.tunelog.suggestion.search;

import io.tunelog.domain.spec.Options;

import io.tunelog.domain.spec.ExperimentSpec;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.commons.math3.random.RandomGenerator;

/**
 * A steady-state genetic search: the population is the best {@code population} finished trials (so
 * each new result replaces the worst of them), and a new trial is the uniform crossover of two parents,
 * each the better of two drawn from the population, then mutated: each numeric coordinate with
 * probability {@code mutationRate} moves by a Gaussian step of {@code mutationScale} (in the unit cube,
 * reflected at the bounds), each categorical one is redrawn with that probability. Until the population is
 * full, trials are random. A child equal to a pending configuration is bred again (up to 10 times).
 */
public final class EvolutionSearcher implements Searcher {

    private record Settings(int population, double mutationRate, double mutationScale) {
        static Settings of(ExperimentSpec spec) {
            Options options = Options.of(spec.searcher());
            Settings settings = new Settings(options.positiveInt("population", 20), options.fraction("mutationRate", 0.2),
                    options.positiveDouble("mutationScale", 0.1));
            options.refuseUnknown();
            return settings;
        }
    }

    @Override
    public void check(ExperimentSpec spec) {
        Searchers.requireOneObjective(spec);
        Settings.of(spec);
    }

    @Override
    public Map<String, Object> suggest(SuggestionRequest request) {
        Settings settings = Settings.of(request.spec());
        int population = settings.population();
        double mutationRate = settings.mutationRate();
        double mutationScale = settings.mutationScale();
        History history = request.history();
        RandomGenerator random = request.random();
        if (history.observations().size() < population) {
            return Sampling.sample(request.spec().searchSpace(), random);
        }
        UnitSpace space = new UnitSpace(request.spec().searchSpace());
        List<History.Observation> ranked = new ArrayList<>(history.observations());
        ranked.sort(Comparator.comparingDouble(History.Observation::loss));
        List<double[]> parents = new ArrayList<>();
        for (History.Observation o : ranked.subList(0, population)) {
            parents.add(space.unit(o.config()));
        }
        Set<Map<String, Object>> pending = new HashSet<>(history.pending());
        Map<String, Object> child = null;
        for (int attempt = 0; attempt < 10 && (child == null || pending.contains(child)); attempt++) {
            double[] a = parents.get(tournament(population, random));
            double[] b = parents.get(tournament(population, random));
            double[] u = new double[space.dimensions()];
            for (int d = 0; d < u.length; d++) {
                double gene = random.nextBoolean() ? a[d] : b[d];
                if (Double.isNaN(gene)) {
                    gene = Double.isNaN(a[d]) ? b[d] : a[d];
                }
                if (Double.isNaN(gene)) {
                    gene = random.nextDouble();
                }
                if (random.nextDouble() < mutationRate) {
                    gene = space.categories(d) > 0 ? random.nextDouble() : reflect(gene + mutationScale * random.nextGaussian());
                }
                u[d] = gene;
            }
            child = space.config(u);
        }
        return child;
    }

    /** The better (lower rank) of two members drawn at random. */
    private static int tournament(int population, RandomGenerator random) {
        return Math.min(random.nextInt(population), random.nextInt(population));
    }

    private static double reflect(double v) {
        v = Math.abs(v) % 2;
        return v > 1 ? 2 - v : v;
    }
}
