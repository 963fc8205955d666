package io.tunelog.domain.spec;

import java.util.List;

/**
 * A validated experiment definition. Only {@link SpecParser} makes these from user input. {@code goal} (a value of the
 * metric to reach) and {@code plateau} end the experiment early when they hold; null when not given. {@code warmStartFrom}
 * names the earlier experiments whose finished trials the gate imports at submission ({@code warmStart.from}); empty when
 * not given.
 */
public record ExperimentSpec(
        String name,
        Metric metric,
        long seed,
        Budget budget,
        SearchSpace searchSpace,
        SearcherSpec searcher,
        SchedulerSpec scheduler,
        TrialSpec trial,
        RobustSpec robust,
        Threshold goal,
        Plateau plateau,
        List<String> warmStartFrom) {

    public ExperimentSpec {
        warmStartFrom = warmStartFrom == null ? List.of() : List.copyOf(warmStartFrom);
    }

    /** A spec that starts from nothing earlier. */
    public ExperimentSpec(String name, Metric metric, long seed, Budget budget, SearchSpace searchSpace,
                          SearcherSpec searcher, SchedulerSpec scheduler, TrialSpec trial, RobustSpec robust,
                          Threshold goal, Plateau plateau) {
        this(name, metric, seed, budget, searchSpace, searcher, scheduler, trial, robust, goal, plateau, List.of());
    }

    /** A spec without experiment-level stop conditions (goal, plateau). */
    public ExperimentSpec(String name, Metric metric, long seed, Budget budget, SearchSpace searchSpace,
                          SearcherSpec searcher, SchedulerSpec scheduler, TrialSpec trial, RobustSpec robust) {
        this(name, metric, seed, budget, searchSpace, searcher, scheduler, trial, robust, null, null);
    }

    public ExperimentSpec(String name, Metric metric, long seed, Budget budget, SearchSpace searchSpace,
                          SearcherSpec searcher, SchedulerSpec scheduler, TrialSpec trial) {
        this(name, metric, seed, budget, searchSpace, searcher, scheduler, trial, null, null, null);
    }

    /**
     * How many trials the search creates: the budget, or fewer when the searcher runs out (the grid
     * searcher stops after the last grid point). The robust stage, if any, comes on top
     * ({@code ExperimentState.plannedTrials()}).
     */
    public int plannedTrials() {
        if (searcher.type().equals("grid")) {
            return (int) Math.min(budget.trials(), searchSpace.gridSize());
        }
        return budget.trials();
    }

    /** Whether a condition of this spec waits for time to pass ({@code budget.seconds}, {@code trial.stop.seconds}). */
    public boolean watchesTime() {
        return budget.seconds() != null || (trial.stop() != null && trial.stop().seconds() != null);
    }
}
