#!/usr/bin/env bash
# Checks the demo fixtures and the running emulator's responses against Microsoft's generated Graph
# models (shared/tools/graph-schema-check.py, run through scripts/graph-schema-models.py, which adds
# the models of collections the checker's table lacks). Needs python3 and PyPI; the venv is cached in /tmp.
set -euo pipefail
cd "$(dirname "$0")/.."
checker="${GRAPH_SCHEMA_CHECK:-../shared/tools/graph-schema-check.py}"
if [ ! -f "$checker" ]; then
  echo "graph-schema-check.py not found at $checker (set GRAPH_SCHEMA_CHECK)"; exit 1
fi
venv=/tmp/graphcheck
ATLAS_SDK_VENV="$venv" scripts/python-venv.sh
echo "-- fixtures"
"$venv/bin/python" scripts/graph-schema-models.py "$checker" fixtures/tenants/demo

echo "-- emulator responses"
cargo build --locked --quiet
port=$((20000 + RANDOM % 20000))
"${CARGO_TARGET_DIR:-target}/debug/tenant-atlas" emulator --demo --listen "127.0.0.1:$port" --page-size 7 > /tmp/atlas-emulator.log 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null || true' EXIT
for _ in $(seq 1 50); do curl -sf "http://127.0.0.1:$port/_emulator/stats" >/dev/null && break; sleep 0.2; done
tenant=$(python3 -c 'import json;print(json.load(open("fixtures/tenants/demo/tenant.json"))["tenantId"])')
client=$(python3 -c 'import json;print(json.load(open("fixtures/tenants/demo/tenant.json"))["clients"][0]["clientId"])')
secret=$(python3 -c 'import json;print(json.load(open("fixtures/tenants/demo/tenant.json"))["clients"][0]["clientSecret"])')
token=$(curl -sf -X POST "http://127.0.0.1:$port/$tenant/oauth2/v2.0/token" \
  --data-urlencode "client_id=$client" --data-urlencode "client_secret=$secret" \
  --data-urlencode "grant_type=client_credentials" --data-urlencode "scope=http://127.0.0.1:$port/.default" \
  | python3 -c 'import json,sys;print(json.load(sys.stdin)["access_token"])')
"$venv/bin/python" scripts/graph-schema-models.py "$checker" --url "http://127.0.0.1:$port" "$token"
