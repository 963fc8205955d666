#!/usr/bin/env bash
# The local multi-process deployment, checked: start.sh starts a standalone KRaft broker, each service and two
# worker agents as separate OS processes; a producer submits the example experiment and waits for it; the
# experiment's log is dumped and checked (log order, every decision names its basis), `tunelog audit` must
# pass; stop.sh stops everything, also on failure. Usage: deploy/local/multi-process.sh [run-dir]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
run="${1:-$(mktemp -d -t tunelog-local-XXXX)}"
tunelog="$root/bin/tunelog"
cd "$root"
trap '"$root/deploy/local/stop.sh" "$run" > /dev/null' EXIT
deploy/local/start.sh "$run" 2 2
bootstrap=$(cat "$run/bootstrap")

summary=$("$tunelog" submit services/examples/xgboost-digits.yaml -b "$bootstrap" --wait --json --idle-timeout 120 --results-dir "$run/results")
echo "$summary"
id=$(echo "$summary" | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["experimentId"])')
"$tunelog" events "$id" -b "$bootstrap" > "$run/events.jsonl"
/usr/bin/python3 - "$run/events.jsonl" "$summary" <<'PY'
import json, sys
events = [json.loads(l) for l in open(sys.argv[1])]
summary = json.loads(sys.argv[2])
assert summary["status"] == "COMPLETED" and summary["trials"]["completed"] == summary["trials"]["total"] > 0, summary
offsets = [e["offset"] for e in events]
assert offsets == sorted(offsets), "events out of log order"
decisions = [e for e in events if e["type"] in ("TrialCreated", "TrialQueued", "TrialDecision", "ExperimentCompleted", "CheckpointDeleted")]
assert decisions and all(e["basis"] is not None and e["basis"] < e["offset"] for e in decisions), "a decision without a basis"
sources = {e["source"] for e in events}
workers = {e["payload"]["workerId"] for e in events if e["type"] == "TrialStarted"}
print(f"{len(events)} events in log order; {len(decisions)} decisions, each with its basis; "
      f"written by {sorted(sources)}; workers used: {sorted(workers)}")
PY
"$tunelog" audit "$id" -b "$bootstrap"
echo "local multi-process deployment: the example experiment completed and its audit passed"
