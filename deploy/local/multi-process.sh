#!/usr/bin/env bash
# Runs Tunelog as separate OS processes on this machine: a standalone KRaft broker, the services,
# two worker agents, and a producer that submits a 20-trial experiment and waits for it. Then it
# dumps the experiment's log and checks that every decision names its basis. Everything it started
# is stopped on exit. Usage: deploy/local/multi-process.sh [work-dir]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
work="${1:-$(mktemp -d -t tunelog-multi-XXXX)}"
mkdir -p "$work"
tunelog="$root/bin/tunelog"
port=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
bootstrap="127.0.0.1:$port"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap cleanup EXIT

cd "$root"
"$tunelog" --version >/dev/null   # builds once, before the processes race to do it
"$tunelog" broker --port "$port" --data-dir "$work/broker" > "$work/broker.log" 2>&1 & pids+=($!)
for _ in $(seq 1 120); do grep -q "broker ready" "$work/broker.log" && break; sleep 0.5; done
grep -q "broker ready" "$work/broker.log" || { cat "$work/broker.log"; echo "broker did not start" >&2; exit 1; }
echo "broker (pid ${pids[0]}) at $bootstrap"

"$tunelog" services -b "$bootstrap" > "$work/services.log" 2>&1 & pids+=($!)
for _ in $(seq 1 120); do grep -q "ready on" "$work/services.log" && break; sleep 0.5; done
grep -q "ready on" "$work/services.log" || { cat "$work/services.log"; echo "services did not start" >&2; exit 1; }
for i in 1 2; do
  "$tunelog" worker -b "$bootstrap" --slots 2 --worker-id "worker-$i" --storage "$work/storage" > "$work/worker-$i.log" 2>&1 & pids+=($!)
done
echo "services (pid ${pids[1]}) and workers (pids ${pids[2]} ${pids[3]}) started"

sed -e 's/^name: .*/name: multi-process/' -e 's/trials: 12, concurrent: 2/trials: 20, concurrent: 4/' \
    services/examples/xgboost-digits.yaml > "$work/spec.yaml"
summary=$("$tunelog" submit "$work/spec.yaml" -b "$bootstrap" --wait --json --idle-timeout 120 --results-dir "$work/results")
echo "$summary"
id=$(echo "$summary" | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["experimentId"])')
"$tunelog" events "$id" -b "$bootstrap" > "$work/events.jsonl"
/usr/bin/python3 - "$work/events.jsonl" "$summary" <<'PY'
import json, sys
events = [json.loads(l) for l in open(sys.argv[1])]
summary = json.loads(sys.argv[2])
assert summary["status"] == "COMPLETED" and summary["trials"]["completed"] == 20, summary
offsets = [e["offset"] for e in events]
assert offsets == sorted(offsets), "events out of log order"
decisions = [e for e in events if e["type"] in ("TrialCreated", "TrialQueued", "TrialDecision", "ExperimentCompleted", "CheckpointDeleted")]
assert decisions and all(e["basis"] is not None and e["basis"] < e["offset"] for e in decisions), "a decision without a basis"
workers = {e["payload"]["workerId"] for e in events if e["type"] == "TrialStarted"}
kinds = {}
for e in events:
    kinds[e["type"]] = kinds.get(e["type"], 0) + 1
print(f"{len(events)} events in log order; {len(decisions)} decisions, each with its basis; workers used: {sorted(workers)}")
print("by type:", dict(sorted(kinds.items())))
PY
