package io.tunelog.scheduler.rule;

import io.tunelog.domain.decide.Decided;
import io.tunelog.domain.decide.SeededRandom;
import io.tunelog.domain.event.EventPayload.Action;
import io.tunelog.domain.event.EventPayload.TrialDecision;
import io.tunelog.domain.event.EventPayload.TrialExploited;
import io.tunelog.domain.spec.ExperimentSpec;
import io.tunelog.domain.spec.Options;
import io.tunelog.domain.spec.ParamDomain;
import io.tunelog.domain.spec.SpecException;
import io.tunelog.domain.state.Checkpoint;
import io.tunelog.domain.state.ExperimentState;
import io.tunelog.domain.state.Report;
import io.tunelog.domain.state.TrialState;
import io.tunelog.domain.state.TrialStatus;
import io.tunelog.suggestion.search.Sampling;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.TreeMap;
import org.apache.commons.math3.random.RandomGenerator;

/**
 * Population-based training (Jaderberg et al., 2017) with Ray Tune's asynchronous semantics.
 *
 * <p>Each time a running trial's {@code timeAttr} has advanced {@code perturbationInterval} past its last
 * perturbation (and is at least {@code burnInPeriod}), its score is ranked among the open trials' scores at
 * their own last perturbations. With {@code n = ⌈count · quantileFraction⌉} (at most half), a trial in the
 * bottom {@code n} exploits one of the top {@code n}, drawn from the experiment seed among those with a
 * checkpoint: it is paused, takes that checkpoint and the donor's configuration, explored, and resumes.
 * Exploring a parameter resamples it from the search space with probability {@code resampleProbability};
 * otherwise a number is multiplied by one of {@code perturbationFactors} (kept within the space's bounds,
 * integers rounded) and a choice moves to a neighbouring value. A trial never exploits a donor without a
 * checkpoint: if no top trial has one yet, it goes on as it is.
 */
public final class Pbt implements TrialRule {
    static final String UPPER = "upper";
    static final String MIDDLE = "middle";
    static final String LOWER = "lower";
    static final String EXPLOIT = "exploit";
    /** Where the next perturbation interval counts from: the decision's time, or the donor's after an exploit (as Ray does). */
    static final String PERTURBED_AT = "perturbedAt";
    /** Inputs named {@code config.<parameter>} hold the numbers the trial trained with in the interval just ended. */
    static final String CONFIG = "config.";

    /** PB2's explore instead of PBT's: a GP-bandit over the mutable parameters (Parker-Holder et al., 2020). */
    private final boolean bandit;
    /** The scheduler type, which starts rule names ({@code pbt.exploit}) and decision keys. */
    private final String type;
    private final String prefix;

    public Pbt(boolean bandit) {
        this.bandit = bandit;
        this.type = bandit ? "pb2" : "pbt";
        this.prefix = type + ".";
    }

    record Settings(Progress progress, double interval, double burnIn, double quantileFraction, double resampleProbability,
                    List<Double> factors, List<String> mutations, double kappa) {

        static Settings of(ExperimentSpec spec, boolean bandit) {
            Options o = Options.of(spec.scheduler());
            List<String> all = new ArrayList<>(spec.searchSpace().params().keySet());
            Progress progress = Progress.of(spec, o);
            double interval = o.positiveDouble("perturbationInterval", 10);
            double burnIn = o.nonNegativeLong("burnInPeriod", 0);
            double quantileFraction = o.fraction("quantileFraction", 0.25);
            List<String> mutations = o.texts("hyperparamMutations", all);
            Settings s = bandit
                    ? new Settings(progress, interval, burnIn, quantileFraction, 0, List.of(), mutations, o.positiveDouble("kappa", 2))
                    : new Settings(progress, interval, burnIn, quantileFraction, o.probability("resampleProbability", 0.25),
                            o.positiveDoubles("perturbationFactors", List.of(1.2, 0.8)), mutations, 0);
            o.refuseUnknown();
            if (s.quantileFraction > 0.5) {
                throw new SpecException("scheduler.quantileFraction", "expected a fraction from 0 to 0.5, found " + s.quantileFraction);
            }
            for (String name : s.mutations) {
                if (!spec.searchSpace().params().containsKey(name)) {
                    throw new SpecException("scheduler.hyperparamMutations", "expected parameters of the search space, one of "
                            + all + ", found \"" + name + "\"");
                }
                ParamDomain domain = spec.searchSpace().params().get(name);
                if (bandit && !(domain instanceof ParamDomain.Uniform || domain instanceof ParamDomain.IntRange)) {
                    throw new SpecException("scheduler.hyperparamMutations", "expected parameters with bounds (uniform, loguniform,"
                            + " randint and their kin) for pb2, found " + name + ": " + domain.type());
                }
            }
            return s;
        }
    }

