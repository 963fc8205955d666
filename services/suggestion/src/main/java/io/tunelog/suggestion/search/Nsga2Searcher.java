package io.tunelog.suggestion.search;

import io.tunelog.domain.spec.ExperimentSpec;
import io.tunelog.domain.spec.Options;
import io.tunelog.domain.state.Objectives;
import io.tunelog.domain.state.TrialState;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import org.apache.commons.math3.random.RandomGenerator;

/**
 * NSGA-II (Deb et al. 2002) over the unit cube of {@link UnitSpace}, with Optuna's constrained domination
 * ({@link ParetoOrder}).
 *
 * <p>Generations are blocks of trial indexes: trial i belongs to generation i / {@code populationSize}. The
 * first generation is random. The parents of generation g are the elite of generation g-1's parents
 * together with the trials of generation g-1 finished when the suggestion is made: the best
 * {@code populationSize} by non-domination rank, the last front cut by crowding distance. The same log
 * therefore gives the same parents, however the trials interleaved.
 *
 * <p>A child: two binary tournaments (lower rank, then larger crowding distance), then with probability
 * {@code crossoverProb} simulated binary crossover (SBX, index {@code crossoverEta}) of numeric coordinates
 * and a uniform swap of categorical ones, else a copy of the first parent; then each coordinate mutates
 * with probability {@code mutationProb} (default 1/dimensions): polynomial mutation (index
 * {@code mutationEta}) for a numeric one, a fresh draw for a categorical one. SBX and polynomial mutation
 * rather than Optuna's uniform crossover: they keep children near good parents in continuous spaces,
 * which is most of what tuning searches.
 *
 * <p>Options: {@code populationSize} (20), {@code crossoverProb} (0.9), {@code mutationProb} (1/d),
 * {@code crossoverEta} (15), {@code mutationEta} (20).
 */
public final class Nsga2Searcher implements Searcher {

    record Settings(int populationSize, double crossoverProb, double mutationProb, double crossoverEta, double mutationEta) {
        static Settings of(ExperimentSpec spec) {
            Options options = Options.of(spec.searcher());
            Settings settings = new Settings(options.positiveInt("populationSize", 20), options.probability("crossoverProb", 0.9),
                    options.probability("mutationProb", -1), options.positiveDouble("crossoverEta", 15),
                    options.positiveDouble("mutationEta", 20));
            options.refuseUnknown();
            if (settings.populationSize() < 2) {
                throw new io.tunelog.domain.spec.SpecException("searcher.populationSize",
                        "expected at least 2 for the nsga2 searcher, found " + settings.populationSize());
            }
            return settings;
        }
    }

    /** A parent: its point in the cube, its rank and crowding distance within the population. */
    private record Member(double[] unit, int rank, double crowding) {}

    @Override
    public void check(ExperimentSpec spec) {
        Settings.of(spec);
    }

    @Override
    public Map<String, Object> suggest(SuggestionRequest request) {
        Settings settings = Settings.of(request.spec());
        RandomGenerator random = request.random();
        UnitSpace space = new UnitSpace(request.spec().searchSpace());
        List<Member> parents = parents(request, space, settings.populationSize());
        if (parents.size() < 2) {
            return Sampling.sample(request.spec().searchSpace(), random);
        }
        double[] a = tournament(parents, random).unit();
        double[] b = tournament(parents, random).unit();
        int dims = space.dimensions();
        double[] child = a.clone();
        if (random.nextDouble() < settings.crossoverProb()) {
            for (int d = 0; d < dims; d++) {
                if (Double.isNaN(a[d]) || Double.isNaN(b[d]) || space.categories(d) > 0) {
                    double swap = random.nextDouble();
                    child[d] = swap < 0.5 ? a[d] : b[d];
                    if (Double.isNaN(child[d])) {
                        child[d] = Double.isNaN(a[d]) ? b[d] : a[d];
                    }
                } else {
                    child[d] = simulatedBinaryCrossover(a[d], b[d], settings.crossoverEta(), random);
                }
            }
        }
        double mutationProb = settings.mutationProb() < 0 ? 1.0 / Math.max(dims, 1) : settings.mutationProb();
        for (int d = 0; d < dims; d++) {
            double draw = random.nextDouble();
            if (Double.isNaN(child[d]) || (draw < mutationProb && space.categories(d) > 0)) {
                child[d] = random.nextDouble();
            } else if (draw < mutationProb) {
                child[d] = polynomialMutation(child[d], settings.mutationEta(), random);
            }
        }
        return space.config(child);
    }

