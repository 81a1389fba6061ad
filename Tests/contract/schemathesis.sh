#!/usr/bin/env bash
# schemathesis against a live `calltap serve` on loopback: every operation of the served
# /openapi.yaml, positive and negative cases, every check. Used by `make test-api`.
#   Tests/contract/schemathesis.sh CALLTAP_BINARY
# Environment: API_EXAMPLES (examples per operation, 100), API_PORT (18480), API_SEED (1).
set -euo pipefail

calltap=$(realpath "$1")
root=$(cd "$(dirname "$0")/../.." && pwd)
venv="$root/.venv-api"
examples=${API_EXAMPLES:-100}
port=${API_PORT:-18480}
seed=${API_SEED:-1}
# An admin key: every operation, the agents API's changes included, is reached.
key=contract-admin-key-0123456789

if [ ! -x "$venv/bin/schemathesis" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$root/Tests/contract/requirements.txt"
fi

work=$(mktemp -d)
server=""
stop() {
  if [ -n "$server" ]; then kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap stop EXIT INT TERM

# A capture on loopback that sees nothing, the tracker and the storage, with two agents to address.
cat > "$work/calltap.yaml" <<YAML
capture:
  interfaces: [lo]
  # Nothing is sent to this port: the capture runs, idle, as it does live.
  filter: "udp port 9"
  bufferMiB: 4
storage:
  root: $work/recordings
  minFreeMiB: 0
  reserveMiB: 0
http:
  bind: "127.0.0.1:$port"
  keys:
    - { key: "$key", role: admin }
agents:
  - { id: 2, phone: "5003", systemUsername: me, deviceId: "SEP5003", policy: on-demand }
  - { id: 7, phone: "5010", systemUsername: other, deviceId: "5010" }
YAML

"$calltap" serve --config "$work/calltap.yaml" > "$work/serve.log" 2>&1 &
server=$!
for _ in $(seq 100); do
  curl -fsS "http://127.0.0.1:$port/healthz" > /dev/null 2>&1 && break
  kill -0 "$server" 2>/dev/null || { cat "$work/serve.log"; exit 1; }
  sleep 0.1
done

status=0
# schemathesis keeps state in the current directory (.schemathesis/): keep it out of the tree.
cd "$work"
# A hard bound on the run, also if the server stops answering.
timeout 240 "$venv/bin/schemathesis" --config-file "$root/Tests/contract/schemathesis.toml" run "http://127.0.0.1:$port/openapi.yaml" \
  --header "Authorization: Bearer $key" \
  --checks all --max-examples "$examples" --seed "$seed" \
  --request-timeout 10 --generation-database none --no-color || status=$?
if [ $status -ne 0 ]; then
  echo "--- serve log (last 40 lines)"; tail -n 40 "$work/serve.log"
fi
exit $status
