package io.tunelog.domain.spec;

/**
 * A bound a trial's reported metric must keep for the trial to be feasible ({@code constraints: [{name: mem_gb, below: 16}]}).
 * Exactly one side is set. An infeasible trial is never the best trial and never on the Pareto front.
 */
public record Constraint(String name, Threshold bound) {

    public Constraint {
        if ((bound.above() == null) == (bound.below() == null)) {
            throw new IllegalArgumentException("a constraint needs exactly one of above or below");
        }
    }

    /** 0 when {@code value} keeps the bound (the bound itself included), otherwise how far beyond it the value lies. */
    public double violation(double value) {
        if (bound.below() != null) {
            return value <= bound.below() ? 0 : value - bound.below();
        }
        return value >= bound.above() ? 0 : bound.above() - value;
    }
}
