#!/usr/bin/env bash
# Tunelog on a real one-node Slurm cluster, end to end (CI runs it; it must run as root):
#  1. cluster.sh starts Slurm; deploy/local/start.sh starts a broker and the services, with no workers; the worker
#     jobs run Tunelog from the release archive (services/dist/target, made by mvn package), unpacked in the run dir;
#  2. `sbatch --array=0-1 worker.sbatch` starts two worker agents as Slurm jobs, and they run an experiment of
#     real scikit-learn trials (maxFailures 0) to completion;
#  3. meanwhile, once a trial has a checkpoint, its job is `scancel`led: the trial must resume on the other job
#     from that checkpoint, and the experiment still completes with every trial;
#  4. `tunelog slurm scale` (min 0, max 3) must grow the worker jobs to its maximum for a second experiment's
#     backlog and shrink them to none once it is done;
#  5. `tunelog audit` passes on both experiments. Everything is stopped at the end, also on failure.
# Usage: deploy/slurm/test.sh [run-dir]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
run="${1:-$(mktemp -d -t tunelog-slurm-XXXX)}"
mkdir -p "$run"
run="$(cd "$run" && pwd)"
tunelog="$root/bin/tunelog"
cd "$root"
scaler=""
submitter=""
teardown() {
  # Keeps the script's own exit status, and runs every step: under set -e, a step that fails (the scaler's wait
  # returns its SIGTERM status) would end the script here and leave the daemons running.
  local status=$?
  set +e
  for pid in "$scaler" "$submitter"; do
    if [ -n "$pid" ]; then kill -TERM "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; fi
  done
  scancel --quiet --user=root 2>/dev/null
  for _ in $(seq 1 60); do [ -z "$(squeue --noheader --user=root 2>/dev/null)" ] && break; sleep 0.5; done
  deploy/local/stop.sh "$run" > /dev/null
  deploy/slurm/cluster.sh stop > /dev/null
  exit "$status"
}
trap teardown EXIT
step() { echo "== $(date +%T) $*"; }
fail() { echo "FAILED: $*" >&2; exit 1; }

step "starting Slurm, a broker and the services"
deploy/slurm/cluster.sh start 4
deploy/local/start.sh "$run" 0
export KAFKA_BOOTSTRAP_SERVERS="$(cat "$run/bootstrap")"
# The worker jobs run Tunelog from the release archive (mvn package made it), unpacked as on a shared file system.
archive="$(ls "$root"/services/dist/target/tunelog-*.tar.gz 2>/dev/null | head -1)"
[ -f "$archive" ] || fail "no release archive in services/dist/target: build it first (mvn -B package)"
mkdir -p "$run/opt" && tar xzf "$archive" -C "$run/opt"
home="$(ls -d "$run"/opt/tunelog-*)"
export TUNELOG_STORAGE="$run/storage" TUNELOG_HOME="$home"

# Real trials: SGD on the digits, 40 epochs paced to 0.25 s each, a checkpoint every 4; maxFailures 0, so
# only a preemption may fail an attempt without failing its trial.
spec() {
  sed -e "s/^name: .*/name: $1/" -e "s/trials: 8, concurrent: 2/trials: $2, concurrent: $3/" \
      -e 's/maxFailures: 1/maxFailures: 0/' \
      -e '/^  penalty:/a\  epochs:          {choice: [40]}\n  checkpointEvery: {choice: [4]}\n  minEpochSeconds: {choice: [0.25]}' \
      -e "s#python/sklearn_digits.py#$home/examples/python/sklearn_digits.py#" \
      services/examples/sklearn-digits.yaml > "$run/$1.yaml"
}
events() { "$tunelog" events "$1" > "$run/$1.events.jsonl"; }

