#!/usr/bin/env bash
# How many epochs a trial stopped by ASHA trains past the rung that stopped it, with real processes: 24 small
# scikit-learn MLPs on the digits (load-tests/asha_epochs.py: epochs of ~50 ms, each recorded in the trial's
# stdout.log), once under ASHA (rungs 2, 6, 18) and once under FIFO, each with `tunelog run` on an embedded
# broker and 4 local workers. Each run's archived log must pass the audit; asha_epochs_report.py then prints,
# per rung, the last epoch the stopped trials trained, how many overran their rung, the epochs trained under
# ASHA as a fraction of FIFO's, and the wall times. About 2 minutes.
# Usage: load-tests/real-use-asha-epochs.sh [--strict]
#   exit 1: a run did not complete, or its audit failed; 2: bad input;
#   3 (only with --strict): a stopped trial trained an epoch past its rung.
set -euo pipefail
fail() { echo "real-use-asha-epochs.sh: $*" >&2; exit 1; }
strict=
for arg in "$@"; do
  case "$arg" in
    --strict) strict=--strict ;;
    *) echo "real-use-asha-epochs.sh: unknown argument '$arg' (usage: real-use-asha-epochs.sh [--strict])" >&2; exit 2 ;;
  esac
done
cd "$(dirname "$0")/.."
/usr/bin/python3 -c 'import sklearn' 2>/dev/null \
  || { echo "real-use-asha-epochs.sh: /usr/bin/python3 has no scikit-learn (apt-get install python3-sklearn)" >&2; exit 2; }
bin/tunelog --version > /dev/null   # builds on first use, before anything is timed
work=$(mktemp -d -t asha-epochs.XXXXXX)
for scheduler in asha fifo; do
  run="$work/$scheduler"
  mkdir -p "$run"
  read -r load_before _ < /proc/loadavg   # other work on the machine skews every number here: say how much
  began=$(date +%s.%N)
  bin/tunelog run "load-tests/asha-epochs/$scheduler.yaml" --json --workers 4 --results-dir "$run/results" \
      > "$run/summary.json" 2> "$run/run.err" \
    || { rc=$?; fail "the $scheduler run did not complete (exit $rc): $(tail -n 1 "$run/run.err"); see $run"; }
  ended=$(date +%s.%N)
  read -r load_after _ < /proc/loadavg
  awk -v a="$began" -v b="$ended" 'BEGIN { printf "%.3f\n", b - a }' > "$run/wall_seconds"
  dir=$(ls -d "$run/results"/*/)
  id=$(basename "$dir")
  bin/tunelog audit "$id" --from "$dir/log.avro" > "$run/audit.txt" 2>&1 \
    || fail "the audit of the $scheduler run failed: $(grep -m 1 -v '^ ' "$run/audit.txt"); see $run/audit.txt"
  bin/tunelog export "$id" --from "$dir/log.avro" --format jsonl --out "$run/events.jsonl" > "$run/export.txt" 2>&1 \
    || fail "cannot export the $scheduler run's log: $(tail -n 1 "$run/export.txt")"
  echo "$scheduler: $(head -n 1 "$run/audit.txt"); 1-min load average $load_before before the run, $load_after after"
done
echo "runs kept in $work"
/usr/bin/python3 load-tests/asha_epochs_report.py $strict "$work/asha" "$work/fifo"
