#!/usr/bin/python3
"""Optuna's samplers on the same closed-form functions, budgets and seed counts as SearchBenchmark.

Usage: search_benchmark.py TRIALS SEEDS COST_TRIALS OUT.json
Writes, per sampler and function, the final simple regret of each seed, and the ms per suggestion
of multivariate TPE over the last 100 of COST_TRIALS trials (the cost as the study grows).
"""
import json
import math
import sys
import time

import optuna

optuna.logging.set_verbosity(optuna.logging.WARNING)


def branin(x):
    a, b, c, r, s, t = 1, 5.1 / (4 * math.pi ** 2), 5 / math.pi, 6, 10, 1 / (8 * math.pi)
    return a * (x[1] - b * x[0] ** 2 + c * x[0] - r) ** 2 + s * (1 - t) * math.cos(x[0]) + s


H6_ALPHA = [1.0, 1.2, 3.0, 3.2]
H6_A = [[10, 3, 17, 3.5, 1.7, 8], [0.05, 10, 17, 0.1, 8, 14], [3, 3.5, 1.7, 10, 17, 8], [17, 8, 0.05, 10, 0.1, 14]]
H6_P = [[0.1312, 0.1696, 0.5569, 0.0124, 0.8283, 0.5886], [0.2329, 0.4135, 0.8307, 0.3736, 0.1004, 0.9991],
        [0.2348, 0.1451, 0.3522, 0.2883, 0.3047, 0.6650], [0.4047, 0.8828, 0.8732, 0.5743, 0.1091, 0.0381]]


def hartmann6(x):
    return -sum(H6_ALPHA[i] * math.exp(-sum(H6_A[i][j] * (x[j] - H6_P[i][j]) ** 2 for j in range(6))) for i in range(4))


def rosenbrock(x):
    return sum(100 * (x[i + 1] - x[i] ** 2) ** 2 + (1 - x[i]) ** 2 for i in range(len(x) - 1))


def ackley(x):
    d = len(x)
    return (-20 * math.exp(-0.2 * math.sqrt(sum(v * v for v in x) / d))
            - math.exp(sum(math.cos(2 * math.pi * v) for v in x) / d) + 20 + math.e)


def levy(x):
    w = [1 + (v - 1) / 4 for v in x]
    s = math.sin(math.pi * w[0]) ** 2
    for i in range(len(x) - 1):
        s += (w[i] - 1) ** 2 * (1 + 10 * math.sin(math.pi * w[i] + 1) ** 2)
    return s + (w[-1] - 1) ** 2 * (1 + math.sin(2 * math.pi * w[-1]) ** 2)


# name: (function, lows, highs, minimum) -- the same table as TestFunction.java
FUNCTIONS = {
    "branin": (branin, [-5, 0], [10, 15], 0.397887),
    "hartmann6": (hartmann6, [0] * 6, [1] * 6, -3.32237),
    "rosenbrock4": (rosenbrock, [-5] * 4, [10] * 4, 0.0),
    "ackley5": (ackley, [-32.768] * 5, [32.768] * 5, 0.0),
    "levy4": (levy, [-10] * 4, [10] * 4, 0.0),
}


def samplers():
    out = {
        "optuna-random": lambda seed: optuna.samplers.RandomSampler(seed=seed),
        "optuna-tpe": lambda seed: optuna.samplers.TPESampler(seed=seed),
        "optuna-tpe-multivariate": lambda seed: optuna.samplers.TPESampler(seed=seed, multivariate=True),
    }
    try:
        import cmaes  # noqa: F401  (CmaEsSampler needs it; Debian's optuna does not depend on it)
        out["optuna-cmaes"] = lambda seed: optuna.samplers.CmaEsSampler(seed=seed)
    except ImportError:
        pass
    return out


def objective_for(fn, lows, highs):
    def objective(trial):
        x = [trial.suggest_float("x%d" % d, lows[d], highs[d]) for d in range(len(lows))]
        return fn(x)
    return objective


def main():
    trials, seeds, cost_trials, out_path = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
    results = {"trials": trials, "seeds": seeds, "optuna": optuna.__version__, "regret": {}, "msPerSuggestion": {}}
    for sampler_name, make in samplers().items():
        results["regret"][sampler_name] = {}
        for fn_name, (fn, lows, highs, minimum) in FUNCTIONS.items():
            regrets = []
            for seed in range(seeds):
                study = optuna.create_study(sampler=make(seed))
                study.optimize(objective_for(fn, lows, highs), n_trials=trials)
                regrets.append(study.best_value - minimum)
            results["regret"][sampler_name][fn_name] = regrets
            print("%-26s %-12s median regret %.4g" % (sampler_name, fn_name, sorted(regrets)[len(regrets) // 2]), flush=True)
    # Cost as the study grows: time only the sampler's work (ask), over the last 100 trials.
    fn, lows, highs, _ = FUNCTIONS["hartmann6"]
    for sampler_name in ["optuna-tpe-multivariate", "optuna-tpe"]:
        study = optuna.create_study(sampler=samplers()[sampler_name](0))
        objective = objective_for(fn, lows, highs)
        timed = {}
        for n in range(cost_trials):
            t0 = time.perf_counter()
            trial = study.ask()
            x = [trial.suggest_float("x%d" % d, lows[d], highs[d]) for d in range(len(lows))]
            elapsed = time.perf_counter() - t0
            study.tell(trial, fn(x))
            for mark in (100, cost_trials):
                if mark - 100 <= n < mark:
                    timed.setdefault(mark, []).append(elapsed)
        results["msPerSuggestion"][sampler_name] = {str(k): 1000 * sum(v) / len(v) for k, v in timed.items()}
        print("%-26s ms per suggestion %s" % (sampler_name, results["msPerSuggestion"][sampler_name]), flush=True)
    with open(out_path, "w") as f:
        json.dump(results, f, indent=1)


if __name__ == "__main__":
    main()
