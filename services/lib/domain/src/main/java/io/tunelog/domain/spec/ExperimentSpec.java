package io.tunelog.domain.spec;

/** A validated experiment definition. Only {@link SpecParser} makes these from user input. */
public record ExperimentSpec(
        String name,
        Metric metric,
        long seed,
        Budget budget,
        SearchSpace searchSpace,
        SearcherSpec searcher,
        SchedulerSpec scheduler,
        TrialSpec trial,
        RobustSpec robust) {

    public ExperimentSpec(String name, Metric metric, long seed, Budget budget, SearchSpace searchSpace,
                          SearcherSpec searcher, SchedulerSpec scheduler, TrialSpec trial) {
        this(name, metric, seed, budget, searchSpace, searcher, scheduler, trial, null);
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
}