    @Override
    public void check(ExperimentSpec spec) {
        Settings.of(spec, bandit);
    }

    @Override
    public boolean onlyStops() {
        return false;
    }

    @Override
    public List<Decided> decide(ExperimentState state) {
        ExperimentSpec spec = state.spec();
        Settings settings = Settings.of(spec, bandit);
        List<Decided> decided = new ArrayList<>();
        for (TrialState trial : state.openTrials()) {
            if (trial.status() == TrialStatus.RUNNING && Progress.searched(spec, trial)) {
                perturbationPoint(settings, trial).ifPresent(report -> decided.addAll(perturb(state, settings, trial, report)));
            }
        }
        return decided;
    }

    /** A perturbation interval past the trial's last perturbation, and no earlier than the burn-in. */
    @Override
    public OptionalDouble nextMilestone(ExperimentState state, TrialState trial) {
        Settings settings = Settings.of(state.spec(), bandit);
        double since = lastPerturbation(trial).map(d -> d.inputs().get(PERTURBED_AT)).orElse(0.0);
        return OptionalDouble.of(Math.max(since + settings.interval(), settings.burnIn()));
    }

    @Override
    public String timeAttr(ExperimentSpec spec) {
        return Settings.of(spec, bandit).progress().timeAttrOrNull();
    }

    /** The current attempt's first report a perturbation interval past the trial's last perturbation. */
    private Optional<Report> perturbationPoint(Settings settings, TrialState trial) {
        double since = lastPerturbation(trial).map(d -> d.inputs().get(PERTURBED_AT)).orElse(0.0);
        for (Report r : trial.reports()) {
            double time = settings.progress().time(r);
            if (r.attempt() == trial.attempt() && time - since >= settings.interval() && time >= settings.burnIn()
                    && !Double.isNaN(settings.progress().score(r))) {
                return Optional.of(r);
            }
        }
        return Optional.empty();
    }

    private List<Decided> perturb(ExperimentState state, Settings settings, TrialState trial, Report report) {
        Progress progress = settings.progress();
        double time = progress.time(report);
        double score = progress.score(report);
        String key = trial.trialId() + "/" + type + "/a" + trial.attempt() + "/t" + Progress.label(time);

        // The population: open trials at their last perturbation's score, this one at its score now.
        List<TrialState> ranked = new ArrayList<>();
        Map<String, Double> scores = new LinkedHashMap<>();
        for (TrialState t : state.openTrials()) {
            Optional<Double> s = t == trial ? Optional.of(score) : lastPerturbation(t).map(d -> d.inputs().get(TrialDecision.SCORE));
            if (s.isPresent() && Progress.searched(state.spec(), t)) {
                ranked.add(t);
                scores.put(t.trialId(), s.get());
            }
        }
        ranked.sort(Comparator.comparingDouble((TrialState t) -> scores.get(t.trialId())).thenComparingInt(TrialState::index));
        int n = (int) StrictMath.ceil(ranked.size() * settings.quantileFraction());
        if (n > ranked.size() / 2) {
            n = ranked.size() / 2;
        }
        List<TrialState> lower = ranked.subList(0, n);
        List<TrialState> upper = ranked.subList(ranked.size() - n, ranked.size());

        Map<String, Double> inputs = new LinkedHashMap<>();
        inputs.put("time", time);
        inputs.put(TrialDecision.SCORE, score);
        inputs.put("population", (double) ranked.size());
        inputs.put("quantileFraction", settings.quantileFraction());
        // The numbers the trial trained with up to here: what PB2's model learns from, and what a reader wants to see.
        for (String name : settings.mutations()) {
            if (trial.config().get(name) instanceof Number v) {
                inputs.put(CONFIG + name, v.doubleValue());
            }
        }
        inputs.put("inQuantile", (double) n);
        if (n > 0) {
            inputs.put("lowerCutoff", scores.get(lower.get(n - 1).trialId()));
            inputs.put("upperCutoff", scores.get(upper.get(0).trialId()));
        }
        String at = progress.timeAttr() + " " + Progress.label(time) + ", score " + score + ", " + ranked.size() + " trials ranked";
        if (!lower.contains(trial)) {
            inputs.put(PERTURBED_AT, time);
            String rule = prefix + (upper.contains(trial) ? UPPER : MIDDLE);
            String why = n == 0 ? "too few trials ranked for a top and a bottom" : upper.contains(trial) ? "in the top " + n
                    : "neither in the top nor in the bottom " + n;
            return List.of(new Decided(trial.trialId(), key, new TrialDecision(trial.attempt(), Action.CONTINUE, rule,
                    why + " at " + at, inputs)));
        }
        List<TrialState> donors = new ArrayList<>();
        for (TrialState t : upper) {
            if (ownCheckpoint(t).isPresent()) {
                donors.add(t);
            }
        }
        if (donors.isEmpty()) {
            inputs.put(PERTURBED_AT, time);
            return List.of(new Decided(trial.trialId(), key, new TrialDecision(trial.attempt(), Action.CONTINUE, prefix + LOWER,
                    "in the bottom " + n + " at " + at + ", but no top trial has a checkpoint yet: goes on unchanged", inputs)));
        }
        RandomGenerator random = SeededRandom.forDecision(state.spec().seed(), key);
        TrialState donor = donors.get(random.nextInt(donors.size()));
        Checkpoint checkpoint = ownCheckpoint(donor).orElseThrow();
        Map<String, Object> explored = bandit
                ? Pb2.explore(state, settings, prefix, donor.config(), time, random)
                : explore(state.spec(), settings, donor.config(), random);
        inputs.put(PERTURBED_AT, lastPerturbation(donor).map(d -> d.inputs().get(PERTURBED_AT)).orElse(0.0));
        inputs.put("donorScore", scores.get(donor.trialId()));
        inputs.put("donorCheckpointStep", (double) checkpoint.step());
        List<String> changed = new ArrayList<>();
        // In name order: the configuration's map order differs between a live service and a replay.
        new TreeMap<>(explored).forEach((name, value) -> {
            if (!value.equals(donor.config().get(name))) {
                changed.add(name + " " + donor.config().get(name) + " -> " + value);
            }
        });
        String reason = "in the bottom " + n + " at " + at + ": exploits " + donor.trialId() + " (score " + scores.get(donor.trialId())
                + ") from its checkpoint at step " + checkpoint.step() + "; explores " + (changed.isEmpty() ? "nothing new" : String.join(", ", changed));
        return List.of(
                new Decided(trial.trialId(), key, new TrialDecision(trial.attempt(), Action.PAUSE, prefix + EXPLOIT, reason, inputs)),
                new Decided(trial.trialId(), key + "/exploit", new TrialExploited(trial.attempt(), donor.trialId(),
                        checkpoint.checkpointId(), explored)));
    }

