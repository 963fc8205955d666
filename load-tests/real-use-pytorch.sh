#!/usr/bin/env bash
# Real use of the Python helper: the PyTorch digits examples (Debian's python3-torch, embedded broker). ASHA stops
# trials at its rungs; under PBT every exploit goes on from the donor's checkpoint, at the step after it, with the
# explored learning rate (load-tests/check-pbt-exploits.py). Each run's archived log must pass the audit.
# Usage: load-tests/real-use-pytorch.sh
set -euo pipefail
cd "$(dirname "$0")/.."
/usr/bin/python3 -c 'import torch, sklearn' 2>/dev/null \
  || { echo "real-use-pytorch.sh: /usr/bin/python3 has no torch or scikit-learn (apt-get install python3-torch python3-sklearn)" >&2; exit 2; }
work=$(mktemp -d)
for scheduler in asha pbt; do
  began=$(date +%s)
  bin/tunelog run "services/examples/pytorch-digits-$scheduler.yaml" --json --results-dir "$work/$scheduler" \
      > "$work/$scheduler.json" 2> "$work/$scheduler.err" \
    || { tail -n 5 "$work/$scheduler.err" >&2; echo "real-use-pytorch.sh: the $scheduler run failed; see $work" >&2; exit 1; }
  seconds=$(( $(date +%s) - began ))
  id=$(/usr/bin/python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["experimentId"])' "$work/$scheduler.json")
  bin/tunelog audit "$id" --from "$work/$scheduler/$id/log.avro" > "$work/$scheduler-audit.txt" \
    || { cat "$work/$scheduler-audit.txt" >&2; exit 1; }
  bin/tunelog export "$id" --from "$work/$scheduler/$id/log.avro" --format jsonl --out "$work/$scheduler.jsonl" > /dev/null
  SCHEDULER=$scheduler SECONDS_TAKEN=$seconds /usr/bin/python3 - "$work/$scheduler.json" "$work/$scheduler.jsonl" <<'PY'
import json, os, sys
summary = json.load(open(sys.argv[1]))
events = [json.loads(line) for line in open(sys.argv[2])]
assert summary["status"] == "COMPLETED", summary
assert summary["trials"]["failed"] == 0, summary
rungs = [e for e in events if e["type"] == "TrialDecision" and e["payload"]["rule"] == "asha.rung" and e["payload"]["action"] == "STOP"]
exploits = [e for e in events if e["type"] == "TrialExploited"]
if os.environ["SCHEDULER"] == "asha":
    assert rungs, "ASHA stopped no trial at a rung"
    print("pytorch asha  COMPLETED in %s s: %d trials, %d stopped at a rung, best val_accuracy %.4f; audit passed"
          % (os.environ["SECONDS_TAKEN"], summary["trials"]["total"], len(rungs), summary["best"]["metric"]))
else:
    assert exploits, "PBT exploited no trial"
    print("pytorch pbt   COMPLETED in %s s: %d trials, %d exploits, best val_loss %.4f; audit passed"
          % (os.environ["SECONDS_TAKEN"], summary["trials"]["total"], len(exploits), summary["best"]["metric"]))
PY
done
load-tests/check-pbt-exploits.py "$work/pbt.jsonl"
