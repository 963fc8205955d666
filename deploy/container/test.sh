#!/usr/bin/env bash
# The container image, checked with podman: builds it from the release archive (on the base image, made if
# missing), then runs a broker, the services and a worker, each in a container of its own on the host's network
# with listeners on 127.0.0.1; submits the archive's example experiment from one more, waits for COMPLETED and
# runs `tunelog audit`. Stops what it started by container id, also on failure. Run as root.
# Usage: deploy/container/test.sh <run-dir> [archive]   (archive: services/dist/target/tunelog-*.tar.gz)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
run="${1:?usage: deploy/container/test.sh <run-dir> [archive]}"
archive="${2:-$(ls "$root"/services/dist/target/tunelog-*.tar.gz 2>/dev/null | head -1)}"
image="${TUNELOG_IMAGE:-localhost/tunelog:latest}"
[ -f "$archive" ] || { echo "no release archive (run mvn -B package, or name one): ${archive:-services/dist/target/tunelog-*.tar.gz}" >&2; exit 1; }
mkdir -p "$run"
run="$(cd "$run" && pwd)"
start_time=$SECONDS

"$root/deploy/container/base-image.sh"
# The build context holds the archive alone.
mkdir -p "$run/context"
cp "$archive" "$run/context/"
podman build -q -f "$root/deploy/container/Containerfile" --build-arg ARCHIVE="$(basename "$archive")" -t "$image" "$run/context" > /dev/null
rm -rf "$run/context"
echo "image $image built from $(basename "$archive") ($(podman image inspect --format '{{.Size}}' "$image" | awk '{ printf "%.0f MB", $1 / 1e6 }'))"

containers=()
# The last started first: the broker outlives its clients, so they stop without waiting on it.
stop_all() {
  for ((i = ${#containers[@]} - 1; i >= 0; i--)); do
    id=${containers[i]}
    podman logs "$id" > "$run/$id.log" 2>&1 || true
    podman rm -f -t 10 "$id" > /dev/null || true
  done
}
trap stop_all EXIT
# The checkpoint storage and the results, shared at the same paths: the log records checkpoints by absolute path.
mkdir -p "$run/checkpoints" "$run/results"
chown 10001:10001 "$run/checkpoints" "$run/results"
in_image() {
  podman run --network host -v "$run/checkpoints:/var/lib/tunelog/checkpoints" \
    -v "$run/results:/home/tunelog/tunelog_results" --workdir /opt/tunelog "$@"
}
start() {
  local name="$1"; shift
  local id
  id=$(in_image -d "$image" "$@")
  containers+=("$id")
  echo "$id $name" >> "$run/containers"
  eval "$name=$id"
}
await() {
  local id="$1" pattern="$2"
  for _ in $(seq 1 240); do
    podman logs "$id" 2>&1 | grep -q "$pattern" && return 0
    [ "$(podman inspect --format '{{.State.Running}}' "$id")" = true ] || break
    sleep 0.5
  done
  podman logs "$id" 2>&1 | tail -20 >&2
  echo "container $id did not become ready (no \"$pattern\" in its output)" >&2
  exit 1
}

port=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
bootstrap="127.0.0.1:$port"
start broker broker --port "$port" --data-dir /var/lib/tunelog/broker
await "$broker" "broker ready"
start services services -b "$bootstrap" --instance ctr --storage /var/lib/tunelog/checkpoints
start worker worker -b "$bootstrap" --slots 2 --worker-id ctr-1 --storage /var/lib/tunelog/checkpoints
await "$services" "ready on"
await "$worker" "ready with"
echo "broker, services and worker running in containers ${broker:0:12} ${services:0:12} ${worker:0:12} at $bootstrap"

summary=$(in_image --rm "$image" submit examples/xgboost-digits.yaml -b "$bootstrap" --wait --json --idle-timeout 180)
echo "$summary"
id=$(echo "$summary" | /usr/bin/python3 -c '
import json, sys
s = json.load(sys.stdin)
assert s["status"] == "COMPLETED" and s["trials"]["completed"] == s["trials"]["total"] > 0, s
print(s["experimentId"])')
in_image --rm "$image" audit "$id" -b "$bootstrap"
echo "container image: the example experiment completed on a broker and a worker from $image, and its audit passed ($((SECONDS - start_time)) s)"
