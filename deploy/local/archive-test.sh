#!/usr/bin/env bash
# The release archive on a clean machine's terms: unpacked into an empty directory, run from there with no Maven on
# the PATH and no checkout in reach. 1. `bin/tunelog run examples/xgboost-digits.yaml` completes; 2. the archive's
# deploy/local/start.sh starts a broker, the services and a worker from the archive, `bin/tunelog submit --wait`
# runs a smaller copy of the example through them, and `bin/tunelog audit` passes.
# Usage: deploy/local/archive-test.sh [archive] (default: services/dist/target/tunelog-*.tar.gz, made by mvn package)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
archive="${1:-$(ls "$root"/services/dist/target/tunelog-*.tar.gz 2>/dev/null | head -1)}"
[ -f "$archive" ] || { echo "no release archive: build it with mvn -B package, or name it" >&2; exit 1; }
work="$(mktemp -d -t tunelog-archive-XXXX)"
run="$work/run"
started=$SECONDS

# A PATH of this machine's commands but Maven, and java wherever it is.
mkdir "$work/path"
for dir in /usr/local/bin /usr/bin; do
  ln -s "$dir"/* "$work/path/" 2> /dev/null || true   # the first of a name wins, as on a PATH
done
rm -f "$work/path"/mvn*
ln -sf "$(command -v java)" "$work/path/java"
export PATH="$work/path"
unset TUNELOG_PYTHON_HELPER TUNELOG_CLASSPATH
if command -v mvn > /dev/null; then echo "mvn is still on the PATH" >&2; exit 1; fi

cp "$archive" "$work/"
cd "$work"
tar xzf "${archive##*/}"
rm "${archive##*/}"
home="$(ls -d "$work"/tunelog-*/)"
cd "$home"
echo "unpacked ${archive##*/} ($(du -h "$archive" | cut -f1)) into $home"
trap 'deploy/local/stop.sh "$run" > /dev/null' EXIT

check() {
  /usr/bin/python3 -c '
import json, sys
s = json.load(sys.stdin)
assert s["status"] == "COMPLETED" and s["trials"]["completed"] == s["trials"]["total"] > 0, s
print("%s: %s, %d trials, best %.4f" % (sys.argv[1], s["status"], s["trials"]["total"], s["best"]["metric"]))
' "$1"
}

# 1. The example on the embedded broker.
bin/tunelog run examples/xgboost-digits.yaml --json --results-dir "$work/results" 2> "$work/run.stderr" | check "bin/tunelog run"
echo "  at $((SECONDS - started)) s"

# 2. A broker, the services and one worker of two slots, each a process of its own, all from the archive.
sed -e 's/^name: .*/name: xgb-digits-archive/' -e 's/trials: 12, concurrent: 2/trials: 4, concurrent: 2/' \
  examples/xgboost-digits.yaml > examples/xgboost-digits-archive.yaml
deploy/local/start.sh "$run" 1 2 | tail -1
echo "  at $((SECONDS - started)) s"
bootstrap="$(cat "$run/bootstrap")"
summary="$(bin/tunelog submit examples/xgboost-digits-archive.yaml -b "$bootstrap" --wait --json --idle-timeout 120 \
  --results-dir "$work/results" 2> "$work/submit.stderr")"
echo "$summary" | check "bin/tunelog submit --wait"
id="$(echo "$summary" | /usr/bin/python3 -c 'import json, sys; print(json.load(sys.stdin)["experimentId"])')"
audit="$(bin/tunelog audit "$id" -b "$bootstrap")"
echo "$audit" | head -1
deploy/local/stop.sh "$run" > /dev/null
trap - EXIT
rm -rf "$work"   # kept on failure, for its logs
echo "release archive: example run and multi-process experiment completed and audited, no Maven, in $((SECONDS - started)) s"
