#!/usr/bin/env bash
# Real use of every searcher: the digits experiment (XGBoost child processes, a conditional parameter,
# the robust stage) through bin/tunelog run on the embedded broker, once per searcher, each checked
# through its JSON summary. Usage: load-tests/real-use-searchers.sh [searcher ...]
set -euo pipefail
cd "$(dirname "$0")/.."
searchers=("$@")
if [ ${#searchers[@]} -eq 0 ]; then
  searchers=(random grid sobol tpe gp cmaes evolution)
fi
work=$(mktemp -d)
for searcher in "${searchers[@]}"; do
  grid=""
  trials=$((16 + 2 * 3))
  if [ "$searcher" = grid ]; then
    # The grid searcher enumerates the grid parameters: 2 boosters x 4 depths = 8 points, then the robust stage.
    grid="s/^  booster: .*/  booster:   {grid: [gbtree, dart]}/; s/^  max_depth: .*/  max_depth: {grid: [2, 4, 6, 8]}/;"
    trials=$((8 + 2 * 3))
  fi
  # The copy is not next to bin/xgboost-digits, so it names the program by its absolute path.
  sed "${grid} s/^searcher: .*/searcher:  {type: $searcher}/; s/^name: .*/name: xgb-digits-$searcher/; s#\[bin/xgboost-digits\]#[$PWD/services/examples/bin/xgboost-digits]#" \
    services/examples/xgboost-digits-search.yaml > "$work/$searcher.yaml"
  summary=$(bin/tunelog run "$work/$searcher.yaml" --json --results-dir "$work/results-$searcher")
  echo "$summary" | SEARCHER="$searcher" TRIALS="$trials" /usr/bin/python3 -c '
import json, os, sys
s = json.load(sys.stdin)
assert s["status"] == "COMPLETED", s
assert s["trials"]["completed"] == s["trials"]["total"] == int(os.environ["TRIALS"]), s
assert s["best"]["metric"] > 0.8, s
print("%-10s COMPLETED  %d trials  best val_accuracy %.4f" % (os.environ["SEARCHER"], s["trials"]["total"], s["best"]["metric"]))
'
done
