#!/usr/bin/env bash
# Starts Tunelog on this machine as separate OS processes: a standalone KRaft broker, each service (scheduler,
# suggestion, registry) in a process of its own, and N worker agents. Returns once all are ready.
# Usage: deploy/local/start.sh <run-dir> [workers=2] [slots-per-worker=2]
# <run-dir> receives the logs, the broker's data, the checkpoint storage, `bootstrap` (the broker's address)
# and `pids`; deploy/local/stop.sh <run-dir> stops everything it started.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
run="${1:?usage: deploy/local/start.sh <run-dir> [workers] [slots-per-worker]}"
workers="${2:-2}"
slots="${3:-2}"
mkdir -p "$run"
run="$(cd "$run" && pwd)"
tunelog="$root/bin/tunelog"
if [ -s "$run/pids" ]; then
  echo "$run already has processes (see $run/pids); stop them first: deploy/local/stop.sh $run" >&2
  exit 1
fi

# Each process is started under its own name, one per line of $run/pids, in start order.
start() {
  local name="$1"; shift
  "$@" > "$run/$name.log" 2>&1 &
  echo "$! $name" >> "$run/pids"
}
# Waits for a line in a process's log; a process that exits first or stays silent fails the start.
await() {
  local name="$1" pattern="$2"
  for _ in $(seq 1 240); do
    grep -q "$pattern" "$run/$name.log" 2>/dev/null && return 0
    sleep 0.5
  done
  cat "$run/$name.log" >&2
  echo "$name did not become ready (no \"$pattern\" in $run/$name.log)" >&2
  "$root/deploy/local/stop.sh" "$run" >&2 || true
  exit 1
}

"$tunelog" --version > /dev/null   # builds once, before the processes race to do it
port=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
bootstrap="127.0.0.1:$port"
echo "$bootstrap" > "$run/bootstrap"
: > "$run/pids"
start broker "$tunelog" broker --port "$port" --data-dir "$run/broker"
await broker "broker ready"
for service in scheduler suggestion registry; do
  start "$service" "$tunelog" services -b "$bootstrap" --only "$service" --instance local --storage "$run/storage"
done
for service in scheduler suggestion registry; do
  await "$service" "ready on"
done
for i in $(seq 1 "$workers"); do
  start "worker-$i" "$tunelog" worker -b "$bootstrap" --slots "$slots" --worker-id "local-$i" --storage "$run/storage"
done
for i in $(seq 1 "$workers"); do
  await "worker-$i" "ready with"
done
echo "Tunelog runs at $bootstrap: a broker, 3 services and $workers worker(s) of $slots slot(s), one process each (logs and pids in $run)"
