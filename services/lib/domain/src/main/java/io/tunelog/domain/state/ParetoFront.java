package io.tunelog.domain.state;

import io.tunelog.domain.spec.ExperimentSpec;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/** The Pareto front of an experiment's finished, feasible trials ({@link ExperimentState#front()}). */
public final class ParetoFront {
    private ParetoFront() {}

    /** A trial on the front, with its objective values as reported (in spec order, not negated). */
    public record Member(String trialId, double[] values) {}

    static List<Member> of(ExperimentSpec spec, Collection<TrialState> trials, int maxFailures) {
        List<TrialState> candidates = new ArrayList<>();
        List<double[]> points = new ArrayList<>();
        for (TrialState t : trials) {
            double[] point = t.isTerminal(maxFailures) && Objectives.feasible(spec, t) ? Objectives.minimised(spec, t) : null;
            if (point != null) {
                candidates.add(t);
                points.add(point);
            }
        }
        List<Member> front = new ArrayList<>();
        for (int i : Dominance.front(points)) {
            TrialState t = candidates.get(i);
            front.add(new Member(t.trialId(), Objectives.reported(spec, t)));
        }
        return front;
    }
}
