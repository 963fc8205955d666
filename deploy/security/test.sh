#!/usr/bin/env bash
# Tunelog on a SASL_SSL broker with ACLs, end to end, from the scripts here: make-certs.sh makes the certificates,
# a standalone broker serves SASL_SSL only (tunelog broker --sasl-ssl), create-users-and-acls.sh makes one user per
# role, and every component runs as its own OS process under its own user. A producer submits an experiment, the
# auditor follows and audits it; neither a worker's credentials nor the auditor's can submit.
# usage: deploy/security/test.sh [work dir]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
work="${1:-$(mktemp -d -t tunelog-secure-XXXX)}"
mkdir -p "$work"
work="$(cd "$work" && pwd)"
tunelog="$root/bin/tunelog"
pids=()
stop_all() {
  local status=$?
  for ((i = ${#pids[@]} - 1; i >= 0; i--)); do kill "${pids[i]}" 2>/dev/null || true; done
  wait 2>/dev/null || true
  exit $status
}
trap stop_all EXIT
secret() { head -c 24 /dev/urandom | base64 | tr -d '/+=' > "$work/$1.password"; chmod 600 "$work/$1.password"; }

secret store
secret admin
TUNELOG_STORE_PASSWORD=$(cat "$work/store.password") "$root/deploy/security/make-certs.sh" "$work/certs" > "$work/make-certs.log" 2>&1
port=$(/usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$tunelog" broker --data-dir "$work/broker" --port "$port" --sasl-ssl "$work/certs" \
  --store-password-file "$work/store.password" --admin-password-file "$work/admin.password" > "$work/broker.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 120); do grep -q "broker ready" "$work/broker.log" && break; sleep 1; done
grep -q "broker ready" "$work/broker.log" || { echo "the broker did not start:" >&2; tail -20 "$work/broker.log" >&2; exit 1; }
export KAFKA_BOOTSTRAP_SERVERS=127.0.0.1:$port

client_config() {
  cat > "$work/$1.properties" <<PROPS
security.protocol=SASL_SSL
sasl.mechanism=SCRAM-SHA-512
sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="$1" password="$(cat "$work/$1.password")";
ssl.truststore.location=$work/certs/truststore.p12
ssl.truststore.type=PKCS12
ssl.truststore.password=$(cat "$work/store.password")
PROPS
  chmod 600 "$work/$1.properties"
}
client_config admin
: > "$work/users"
for pair in sched:scheduler suggest:suggestion registry:registry worker-1:worker alice:producer audit:auditor; do
  user=${pair%%:*}
  secret "$user"
  client_config "$user"
  echo "$user ${pair#*:} $user.password" >> "$work/users"
done
TUNELOG_ADMIN_CONFIG="$work/admin.properties" "$root/deploy/security/create-users-and-acls.sh" "$work/users" > "$work/grants.log"

for pair in sched:scheduler suggest:suggestion registry:registry; do
  "$tunelog" services --only "${pair#*:}" --instance secure --storage "$work/storage" --client-config "$work/${pair%%:*}.properties" \
    > "$work/${pair#*:}.log" 2>&1 &
  pids+=($!)
done
"$tunelog" worker --worker-id secure-worker --slots 2 --storage "$work/storage" --client-config "$work/worker-1.properties" \
  > "$work/worker.log" 2>&1 &
pids+=($!)

cat > "$work/spec.yaml" <<'SPEC'
name: secure-quadratic
metric: {name: score, mode: max}
seed: 5
budget: {trials: 6, concurrent: 2}
searchSpace:
  x: {uniform: [-1, 1]}
trial:
  command: [/usr/bin/python3, -c, "import json, os; c = json.load(open(os.environ['TUNELOG_CONFIG_FILE'])); print(json.dumps({'step': 1, 'score': -(c['x'] - 0.3) ** 2}), flush=True)"]
SPEC
if "$tunelog" submit "$work/spec.yaml" --id by-a-worker --client-config "$work/worker-1.properties" > "$work/denied.log" 2>&1; then
  echo "a worker's credentials submitted an experiment" >&2
  exit 1
fi
grep -q "Not authorized" "$work/denied.log" \
  || { echo "the worker's submission failed, but not for want of authorization:" >&2; cat "$work/denied.log" >&2; exit 1; }

"$tunelog" submit "$work/spec.yaml" --id secure-run --client-config "$work/alice.properties"
for _ in $(seq 1 120); do
  status=$("$tunelog" replay secure-run --json --client-config "$work/audit.properties" 2>/dev/null \
    | /usr/bin/python3 -c 'import json, sys; print(json.load(sys.stdin)["status"])' || true)
  [[ $status == COMPLETED ]] && break
  sleep 2
done
[[ $status == COMPLETED ]] || { echo "secure-run did not complete (status: ${status:-unknown})" >&2; tail -5 "$work"/*.log >&2; exit 1; }
if "$tunelog" submit "$work/spec.yaml" --id by-the-auditor --client-config "$work/audit.properties" > "$work/denied-audit.log" 2>&1; then
  echo "the auditor's credentials submitted an experiment" >&2
  exit 1
fi
grep -q "Not authorized\|authorization failed" "$work/denied-audit.log" \
  || { echo "the auditor's submission failed, but not for want of authorization:" >&2; cat "$work/denied-audit.log" >&2; exit 1; }
"$tunelog" audit secure-run --client-config "$work/audit.properties"
echo "secure deployment: SASL_SSL and ACLs, one user per role; the experiment completed and its audit passed"
