package io.tunelog.domain.spec;

import java.util.List;

/**
 * A validated experiment definition. Only {@link SpecParser} makes these from user input. {@code objectives} are the
 * metrics it optimises, one or more with distinct names; {@code constraints} are the bounds a trial's metrics must keep
 * to be feasible (empty when none). {@code goal} (a value of the metric to reach) and {@code plateau} end the experiment
 * early when they hold; null when not given (and always null with several objectives). {@code warmStartFrom} names the
 * earlier experiments whose finished trials the gate imports at submission ({@code warmStart.from}); empty when not given.
 */
public record ExperimentSpec(
        String name,
        List<Metric> objectives,
        long seed,
        Budget budget,
        SearchSpace searchSpace,
        SearcherSpec searcher,
        SchedulerSpec scheduler,
        TrialSpec trial,
        RobustSpec robust,
        Threshold goal,
        Plateau plateau,
        List<Constraint> constraints,
        List<String> warmStartFrom) {

    public ExperimentSpec {
        objectives = List.copyOf(objectives);
        constraints = constraints == null ? List.of() : List.copyOf(constraints);
        warmStartFrom = warmStartFrom == null ? List.of() : List.copyOf(warmStartFrom);
        if (objectives.isEmpty()) {
            throw new IllegalArgumentException("a spec needs at least one objective");
        }
        if (objectives.stream().map(Metric::name).distinct().count() != objectives.size()) {
            throw new IllegalArgumentException("objective names must be distinct: " + objectives);
        }
    }

    /** A spec that starts from nothing earlier. */
    public ExperimentSpec(String name, List<Metric> objectives, long seed, Budget budget, SearchSpace searchSpace,
                          SearcherSpec searcher, SchedulerSpec scheduler, TrialSpec trial, RobustSpec robust,
                          Threshold goal, Plateau plateau, List<Constraint> constraints) {
        this(name, objectives, seed, budget, searchSpace, searcher, scheduler, trial, robust, goal, plateau, constraints, List.of());
    }

    /** A single-objective spec without constraints, warm-started from {@code warmStartFrom}. */
    public ExperimentSpec(String name, Metric metric, long seed, Budget budget, SearchSpace searchSpace,
                          SearcherSpec searcher, SchedulerSpec scheduler, TrialSpec trial, RobustSpec robust,
                          Threshold goal, Plateau plateau, List<String> warmStartFrom) {
        this(name, List.of(metric), seed, budget, searchSpace, searcher, scheduler, trial, robust, goal, plateau, List.of(), warmStartFrom);
    }

    /** A single-objective spec without constraints. */
    public ExperimentSpec(String name, Metric metric, long seed, Budget budget, SearchSpace searchSpace,
                          SearcherSpec searcher, SchedulerSpec scheduler, TrialSpec trial, RobustSpec robust,
                          Threshold goal, Plateau plateau) {
        this(name, List.of(metric), seed, budget, searchSpace, searcher, scheduler, trial, robust, goal, plateau, List.of());
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

    /** The first objective: the only one of a single-objective spec, which is what single-metric code optimises. */
    public Metric metric() {
        return objectives.get(0);
    }

    /**
     * Whether trials are judged on more than one metric (several objectives, or any constraint): what searchers and
     * rules that rank one metric cannot serve.
     */
    public boolean beyondOneMetric() {
        return isMultiObjective() || !constraints.isEmpty();
    }

    /** Whether the spec optimises more than one metric: there is then no single best trial, only a Pareto front. */
    public boolean isMultiObjective() {
        return objectives.size() > 1;
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