    /** The parents of the new trial's generation (empty for the first). */
    private static List<Member> parents(SuggestionRequest request, UnitSpace space, int size) {
        int generation = request.index() / size;
        List<List<History.Observation>> byGeneration = new ArrayList<>();
        for (int g = 0; g < generation; g++) {
            byGeneration.add(new ArrayList<>());
        }
        for (TrialState trial : request.state().trials()) {
            int g = trial.index() / size;
            if (g >= generation || !trial.isTerminal(request.spec().trial().maxFailures())) {
                continue;
            }
            // As History lists a finished trial: every objective and constraint metric reported and finite.
            double[] objectives = Objectives.minimised(request.spec(), trial);
            double[] violations = Objectives.violations(request.spec(), trial);
            if (objectives != null && violations != null) {
                byGeneration.get(g).add(new History.Observation(trial.config(), objectives, violations));
            }
        }
        List<History.Observation> population = new ArrayList<>();
        for (int g = 0; g < generation; g++) {
            List<History.Observation> pool = new ArrayList<>(population);
            pool.addAll(byGeneration.get(g));
            population = elite(pool, size);
        }
        return members(population, space);
    }

    /** The best {@code size} of a pool: whole fronts in rank order, the last one cut by crowding distance. */
    static List<History.Observation> elite(List<History.Observation> pool, int size) {
        if (pool.size() <= size) {
            return pool;
        }
        int[] ranks = ranks(pool);
        List<History.Observation> chosen = new ArrayList<>();
        for (int rank = 0; chosen.size() < size; rank++) {
            List<History.Observation> front = new ArrayList<>();
            for (int i = 0; i < pool.size(); i++) {
                if (ranks[i] == rank) {
                    front.add(pool.get(i));
                }
            }
            if (chosen.size() + front.size() <= size) {
                chosen.addAll(front);
                continue;
            }
            double[] crowding = ParetoOrder.crowding(front.stream().map(History.Observation::objectives).toList());
            List<Integer> order = new ArrayList<>();
            for (int i = 0; i < front.size(); i++) {
                order.add(i);
            }
            order.sort(Comparator.comparingDouble((Integer i) -> -crowding[i]).thenComparingInt(i -> i));
            for (int k = 0; chosen.size() < size; k++) {
                chosen.add(front.get(order.get(k)));
            }
        }
        return chosen;
    }

    private static List<Member> members(List<History.Observation> population, UnitSpace space) {
        int[] ranks = ranks(population);
        double[] crowding = new double[population.size()];
        int maxRank = -1;
        for (int r : ranks) {
            maxRank = Math.max(maxRank, r);
        }
        for (int rank = 0; rank <= maxRank; rank++) {
            List<Integer> at = new ArrayList<>();
            for (int i = 0; i < ranks.length; i++) {
                if (ranks[i] == rank) {
                    at.add(i);
                }
            }
            double[] c = ParetoOrder.crowding(at.stream().map(i -> population.get(i).objectives()).toList());
            for (int k = 0; k < at.size(); k++) {
                crowding[at.get(k)] = c[k];
            }
        }
        List<Member> members = new ArrayList<>();
        for (int i = 0; i < population.size(); i++) {
            members.add(new Member(space.unit(population.get(i).config()), ranks[i], crowding[i]));
        }
        return members;
    }

    private static int[] ranks(List<History.Observation> observations) {
        double[] violations = observations.stream().mapToDouble(History.Observation::violation).toArray();
        return ParetoOrder.ranks(observations.stream().map(History.Observation::objectives).toList(), violations);
    }

    /** The better of two members drawn at random: lower rank, then the less crowded. */
    private static Member tournament(List<Member> members, RandomGenerator random) {
        Member a = members.get(random.nextInt(members.size()));
        Member b = members.get(random.nextInt(members.size()));
        if (a.rank() != b.rank()) {
            return a.rank() < b.rank() ? a : b;
        }
        return b.crowding() > a.crowding() ? b : a;
    }

    /** One child coordinate of SBX in [0, 1] (Deb and Agrawal 1995, bounded form). */
    static double simulatedBinaryCrossover(double a, double b, double eta, RandomGenerator random) {
        double u = random.nextDouble();
        double side = random.nextDouble();
        if (Math.abs(a - b) < 1e-14) {
            return a;
        }
        double low = Math.min(a, b);
        double high = Math.max(a, b);
        double beta = 1 + 2 * Math.min(low, 1 - high) / (high - low);
        double alpha = 2 - StrictMath.pow(beta, -(eta + 1));
        double betaQ = u <= 1 / alpha ? StrictMath.pow(u * alpha, 1 / (eta + 1)) : StrictMath.pow(1 / (2 - u * alpha), 1 / (eta + 1));
        double child = side < 0.5 ? 0.5 * ((low + high) - betaQ * (high - low)) : 0.5 * ((low + high) + betaQ * (high - low));
        return Math.min(Math.max(child, 0), 1);
    }

    /** Polynomial mutation of a coordinate in [0, 1] (Deb's bounded form). */
    static double polynomialMutation(double x, double eta, RandomGenerator random) {
        double u = random.nextDouble();
        double power = 1 / (eta + 1);
        double delta;
        if (u < 0.5) {
            double xy = 1 - x;
            delta = StrictMath.pow(2 * u + (1 - 2 * u) * StrictMath.pow(xy, eta + 1), power) - 1;
        } else {
            double xy = x;
            delta = 1 - StrictMath.pow(2 * (1 - u) + 2 * (u - 0.5) * StrictMath.pow(xy, eta + 1), power);
        }
        return Math.min(Math.max(x + delta, 0), 1);
    }
}
