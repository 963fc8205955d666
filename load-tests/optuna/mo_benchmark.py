#!/usr/bin/python3
"""Optuna's multi-objective samplers on the same problems, budgets and seeds as MultiObjectiveBenchmark.

Usage: mo_benchmark.py TRIALS SEEDS OUT.json
Writes, per sampler, problem and seed, every trial's objectives and whether it met the constraints; the
Java side computes the hypervolumes. For each run it also writes Optuna's own WFG hypervolume of the
feasible points inside the reference box, which the Java side checks its exact hypervolume against.
"""
import json
import math
import sys
import warnings

import numpy as np
import optuna
from optuna._hypervolume import WFG

optuna.logging.set_verbosity(optuna.logging.WARNING)
warnings.filterwarnings("ignore", category=optuna.exceptions.ExperimentalWarning)


def zdt_g(x):
    return 1 + 9 * sum(x[1:]) / (len(x) - 1)


def zdt1(x):
    g = zdt_g(x)
    return [x[0], g * (1 - math.sqrt(x[0] / g))], []


def zdt2(x):
    g = zdt_g(x)
    return [x[0], g * (1 - (x[0] / g) ** 2)], []


def dtlz2(x):
    g = sum((v - 0.5) ** 2 for v in x[2:])
    a, b = x[0] * math.pi / 2, x[1] * math.pi / 2
    return [(1 + g) * math.cos(a) * math.cos(b), (1 + g) * math.cos(a) * math.sin(b), (1 + g) * math.sin(a)], []


def bnh(x):
    f = [4 * x[0] ** 2 + 4 * x[1] ** 2, (x[0] - 5) ** 2 + (x[1] - 5) ** 2]
    # constraints_func convention: <= 0 is feasible; c1 <= 25 and c2 >= 7.7
    c = [(x[0] - 5) ** 2 + x[1] ** 2 - 25, 7.7 - ((x[0] - 8) ** 2 + (x[1] + 3) ** 2)]
    return f, c


# name: (function, lows, highs, reference point) -- the same table as MultiObjectiveProblem.java
PROBLEMS = {
    "zdt1": (zdt1, [0] * 10, [1] * 10, [11, 11]),
    "zdt2": (zdt2, [0] * 10, [1] * 10, [11, 11]),
    "dtlz2": (dtlz2, [0] * 12, [1] * 12, [1.1, 1.1, 1.1]),
    "bnh": (bnh, [0, 0], [5, 3], [140, 50]),
}


def constraints_func(trial):
    return trial.user_attrs["constraints"]


def sampler(name, seed, constrained):
    cf = constraints_func if constrained else None
    if name == "optuna-random":
        return optuna.samplers.RandomSampler(seed=seed)
    if name == "optuna-nsga2":
        return optuna.samplers.NSGAIISampler(seed=seed, constraints_func=cf)
    return optuna.samplers.TPESampler(seed=seed, constraints_func=cf)


def main():
    trials, seeds, out_path = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
    results = {"trials": trials, "seeds": seeds, "optuna": optuna.__version__, "runs": {}}
    for name in ["optuna-random", "optuna-nsga2", "optuna-tpe"]:
        results["runs"][name] = {}
        for problem, (fn, lows, highs, reference) in PROBLEMS.items():
            runs = []
            for seed in range(seeds):
                constrained = problem == "bnh"

                def objective(trial):
                    x = [trial.suggest_float("x%d" % d, lows[d], highs[d]) for d in range(len(lows))]
                    f, c = fn(x)
                    trial.set_user_attr("constraints", c)
                    return tuple(f)

                study = optuna.create_study(directions=["minimize"] * len(reference), sampler=sampler(name, seed, constrained))
                study.optimize(objective, n_trials=trials)
                objectives = [list(t.values) for t in study.trials]
                feasible = [all(v <= 0 for v in t.user_attrs["constraints"]) for t in study.trials]
                inside = [o for o, ok in zip(objectives, feasible) if ok and all(v < r for v, r in zip(o, reference))]
                wfg = WFG().compute(np.asarray(inside), np.asarray(reference, dtype=float)) if inside else 0.0
                runs.append({"objectives": objectives, "feasible": feasible, "wfg": wfg})
            results["runs"][name][problem] = runs
            print("%-14s %-6s median hypervolume %.6g" % (name, problem, sorted(r["wfg"] for r in runs)[len(runs) // 2]),
                  flush=True)
    with open(out_path, "w") as f:
        json.dump(results, f)


if __name__ == "__main__":
    main()