step "1. two worker agents as an array job"
array=$(sbatch --parsable --array=0-1 --chdir="$run" deploy/slurm/worker.sbatch)
for _ in $(seq 1 120); do
  [ "$(grep -ls "ready with" "$run"/tunelog-worker-"${array}"_*.out 2>/dev/null | wc -l)" = 2 ] && break
  sleep 1
done
[ "$(grep -ls "ready with" "$run"/tunelog-worker-"${array}"_*.out 2>/dev/null | wc -l)" = 2 ] || { squeue; cat "$run"/*.out; fail "the array job's two agents did not start"; }
squeue --user=root
spec slurm-preempt 6 2
"$tunelog" submit "$run/slurm-preempt.yaml" --id slurm-preempt --wait --json --idle-timeout 180 --results-dir "$run/results" \
  > "$run/slurm-preempt.json" &
submitter=$!

step "2. scancel the job of a trial that has a checkpoint"
victim=""
for _ in $(seq 1 120); do
  sleep 1
  # Until the gate has logged the submission there are no events, and `tunelog events` says so with exit 1.
  events slurm-preempt || continue
  victim=$(/usr/bin/python3 - "$run/slurm-preempt.events.jsonl" <<'PY'
import json, sys
started, checkpointed, ended = {}, {}, set()
for e in map(json.loads, open(sys.argv[1])):
    key = (e["trialId"], e["payload"].get("attempt"))
    if e["type"] == "TrialStarted":
        started[key] = e["payload"]["slurmJobId"]
    elif e["type"] == "CheckpointRegistered":
        checkpointed[key] = e["payload"]["step"]
    elif e["type"] in ("TrialCompleted", "TrialFailed", "TrialStopped"):
        ended.add(key)
# A trial with a checkpoint and at least half its 40 epochs still to go, so that it is cancelled mid-run.
for key, job in started.items():
    if checkpointed.get(key, 99) <= 20 and key not in ended:
        print(key[0], job)
        break
PY
)
  [ -n "$victim" ] && break
done
[ -n "$victim" ] || fail "no running trial registered a checkpoint"
read -r trial job <<< "$victim"
scancel "$job"
for _ in $(seq 1 60); do squeue --noheader --jobs="$job" 2>/dev/null | grep -q . || break; sleep 0.5; done
! squeue --noheader --jobs="$job" 2>/dev/null | grep -q . || fail "job $job is still there after scancel"
echo "cancelled job $job while it ran $trial"
wait "$submitter" || { cat "$run/slurm-preempt.json"; fail "the experiment did not complete"; }
cat "$run/slurm-preempt.json"
events slurm-preempt
/usr/bin/python3 - "$run/slurm-preempt.events.jsonl" "$run/slurm-preempt.json" "$trial" "$job" "$array" <<'PY'
import json, sys
events = [json.loads(l) for l in open(sys.argv[1])]
summary = json.load(open(sys.argv[2]))
trial, job, array = sys.argv[3], sys.argv[4], sys.argv[5]
assert summary["status"] == "COMPLETED" and summary["trials"]["completed"] == summary["trials"]["total"] == 6, summary
jobs = {e["payload"]["slurmJobId"] for e in events if e["type"] == "TrialStarted"}
assert jobs == {array + "_0", array + "_1"}, f"expected the array's two tasks in TrialStarted, got {jobs}"
mine = [e for e in events if e["trialId"] == trial]
failed = [e for e in mine if e["type"] == "TrialFailed"]
assert len(failed) == 1 and failed[0]["payload"]["preempted"], f"expected one preempted failure of {trial}: {failed}"
attempt = failed[0]["payload"]["attempt"]
checkpoints = [e["payload"]["checkpointId"] for e in mine if e["type"] == "CheckpointRegistered" and e["payload"]["attempt"] == attempt]
resume_step = [e["payload"]["step"] for e in mine if e["type"] == "CheckpointRegistered" and e["payload"]["attempt"] == attempt][-1]
requeued = [e for e in mine if e["type"] == "TrialQueued" and e["payload"]["attempt"] == attempt + 1]
assert requeued and requeued[0]["payload"]["restoreFromCheckpointId"] == checkpoints[-1], \
    f"{trial} was not queued again from its last checkpoint {checkpoints[-1:]}: {requeued}"
restarted = [e for e in mine if e["type"] == "TrialStarted" and e["payload"]["attempt"] == attempt + 1]
assert restarted and restarted[0]["payload"]["slurmJobId"] != job, f"{trial} did not resume on another job: {restarted}"
reports = [e["payload"]["step"] for e in mine if e["type"] == "TrialReported" and e["payload"]["attempt"] == attempt + 1]
assert reports and min(reports) == resume_step + 1 and max(reports) == 40, \
    f"{trial}'s attempt {attempt + 1} should report steps {resume_step + 1}..40, reported {reports}"
print(f"{trial}: attempt {attempt} on job {job} preempted after checkpoint {checkpoints[-1]}; attempt {attempt + 1} "
      f"resumed on job {restarted[0]['payload']['slurmJobId']} at step {min(reports)} and completed; jobs used: {sorted(jobs)}")
PY
"$tunelog" audit slurm-preempt
scancel "$array" 2>/dev/null || true
for _ in $(seq 1 90); do [ -z "$(squeue --noheader --user=root)" ] && break; sleep 1; done
[ -z "$(squeue --noheader --user=root)" ] || fail "the array job did not end"
echo "slurm: sbatch workers ran an experiment to completion, and a scancelled trial resumed on another job from its checkpoint"

step "3. tunelog slurm scale: from no workers to at most 3 jobs for a backlog, and back to none"
"$tunelog" slurm scale --min 0 --max 3 --slots-per-job 1 --storage "$run/storage" --interval 1 --scale-down-after 5 \
  --sbatch-arg=--chdir="$run" > "$run/scale.log" 2>&1 &
scaler=$!
count_jobs() { squeue --noheader --name=tunelog-worker-scaled --states=PENDING,CONFIGURING,RUNNING | wc -l; }
( while kill -0 "$scaler" 2>/dev/null; do count_jobs; sleep 1; done ) > "$run/scale-samples.txt" &
sampler=$!
spec slurm-scale 8 4
"$tunelog" submit "$run/slurm-scale.yaml" --id slurm-scale --wait --json --idle-timeout 180 --results-dir "$run/results" \
  > "$run/slurm-scale.json" || { cat "$run/slurm-scale.json" "$run/scale.log"; fail "the experiment did not complete"; }
for _ in $(seq 1 90); do [ "$(count_jobs)" = 0 ] && break; sleep 1; done
sleep 2
kill "$sampler" 2>/dev/null || true
cat "$run/scale.log"
events slurm-scale
/usr/bin/python3 - "$run/slurm-scale.events.jsonl" "$run/slurm-scale.json" "$run/scale-samples.txt" <<'PY'
import json, sys
events = [json.loads(l) for l in open(sys.argv[1])]
summary = json.load(open(sys.argv[2]))
samples = [int(l) for l in open(sys.argv[3]) if l.strip()]
assert summary["status"] == "COMPLETED" and summary["trials"]["completed"] == summary["trials"]["total"] == 8, summary
assert max(samples) == 3, f"the jobs should grow to the maximum, 3, for a backlog of 4; counted {samples}"
assert samples[-1] == 0, f"the jobs should shrink to the minimum, 0, once the work is done; counted {samples}"
jobs = sorted({e["payload"]["slurmJobId"] for e in events if e["type"] == "TrialStarted"})
assert len(jobs) == 3, f"expected the trials on the 3 jobs the launcher submitted, got {jobs}"
print(f"slurm scale: jobs counted each second {samples}; trials ran on jobs {jobs}")
PY
"$tunelog" audit slurm-scale
echo "slurm: the elastic launcher grew the worker jobs to its maximum with the backlog and shrank them to its minimum"
