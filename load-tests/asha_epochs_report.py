"""Reads the two runs of load-tests/real-use-asha-epochs.sh and prints how far ASHA's stopped trials overran.

Usage: asha_epochs_report.py [--strict] ASHA_RUN_DIR FIFO_RUN_DIR

Each run directory holds what the shell script wrote: summary.json (`tunelog run --json`), events.jsonl (the
archived log, exported), wall_seconds, and the results directory that summary.json names, where each attempt's
stdout.log holds the trial's own "trained epoch N in X ms (Y training), ended at T" lines (asha_epochs.py).

For ASHA, per rung: the trials stopped there and the last epoch each actually trained (its stopped attempt's
records, not the log, which refuses a stopped trial's reports); how many trained past their rung; where the
time went between the rung's epoch and the last epoch trained (medians: the trial's clock, then the log's
times, on one machine). For both runs: epochs trained (every attempt), epoch durations, wall time.
Exits 0; 2 on unreadable or inconsistent input (one line); 3 under --strict if a stopped trial trained past
its rung.
"""
import json
import os
import re
import statistics
import sys
from datetime import datetime

RECORD = re.compile(r"^trained epoch (\d+) in ([0-9.]+) ms \(([0-9.]+) training\), ended at ([0-9.]+)$")


class BadInput(Exception):
    pass


def seconds(timestamp):
    """A log timestamp ("2026-12-07T15:26:56.439Z", or with more digits) as Unix seconds."""
    return datetime.fromisoformat(timestamp.replace("Z", "+00:00")).timestamp()


def read_json(path, lines=False):
    try:
        with open(path, encoding="utf-8") as f:
            return [json.loads(line) for line in f if line.strip()] if lines else json.load(f)
    except (OSError, ValueError) as e:
        raise BadInput("cannot read %s: %s" % (path, e))


class Run:
    """One run: its summary, its log, and every attempt's own records of the epochs it trained."""

    def __init__(self, directory):
        self.summary = read_json(os.path.join(directory, "summary.json"))
        self.events = read_json(os.path.join(directory, "events.jsonl"), lines=True)
        try:
            with open(os.path.join(directory, "wall_seconds")) as f:
                self.wall = float(f.read())
        except (OSError, ValueError) as e:
            raise BadInput("cannot read the wall time in %s: %s" % (directory, e))
        if self.summary.get("status") != "COMPLETED":
            raise BadInput("%s: experiment %s did not complete (%s)"
                           % (directory, self.summary.get("experimentId"), self.summary.get("status")))
        self.name = self.summary["experimentId"]
        results = self.summary["resultsDir"]
        self.spec = json.loads(self.of_type("ExperimentSubmitted")[0]["payload"]["specJson"])
        ends = self.of_type("ExperimentSubmitted") + self.of_type("ExperimentCompleted")
        self.log_span = seconds(ends[-1]["timestamp"]) - seconds(ends[0]["timestamp"])
        # (trial, attempt) -> {epoch: (ms, ended at, training ms)}, for every attempt the log says started.
        self.trained = {}
        for started in self.of_type("TrialStarted"):
            key = (started["trialId"], started["payload"]["attempt"])
            path = os.path.join(results, key[0], "attempt-%d" % key[1], "stdout.log")
            if not os.path.exists(path):
                raise BadInput("%s: no %s for a started attempt (is the workers' log root the results directory?)"
                               % (self.name, path))
            with open(path, encoding="utf-8", errors="replace") as f:
                matches = [RECORD.match(line.rstrip("\n")) for line in f]
            self.trained[key] = {int(m[1]): (float(m[2]), float(m[4]), float(m[3])) for m in matches if m}
        if not self.epochs():
            raise BadInput("%s: no attempt recorded a trained epoch in its stdout.log" % self.name)
        for report in self.of_type("TrialReported"):
            key = (report["trialId"], report["payload"]["attempt"])
            if report["payload"]["step"] not in self.trained.get(key, {}):
                raise BadInput("%s: %s attempt %d reported step %d but its stdout.log has no record of training it"
                               % (self.name, key[0], key[1], report["payload"]["step"]))

    def of_type(self, kind):
        return [e for e in self.events if e["type"] == kind]

    def epochs(self):
        return sum(len(epochs) for epochs in self.trained.values())

    def durations(self, field=0):
        """Sorted epoch times in ms: in all (field 0) or training only (2)."""
        return sorted(record[field] for epochs in self.trained.values() for record in epochs.values())


def median(values):
    return statistics.median(values) if values else float("nan")


class Ending:
    """How an ASHA trial ended: its rung (milestone, or maxT) and rule, and the last epoch its final attempt trained."""

    def __init__(self, trial, attempt, rung, rule, last, decision):
        self.trial, self.attempt, self.rung, self.rule = trial, attempt, rung, rule
        self.last, self.decision = last, decision


