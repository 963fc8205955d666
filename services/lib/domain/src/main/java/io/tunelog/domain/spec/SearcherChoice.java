package io.tunelog.domain.spec;

import java.util.Map;

/**
 * The searcher for a spec that names none ({@code searcher: {type: auto}}, or no {@code searcher} at all): a pure
 * function of the search space, the budget and the scheduler. The parser runs it once, at submission, and the canonical
 * spec stores its answer with {@link #RULE} as {@code chosenBy}; the log never holds {@code auto}, so a stored spec is
 * never chosen for again, and a later rule cannot change an experiment already logged. A change to the rule that
 * would choose differently for some spec takes a new {@link #RULE} version.
 *
 * <p>The rule, the first line that holds (the budget's threshold measured with {@code SearchBenchmark}, the inputs' taken
 * from the GP's design; see load-tests/README.md):
 * <ol>
 * <li>a {@code grid} parameter: {@code grid}, which enumerates it, as Ray Tune's default does;</li>
 * <li>scheduler {@code pbt} or {@code pb2}: {@code random}, the initial population, which those schedulers then
 * explore by perturbation;</li>
 * <li>several objectives or any constraint: {@code sobol} when every trial runs at once, else {@code gp} (as ParEGO)
 * within the GP's limits below, else {@code tpe} (as Optuna's MOTPE): ParEGO had the best median hypervolume of ours
 * and of Optuna 3.1's on every problem of {@code MultiObjectiveBenchmark} at 200 trials, TPE or NSGA-II next; TPE also
 * models categories and conditions. No spec had either before this line, so it chose nothing differently for one;</li>
 * <li>scheduler {@code hyperband} or {@code asha}: {@code bohb}, whose model reads the scores at the rungs;</li>
 * <li>{@code budget.concurrent >= budget.trials}: {@code sobol}, since every trial is suggested before any result
 * comes back, and a model would have nothing to learn from;</li>
 * <li>at most {@value #GP_MAX_TRIALS} trials and at most {@value #GP_MAX_INPUTS} model inputs (a numeric parameter is
 * one, a {@code choice} one per value, as the GP's one-hot encoding counts them): {@code gp};</li>
 * <li>past those, a space of numbers alone (no {@code choice}, no conditions): {@code cmaes}, which was in the top two of
 * ours on every benchmark function at 500 trials, where TPE was third or fourth, at a cost per suggestion near TPE's;</li>
 * <li>otherwise {@code tpe}, which models categories and conditional parameters on their own.</li>
 * </ol>
 */
public final class SearcherChoice {
    /** What a spec writes to leave the choice to this rule. */
    public static final String AUTO = "auto";
    /** The rule's name and version, as the canonical spec records it. */
    public static final String RULE = "auto/1";
    /**
     * The largest budget given to the GP. Its model sees at most 300 observations ({@code maxObservations}), so past
     * that its lead narrows while its cost per suggestion (about 100 ms at 1,000 observations) is 25 times TPE's.
     */
    public static final int GP_MAX_TRIALS = 300;
    /**
     * The most GP inputs. Its length scales (one per input) are fitted on at most 100 points; past about 20 inputs
     * that is too few points per length scale, while TPE models each parameter on its own and CMA-ES adapts a covariance.
     */
    public static final int GP_MAX_INPUTS = 20;

    /** The searcher chosen and, for people, why (the log keeps only the searcher and {@link #RULE}). */
    public record Choice(SearcherSpec searcher, String reason) {}

    private SearcherChoice() {}

    /** The choice for a spec with one objective and no constraints. */
    public static Choice choose(SearchSpace space, Budget budget, SchedulerSpec scheduler) {
        return choose(space, budget, scheduler, false);
    }

    /** The choice for a spec; {@code beyondOneMetric} when it has several objectives or any constraint. */
    public static Choice choose(SearchSpace space, Budget budget, SchedulerSpec scheduler, boolean beyondOneMetric) {
        if (space.params().values().stream().anyMatch(d -> d instanceof ParamDomain.Grid)) {
            return choice(SearcherType.GRID, "the space has grid parameters, which it enumerates");
        }
        if (scheduler.is(SchedulerType.PBT) || scheduler.is(SchedulerType.PB2)) {
            return choice(SearcherType.RANDOM, "the " + scheduler.type() + " scheduler explores from a random population");
        }
        int inputs = modelInputs(space);
        if (beyondOneMetric) {
            // bohb and cmaes rank one metric: they refuse several objectives and constraints.
            String what = "several objectives or constraints";
            if (budget.concurrent() >= budget.trials()) {
                return choice(SearcherType.SOBOL, what + ", all " + budget.trials() + " trials at once, before any result");
            }
            if (budget.trials() <= GP_MAX_TRIALS && inputs <= GP_MAX_INPUTS) {
                return choice(SearcherType.GP, what + ", " + budget.trials() + " trials and " + inputs
                        + " model inputs, within the gp's (ParEGO's) " + GP_MAX_TRIALS + " and " + GP_MAX_INPUTS);
            }
            return choice(SearcherType.TPE, what + ", beyond the gp's " + GP_MAX_TRIALS + " trials or " + GP_MAX_INPUTS + " inputs");
        }
        if (scheduler.is(SchedulerType.HYPERBAND) || scheduler.is(SchedulerType.ASHA)) {
            return choice(SearcherType.BOHB, "the " + scheduler.type() + " scheduler's rung scores feed its model");
        }
        if (budget.concurrent() >= budget.trials()) {
            return choice(SearcherType.SOBOL, "all " + budget.trials() + " trials run at once, before any result");
        }
        if (budget.trials() <= GP_MAX_TRIALS && inputs <= GP_MAX_INPUTS) {
            return choice(SearcherType.GP, budget.trials() + " trials and " + inputs + " model inputs, within the gp's "
                    + GP_MAX_TRIALS + " and " + GP_MAX_INPUTS);
        }
        String beyondGp = budget.trials() > GP_MAX_TRIALS
                ? budget.trials() + " trials, more than the gp's " + GP_MAX_TRIALS
                : inputs + " model inputs (each choice value one), more than the gp's " + GP_MAX_INPUTS;
        boolean numbersAlone = space.conditions().isEmpty()
                && space.params().values().stream().noneMatch(d -> d instanceof ParamDomain.Choice);
        if (numbersAlone) {
            return choice(SearcherType.CMAES, beyondGp + ", in a space of numbers alone");
        }
        return choice(SearcherType.TPE, beyondGp + ", in a space with categories or conditions");
    }

    /** The GP's input dimensions: one per numeric parameter, one per value of a categorical one (its one-hot block). */
    static int modelInputs(SearchSpace space) {
        return space.params().values().stream().mapToInt(d -> d instanceof ParamDomain.Choice c ? c.values().size() : 1).sum();
    }

    private static Choice choice(SearcherType type, String reason) {
        return new Choice(new SearcherSpec(type.specName(), Map.of(), RULE), reason);
    }
}
