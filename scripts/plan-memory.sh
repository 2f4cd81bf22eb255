#!/usr/bin/env bash
# Peak memory of `plan` over a generated tenant: the figure of the README's restore benchmark
# ("plan, 100 changed"), measured without the benchmark's latency and throttling, which change
# the wall time but not what the process holds.
#
#   scripts/plan-memory.sh [BINARY…]
#
# Starts `BINARY emulator --generate $OBJECTS` (default 10000) on 127.0.0.1:$PORT (default 18977),
# makes a repository with `init`, backs the tenant up, PATCHes the description of the first
# $CHANGE (default 100) device configurations through Graph, then runs
# `plan --tenant … --format json` under `/usr/bin/time -v` once per binary (default: the release
# build, `${CARGO_TARGET_DIR:-target}/release/tenant-atlas`), all against the same repository and
# tenant, with `ATLAS_NOW` fixed so their plans can be compared byte for byte. Per binary it prints
# the peak RSS, wall and CPU seconds, the Graph requests the plan sent (the emulator's
# `/_emulator/stats`, reset before each run), the plan's summary and its SHA-256; with several
# binaries it says whether every plan is byte-identical to the first. Files stay in $WORK (default:
# a new temporary folder, kept) for a look afterwards.
set -euo pipefail

OBJECTS=${OBJECTS:-10000}
CHANGE=${CHANGE:-100}
PORT=${PORT:-18977}
WORK=${WORK:-$(mktemp -d /tmp/plan-memory.XXXXXX)}
if [ $# -eq 0 ]; then
    set -- "${CARGO_TARGET_DIR:-target}/release/tenant-atlas"
fi
first=$(realpath "$1")
url="http://127.0.0.1:$PORT"

"$first" emulator --generate "$OBJECTS" --listen "127.0.0.1:$PORT" >"$WORK/emulator.txt" 2>&1 &
emulator=$!
trap 'kill "$emulator" 2>/dev/null || true' EXIT
until grep -q "Ctrl-C stops" "$WORK/emulator.txt"; do
    kill -0 "$emulator" || { cat "$WORK/emulator.txt"; exit 1; }
    sleep 0.5
done
tenant_id=$(awk '/tenant id:/ {print $3; exit}' "$WORK/emulator.txt")
client_id=$(awk '/client id:/ {print $3; exit}' "$WORK/emulator.txt")
secret=$(awk '/secret:/ {print $2; exit}' "$WORK/emulator.txt")
export PLAN_MEMORY_SECRET=$secret

repo=$WORK/repo
rm -rf "$repo"
"$first" init "$repo" >/dev/null
cat >"$repo/atlas.yaml" <<EOF
tenants:
- name: bench
  tenantId: $tenant_id
  clientId: $client_id
  clientSecretEnv: PLAN_MEMORY_SECRET
  endpoints: {graph: '$url', login: '$url'}
EOF
"$first" --repo "$repo" --no-progress -q backup >/dev/null

# The changes, as the benchmark makes them: a new description on the first $CHANGE device
# configurations, in list order.
token=$(curl -sf "$url/$tenant_id/oauth2/v2.0/token" \
    --data-urlencode grant_type=client_credentials --data-urlencode "client_id=$client_id" \
    --data-urlencode "client_secret=$secret" --data-urlencode scope=https://graph.microsoft.com/.default |
    jq -r .access_token)
next="$url/beta/deviceManagement/deviceConfigurations?\$select=id"
: >"$WORK/changed.txt"
while [ -n "$next" ] && [ "$(wc -l <"$WORK/changed.txt")" -lt "$CHANGE" ]; do
    page=$(curl -sf -H "Authorization: Bearer $token" "$next")
    jq -r '.value[] | [.id, .["@odata.type"]] | @tsv' <<<"$page" >>"$WORK/changed.txt"
    next=$(jq -r '.["@odata.nextLink"] // empty' <<<"$page")
done
head -n "$CHANGE" "$WORK/changed.txt" | while IFS=$'\t' read -r id type; do
    curl -sf -o /dev/null -X PATCH -H "Authorization: Bearer $token" \
        -H 'Content-Type: application/json' \
        -d "{\"@odata.type\": \"$type\", \"description\": \"changed by plan-memory $id\"}" \
        "$url/beta/deviceManagement/deviceConfigurations/$id"
done

export ATLAS_NOW=2026-01-01T00:00:00Z
i=0
for bin in "$@"; do
    i=$((i + 1))
    curl -sf -o /dev/null -X POST "$url/_emulator/reset"
    code=0
    /usr/bin/time -v -o "$WORK/time-$i.txt" "$bin" --repo "$repo" --no-progress -q \
        plan --tenant bench --format json >"$WORK/plan-$i.json" || code=$?
    rss=$(awk -F': ' '/Maximum resident set size/ {printf "%.0f", $2 / 1024}' "$WORK/time-$i.txt")
    wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {print $2}' "$WORK/time-$i.txt")
    cpu=$(awk -F': ' '/User time/ {u = $2} /System time/ {s = $2} END {printf "%.2f", u + s}' \
        "$WORK/time-$i.txt")
    requests=$(curl -sf "$url/_emulator/stats" |
        jq -c '{requests, httpRequests, batches, tokenRequests}')
    summary=$(jq -c .summary "$WORK/plan-$i.json")
    sum=$(sha256sum <"$WORK/plan-$i.json" | cut -c1-16)
    echo "$bin: exit $code, peak RSS $rss MiB, wall $wall, CPU $cpu s, requests $requests, summary $summary, plan sha256 $sum"
    if [ "$i" -gt 1 ]; then
        if cmp -s "$WORK/plan-1.json" "$WORK/plan-$i.json"; then
            echo "  plan byte-identical to the first binary's"
        else
            echo "  plan DIFFERS from the first binary's ($WORK/plan-1.json, $WORK/plan-$i.json)"
        fi
    fi
done
echo "files in $WORK"
