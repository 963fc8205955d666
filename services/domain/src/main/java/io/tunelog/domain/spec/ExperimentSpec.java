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
        TrialSpec trial) {

    /**
     * How many trials the experiment will create: the budget, or fewer when the searcher runs out
     * (the grid searcher stops after the last grid point).
     */
    public int plannedTrials() {
        if (searcher.type().equals("grid")) {
            return (int) Math.min(budget.trials(), searchSpace.gridSize());
        }
        return budget.trials();
    }
}
