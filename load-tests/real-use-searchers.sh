#!/usr/bin/env bash
# Real use of every searcher: the digits experiment (XGBoost child processes, a conditional parameter,
# the robust stage) through bin/tunelog run on the embedded broker, once per searcher, each checked
# through its JSON summary. Usage: load-tests/real-use-searchers.sh [searcher ...]
set -euo pipefail
cd "$(dirname "$0")/.."
searchers=("$@")
if [ ${#searchers[@]} -eq 0 ]; then
  searchers=(random sobol tpe gp cmaes evolution)
fi
work=$(mktemp -d)
for searcher in "${searchers[@]}"; do
  sed "s/^searcher: .*/searcher:  {type: $searcher}/; s/^name: .*/name: xgb-digits-$searcher/" \
    services/examples/xgboost-digits-search.yaml > "$work/$searcher.yaml"
  summary=$(bin/tunelog run "$work/$searcher.yaml" --json --results-dir "$work/results-$searcher")
  echo "$summary" | SEARCHER="$searcher" /usr/bin/python3 -c '
import json, os, sys
s = json.load(sys.stdin)
assert s["status"] == "COMPLETED", s
assert s["trials"]["completed"] == s["trials"]["total"] == 16 + 2 * 3, s
assert s["best"]["metric"] > 0.8, s
print("%-10s COMPLETED  %d trials  best val_accuracy %.4f" % (os.environ["SEARCHER"], s["trials"]["total"], s["best"]["metric"]))
'
done