def endings(run):
    """Each trial's ending: its (last) STOP decision, or, for a trial that completed on its own, maxT."""
    max_t = int(run.spec["scheduler"].get("maxT", 100))
    stop = {d["trialId"]: d for d in run.of_type("TrialDecision") if d["payload"]["action"] == "STOP"}
    completed = {(e["trialId"], e["payload"]["attempt"]) for e in run.of_type("TrialCompleted")}
    found = []
    for trial in [e["trialId"] for e in run.of_type("TrialCreated")]:
        decision = stop.get(trial)
        if decision is not None:
            p = decision["payload"]
            attempt, rule = p["attempt"], p["rule"]
            inputs = p["inputs"]
            rung = int(inputs["milestone"] if "milestone" in inputs else inputs.get("maxT", inputs["time"]))
        else:
            attempt = max((a for t, a in completed if t == trial), default=None)
            if attempt is None:
                raise BadInput("%s: %s was neither stopped nor completed" % (run.name, trial))
            rung, rule = max_t, "completed"
        last = max(run.trained.get((trial, attempt), {}), default=0)
        found.append(Ending(trial, attempt, rung, rule, last, decision))
    return found


def lags(run, stopped):
    """Median seconds: rung epoch trained -> its report admitted -> STOP decided -> last epoch ended."""
    reports = {(r["trialId"], r["payload"]["attempt"], r["payload"]["step"]): r for r in run.of_type("TrialReported")}
    admit, decide, die = [], [], []
    for e in stopped:
        if e.rule != "asha.rung":
            continue
        step = int(e.decision["payload"]["inputs"]["time"])
        report = reports.get((e.trial, e.attempt, step))
        epochs = run.trained[(e.trial, e.attempt)]
        if report is None or step not in epochs:
            continue
        admit.append(seconds(report["timestamp"]) - epochs[step][1])
        decide.append(seconds(e.decision["timestamp"]) - seconds(report["timestamp"]))
        die.append(epochs[e.last][1] - seconds(e.decision["timestamp"]))
    return median(admit), median(decide), median(die), len(admit)


def percentile(ordered, q):
    return ordered[int(q * (len(ordered) - 1))]


def fraction(a, b):
    return a / b if b else float("nan")


def main(argv):
    strict = "--strict" in argv
    paths = [a for a in argv if a != "--strict"]
    if len(paths) != 2 or any(a.startswith("-") for a in paths):
        raise BadInput("usage: asha_epochs_report.py [--strict] ASHA_RUN_DIR FIFO_RUN_DIR")
    asha, fifo = Run(paths[0]), Run(paths[1])
    if asha.spec["scheduler"]["type"] != "asha" or fifo.spec["scheduler"]["type"] != "fifo":
        raise BadInput("expected an asha run, then a fifo run; got %s and %s"
                       % (asha.spec["scheduler"]["type"], fifo.spec["scheduler"]["type"]))

    ended = endings(asha)
    print("ASHA %s: %d trials; per rung, the last epoch each trial stopped there actually trained:"
          % (asha.name, len(ended)))
    for rung in sorted({e.rung for e in ended}):
        here = [e for e in ended if e.rung == rung]
        last = [e.last for e in here]
        rules = ", ".join("%s %d" % (r, sum(1 for e in here if e.rule == r)) for r in sorted({e.rule for e in here}))
        print("  rung %2d: %2d trials (%s); last trained epoch max %d, median %g; %d past the rung"
              % (rung, len(here), rules, max(last), median(last), sum(1 for x in last if x > rung)))
    past = [e for e in ended if e.last > e.rung]
    max_t = int(asha.spec["scheduler"].get("maxT", 100))
    print("  trials stopped at a rung below %d that trained past it: %d of %d (%d epochs past in all)"
          % (max_t, len(past), sum(1 for e in ended if e.rung < max_t), sum(e.last - e.rung for e in past)))
    admit, decide, die, n = lags(asha, ended)
    print("  rung stops, median of %d per hop: rung epoch ended -> its report admitted %.0f ms -> STOP decided"
          " %.0f ms -> last epoch ended %.0f ms" % (n, 1000 * admit, 1000 * decide, 1000 * die))

    a, f = asha.epochs(), fifo.epochs()
    at_rung = a - sum(e.last - e.rung for e in past)
    print("Epochs trained (the trials' own records, every attempt): ASHA %d, FIFO %d; ASHA/FIFO %.3f"
          % (a, f, fraction(a, f)))
    print("  had each stopped trial ended at its rung: ASHA %d, %.3f of FIFO (admitted reports: ASHA %d, FIFO %d)"
          % (at_rung, fraction(at_rung, f), len(asha.of_type("TrialReported")), len(fifo.of_type("TrialReported"))))
    for run, label in ((asha, "ASHA"), (fifo, "FIFO")):
        d, t = run.durations(), run.durations(2)
        print("%s: wall %.1f s (tunelog run), %.1f s from submitted to completed in the log; %d attempts" % (
            label, run.wall, run.log_span, len(run.trained)))
        print("  epoch ms: median %.1f, p90 %.1f, max %.1f, over 60 ms %d of %d; training alone median %.1f, p90 %.1f"
              % (median(d), percentile(d, 0.9), d[-1], sum(1 for x in d if x > 60), len(d), median(t),
                 percentile(t, 0.9)))
    if strict and past:
        print("strict: %d stopped trial(s) trained past their rung: %s" % (len(past), ", ".join(
            "%s (rung %d, epoch %d)" % (e.trial, e.rung, e.last) for e in past)), file=sys.stderr)
        return 3
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except BadInput as e:
        print("asha_epochs_report: %s" % e, file=sys.stderr)
        sys.exit(2)
    except (KeyError, IndexError, TypeError) as e:
        print("asha_epochs_report: malformed input, %s: %s" % (type(e).__name__, e), file=sys.stderr)
        sys.exit(2)
