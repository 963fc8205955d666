package io.tunelog.replay.whatif;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.commons.math3.stat.descriptive.rank.Percentile;

/**
 * Asynchronous successive halving with Ray Tune's semantics (one bracket): rungs at
 * {@code gracePeriod * reductionFactor^k} below {@code maxT}; a trial reaching a rung it has not been
 * recorded at is stopped when its score is below the {@code (1 - 1/reductionFactor)} quantile of the
 * scores recorded there before it, and recorded either way; every trial stops at {@code maxT}.
 * Quantiles interpolate linearly between order statistics, as numpy's percentile does.
 */
public final class Asha implements StoppingPolicy {
    private final long maxT;
    private final double reductionFactor;
    /** Milestones, highest first, each with the scores recorded there by trial. */
    private final List<Long> milestones = new ArrayList<>();
    private final List<Map<String, Double>> recorded = new ArrayList<>();

    public Asha(long maxT, long gracePeriod, double reductionFactor) {
        if (maxT < 1 || gracePeriod < 1 || gracePeriod > maxT || reductionFactor < 2) {
            throw new IllegalArgumentException("asha needs maxT >= gracePeriod >= 1 and reductionFactor >= 2; got maxT=" + maxT
                    + " gracePeriod=" + gracePeriod + " reductionFactor=" + reductionFactor);
        }
        this.maxT = maxT;
        this.reductionFactor = reductionFactor;
        int rungs = (int) (Math.log((double) maxT / gracePeriod) / Math.log(reductionFactor) + 1);
        for (int k = rungs - 1; k >= 0; k--) {
            milestones.add(Math.round(gracePeriod * Math.pow(reductionFactor, k)));
            recorded.add(new HashMap<>());
        }
    }

    @Override
    public String name() {
        return "asha";
    }

    public List<Long> milestones() {
        return List.copyOf(milestones);
    }

    @Override
    public boolean stopAfter(String trialId, long step, double score) {
        if (step >= maxT) {
            return true;
        }
        for (int i = 0; i < milestones.size(); i++) {
            Map<String, Double> rung = recorded.get(i);
            if (step >= milestones.get(i) && rung.containsKey(trialId)) {
                return false; // already judged at this rung or a higher one: keep going
            }
            if (step < milestones.get(i)) {
                continue;
            }
            boolean stop = !rung.isEmpty() && score < cutoff(rung.values());
            rung.put(trialId, score);
            return stop;
        }
        return false;
    }

    private double cutoff(Iterable<Double> scores) {
        List<Double> values = new ArrayList<>();
        scores.forEach(values::add);
        double[] data = values.stream().mapToDouble(Double::doubleValue).toArray();
        double q = (1 - 1 / reductionFactor) * 100;
        if (data.length == 1) {
            return data[0];
        }
        // numpy's default ("linear") estimator is R-7 in commons-math3's terms.
        return new Percentile().withEstimationType(Percentile.EstimationType.R_7).evaluate(data, q);
    }
}