    /** The trial's newest checkpoint of its own (one it cloned from another is not its to give). */
    private static Optional<Checkpoint> ownCheckpoint(TrialState trial) {
        return trial.resumePoint().filter(c -> c.trialId().equals(trial.trialId()));
    }

    private Optional<TrialDecision> lastPerturbation(TrialState trial) {
        List<TrialDecision> decisions = trial.decisions();
        for (int i = decisions.size() - 1; i >= 0; i--) {
            if (decisions.get(i).rule().startsWith(prefix)) {
                return Optional.of(decisions.get(i));
            }
        }
        return Optional.empty();
    }

    /** The donor's configuration with each mutable parameter resampled or perturbed. */
    static Map<String, Object> explore(ExperimentSpec spec, Settings settings, Map<String, Object> donor, RandomGenerator random) {
        Map<String, Object> config = new LinkedHashMap<>(donor);
        for (String name : settings.mutations()) {
            Object value = donor.get(name);
            if (value == null) {
                continue; // inactive under the donor's conditions
            }
            ParamDomain domain = spec.searchSpace().params().get(name);
            boolean resample = random.nextDouble() < settings.resampleProbability();
            if (resample) {
                config.put(name, Sampling.sample(domain, random));
            } else if (domain instanceof ParamDomain.Choice || domain instanceof ParamDomain.Grid) {
                List<Object> values = domain instanceof ParamDomain.Choice c ? c.values() : ((ParamDomain.Grid) domain).values();
                int at = values.indexOf(value);
                int shifted = Math.max(0, Math.min(values.size() - 1, at + (random.nextBoolean() ? 1 : -1)));
                config.put(name, values.get(shifted));
            } else {
                double factor = settings.factors().get(random.nextInt(settings.factors().size()));
                config.put(name, perturbed(domain, ((Number) value).doubleValue() * factor));
            }
        }
        return config;
    }

    /** A perturbed number kept inside its domain: clamped to the bounds, rounded as the domain rounds. */
    private static Object perturbed(ParamDomain domain, double v) {
        if (domain instanceof ParamDomain.IntRange r) {
            long rounded = Math.round(v);
            if (r.q() > 0) {
                rounded = r.low() + Math.round((double) (rounded - r.low()) / r.q()) * r.q();
            }
            return Math.max(r.low(), Math.min(r.max(), rounded));
        }
        double q = domain instanceof ParamDomain.Uniform u ? u.q() : ((ParamDomain.Normal) domain).q();
        if (q > 0) {
            v = Math.round(v / q) * q;
        }
        if (domain instanceof ParamDomain.Uniform u) {
            v = Math.max(u.low(), Math.min(u.high(), v));
        }
        return v;
    }
}
