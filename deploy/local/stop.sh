#!/usr/bin/env bash
# Stops what deploy/local/start.sh started, newest first (workers, then services, then the broker), each with
# SIGTERM so that workers hand their trials back and services leave their groups; SIGKILL after 30 s.
# Usage: deploy/local/stop.sh <run-dir>
set -uo pipefail
run="${1:?usage: deploy/local/stop.sh <run-dir>}"
[ -f "$run/pids" ] || { echo "nothing to stop: no $run/pids" >&2; exit 0; }
tac "$run/pids" | while read -r pid name; do
  kill -TERM "$pid" 2>/dev/null || continue
  for _ in $(seq 1 300); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  if kill -0 "$pid" 2>/dev/null; then
    echo "$name (pid $pid) did not stop within 30 s; killing it" >&2
    kill -KILL "$pid" 2>/dev/null
  fi
  echo "stopped $name (pid $pid)"
done
: > "$run/pids"
