#!/usr/bin/env bash
# Load benchmark of `backstop serve` on a temporary SQLite file, on loopback only.
#
# Measures invoice create (POST, a fresh Idempotency-Key per request) and invoice read (GET) with
# wrk, first with the full contract stack (contract layer, auth against the database, rate limit,
# idempotency, error records), then with the hidden `--bare` flag (bare handlers; the bearer token is
# still verified, without any database lookup) on the same database, and prints req/s, p99 and the
# stack/bare ratio.
#
# Usage: apps/backstop/bench/load.sh            (DURATION=10s CONNECTIONS=32 THREADS=2 by default)
set -euo pipefail

DURATION=${DURATION:-10s}
CONNECTIONS=${CONNECTIONS:-32}
THREADS=${THREADS:-2}
PORT=${PORT:-18480}
ROOT=$(cd "$(dirname "$0")/../../.." && pwd)
cd "$ROOT"

if ! command -v wrk >/dev/null; then
    (apt-get update -qq && apt-get install -y -qq wrk) >/dev/null
fi
command -v curl >/dev/null || { apt-get update -qq && apt-get install -y -qq curl >/dev/null; }

cargo build --release -q -p backstop-app
BIN="$ROOT/target/release/backstop"
WORK=$(mktemp -d)
DB="sqlite://$WORK/bench.db"
SECRET=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')
BASE="http://127.0.0.1:$PORT"
SERVER_PID=""
cleanup() { [ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null || true; rm -rf "$WORK"; }
trap cleanup EXIT

json_field() { python3 -c "import json,sys; print(json.load(sys.stdin)[sys.argv[1]])" "$1"; }

start_server() {
    RUST_LOG=${RUST_LOG:-error} "$BIN" serve --listen "127.0.0.1:$PORT" --database-url "$DB" --jwt-secret "$SECRET" \
        --rate-limit-per-minute 1000000000 "$@" >"$WORK/server.log" 2>&1 &
    SERVER_PID=$!
    for _ in $(seq 1 100); do curl -fs "$BASE/healthz" >/dev/null 2>&1 && return 0; sleep 0.1; done
    echo "server did not start" >&2; cat "$WORK/server.log" >&2; exit 1
}
stop_server() { kill "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null || true; SERVER_PID=""; [ -n "${KEEP_LOG:-}" ] && cat "$WORK/server.log" >>"$KEEP_LOG"; true; }

# Fixtures through the CLI and the API.
CREATED=$("$BIN" partners create --name bench --database-url "$DB" --json)
PARTNER=$(echo "$CREATED" | json_field partner_id)
KEY=$(echo "$CREATED" | json_field api_key)
start_server
TOKEN=$(curl -fs -u "$PARTNER:$KEY" -d grant_type=client_credentials "$BASE/v1/platform/oauth2/token/" | json_field access_token)
BIZ=$(curl -fs -H "Authorization: Bearer $TOKEN" -H 'content-type: application/json' \
    -d '{"external_id":"bench","legal_name":"Bench Ltd","email":"b@bench.example","country":"GB","base_currency":"GBP"}' \
    "$BASE/v1/platform/businesses/" | json_field id)
BTOKEN=$(curl -fs -X POST -H "Authorization: Bearer $TOKEN" "$BASE/v1/platform/$BIZ/oauth2/token/" | json_field access_token)
CUS=$(curl -fs -H "Authorization: Bearer $BTOKEN" -H 'content-type: application/json' \
    -d '{"name":"Ana","email":"ana@bench.example"}' "$BASE/v1/platform/businesses/$BIZ/customers/" | json_field id)
BODY="{\"customer_id\":\"$CUS\",\"currency\":\"GBP\",\"due_date\":\"2026-12-31\",\"line_items\":[{\"description\":\"Work\",\"quantity\":2,\"unit_amount\":1500}]}"
INV=$(curl -fs -H "Authorization: Bearer $BTOKEN" -H 'content-type: application/json' -d "$BODY" \
    "$BASE/v1/platform/businesses/$BIZ/invoices/" | json_field id)
stop_server

RUN="$$-$RANDOM"
cat >"$WORK/create.lua" <<LUA
-- Each wrk thread has its own Lua state: setup() numbers them so keys never repeat across threads.
local started = 0
setup = function(thread)
  started = started + 1
  thread:set("tid", started)
end
local n = 0
wrk.method = "POST"
wrk.body = '$BODY'
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer $BTOKEN"
request = function()
  n = n + 1
  wrk.headers["Idempotency-Key"] = "bench-$RUN-" .. tid .. "-" .. n
  return wrk.format(nil, "/v1/platform/businesses/$BIZ/invoices/")
end
done = function(summary, latency, requests)
  io.write(string.format("RESULT %.1f %.3f %d\n", summary.requests / (summary.duration / 1e6), latency:percentile(99) / 1000, summary.errors.status))
end
LUA
cat >"$WORK/read.lua" <<LUA
wrk.headers["Authorization"] = "Bearer $BTOKEN"
done = function(summary, latency, requests)
  io.write(string.format("RESULT %.1f %.3f %d\n", summary.requests / (summary.duration / 1e6), latency:percentile(99) / 1000, summary.errors.status))
end
LUA

run() { # mode script path
    wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" -s "$WORK/$2" "$BASE$3" | awk '/^RESULT/ {print $2, $3, $4}'
}

declare -A RPS P99 ERR
for mode in stack bare; do
    if [ "$mode" = bare ]; then start_server --bare; else start_server; fi
    read -r RPS[$mode-create] P99[$mode-create] ERR[$mode-create] < <(run "$mode" create.lua "/")
    read -r RPS[$mode-read] P99[$mode-read] ERR[$mode-read] < <(run "$mode" read.lua "/v1/platform/businesses/$BIZ/invoices/$INV/")
    stop_server
done

echo
echo "backstop serve on SQLite, wrk -t$THREADS -c$CONNECTIONS -d$DURATION, loopback"
printf "%-16s %12s %10s %8s %12s %10s %12s\n" scenario stack_req/s p99_ms non2xx bare_req/s p99_ms stack/bare
for s in create read; do
    ratio=$(python3 -c "print(f'{${RPS[stack-$s]}/${RPS[bare-$s]}:.2f}x')")
    printf "%-16s %12s %10s %8s %12s %10s %12s\n" "invoice-$s" "${RPS[stack-$s]}" "${P99[stack-$s]}" "${ERR[stack-$s]}" \
        "${RPS[bare-$s]}" "${P99[bare-$s]}" "$ratio"
done
