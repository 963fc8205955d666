#!/usr/bin/env bash
# Real use of the trial schedulers on the digits example (XGBoost child processes, embedded broker):
# ASHA stops trials early; PBT clones a donor's checkpoint into the worst trial, which trains on from the
# donor's model. Each run's archived log is audited and read back to check what happened.
# Usage: load-tests/real-use-schedulers.sh
set -euo pipefail
cd "$(dirname "$0")/.."
work=$(mktemp -d)
for scheduler in asha pbt; do
  bin/tunelog run "services/examples/xgboost-digits-$scheduler.yaml" --json --results-dir "$work/$scheduler" > "$work/$scheduler.json"
  dir=$(ls -d "$work/$scheduler"/*/)
  id=$(basename "$dir")
  bin/tunelog audit "$id" --from "$dir/log.avro" > "$work/$scheduler-audit.txt" || { cat "$work/$scheduler-audit.txt"; exit 1; }
  bin/tunelog export "$id" --from "$dir/log.avro" --format jsonl --out "$work/$scheduler.jsonl" > /dev/null
  SCHEDULER="$scheduler" /usr/bin/python3 - "$work/$scheduler.json" "$work/$scheduler.jsonl" <<'PY'
import json, os, sys
summary = json.load(open(sys.argv[1]))
events = [json.loads(line) for line in open(sys.argv[2])]
assert summary["status"] == "COMPLETED", summary
scheduler = os.environ["SCHEDULER"]
decisions = [e["payload"] for e in events if e["type"] == "TrialDecision"]
steps = sum(1 for e in events if e["type"] == "TrialReported")
if scheduler == "asha":
    stopped = [d for d in decisions if d["rule"] == "asha.rung" and d["action"] == "STOP"]
    assert stopped, "ASHA stopped no trial at a rung"
    print("asha  COMPLETED  %d trials, %d stopped at a rung, %d rounds trained of %d without stopping; audit passed"
          % (summary["trials"]["total"], len(stopped), steps, summary["trials"]["total"] * 40))
else:
    exploits = [e for e in events if e["type"] == "TrialExploited"]
    assert exploits, "PBT exploited no trial"
    checked = 0
    for x in exploits:
        trial, attempt = x["trialId"], x["payload"]["attempt"] + 1
        donor_step = int(x["payload"]["checkpointId"].rsplit("_", 1)[1])
        resumed = [e["payload"]["step"] for e in events if e["type"] == "TrialReported"
                   and e["trialId"] == trial and e["payload"]["attempt"] == attempt]
        if resumed:
            assert resumed[0] == donor_step + 1, (trial, attempt, donor_step, resumed[:3])
            checked += 1
    assert checked, "no exploiting trial trained on after its exploit"
    print("pbt   COMPLETED  %d trials, %d exploits, %d continued from the donor's checkpoint step; audit passed"
          % (summary["trials"]["total"], len(exploits), checked))
PY
done
