#!/usr/bin/env bash
# Load benchmark of `backstop serve` on a temporary SQLite file, on loopback only.
#
# Measures invoice create (POST, a fresh Idempotency-Key per request) and invoice read (GET) with
# wrk in three modes on the same database, interleaved: `stack`, the full contract stack (contract
# layer, auth against the database, rate limits, idempotency keys in the database written with their
# outcome in the create's own transaction, error records); `memidem`, the same with idempotency keys in memory (the
# hidden `--idempotency-store memory` flag: the store before durable keys, not crash-safe); and
# `bare` (hidden `--bare`: bare handlers; the bearer token is still verified, without any database
# lookup). Prints req/s, p99, server CPU per request, and the stack/bare and stack/memidem ratios.
#
# Usage: apps/backstop/bench/load.sh            (DURATION=10s CONNECTIONS=32 THREADS=2 by default;
#                                               CREATE_ONLY=1 skips the read scenario)
#        BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/test apps/backstop/bench/load.sh
#        (a fresh schema of that database instead of a temporary SQLite file)
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
if [ -n "${BENCH_DATABASE_URL:-}" ]; then
    SCHEMA="bench_$(date +%s)_$RANDOM"
    psql -q "$BENCH_DATABASE_URL" -c "CREATE SCHEMA $SCHEMA" >/dev/null
    case "$BENCH_DATABASE_URL" in *\?*) SEP='&' ;; *) SEP='?' ;; esac
    DB="$BENCH_DATABASE_URL${SEP}options[search_path]=$SCHEMA"
    BACKEND=Postgres
else
    DB="sqlite://$WORK/bench.db"
    BACKEND=SQLite
fi
SECRET=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')
BASE="http://127.0.0.1:$PORT"
SERVER_PID=""
cleanup() {
    [ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null || true
    [ -n "${SCHEMA:-}" ] && psql -q "$BENCH_DATABASE_URL" -c "DROP SCHEMA $SCHEMA CASCADE" >/dev/null 2>&1
    rm -rf "$WORK"
}
trap cleanup EXIT

# shellcheck source=fixtures.sh
. "$ROOT/apps/backstop/bench/fixtures.sh"

start_server() {
    RUST_LOG=${RUST_LOG:-error} "$BIN" serve --listen "127.0.0.1:$PORT" --database-url "$DB" --jwt-secret "$SECRET" \
        --rate-limit-per-minute 1000000000 --rate-limit-per-address-per-minute 1000000000 "$@" >"$WORK/server.log" 2>&1 &
    SERVER_PID=$!
    for _ in $(seq 1 100); do curl -fs "$BASE/healthz" >/dev/null 2>&1 && return 0; sleep 0.1; done
    echo "server did not start" >&2; cat "$WORK/server.log" >&2; exit 1
}
stop_server() { kill "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null || true; SERVER_PID=""; [ -n "${KEEP_LOG:-}" ] && cat "$WORK/server.log" >>"$KEEP_LOG"; true; }

# Fixtures through the CLI and the API.
create_partner "$DB"
start_server
create_tenant
BODY="{\"customer_id\":\"$CUS\",\"currency\":\"GBP\",\"due_date\":\"2026-12-31\",\"line_items\":[{\"description\":\"Work\",\"quantity\":2,\"unit_amount\":1500}]}"
INV=$(curl -fs -H "Authorization: Bearer $BTOKEN" -H 'content-type: application/json' -d "$BODY" \
    "$BASE/v1/platform/businesses/$BIZ/invoices/" | json_field id)
stop_server

RUN="$$-$RANDOM"
cat >"$WORK/create.lua" <<LUA
-- Each wrk thread has its own Lua state: setup() numbers them so keys never repeat across threads,
-- and init() takes the run's tag (mode and round) so they never repeat across runs either: a key
-- sent again would be a replay (or, with keys in memory, a create), not the create measured.
local started = 0
local tag = ""
init = function(args)
  tag = args[1] or ""
end
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
  wrk.headers["Idempotency-Key"] = "bench-$RUN-" .. tag .. "-" .. tid .. "-" .. n
  return wrk.format(nil, "/v1/platform/businesses/$BIZ/invoices/")
end
done = function(summary, latency, requests)
  io.write(string.format("RESULT %.1f %.3f %d %d\n", summary.requests / (summary.duration / 1e6), latency:percentile(99) / 1000, summary.errors.status, summary.requests))
end
LUA
cat >"$WORK/read.lua" <<LUA
wrk.headers["Authorization"] = "Bearer $BTOKEN"
done = function(summary, latency, requests)
  io.write(string.format("RESULT %.1f %.3f %d %d\n", summary.requests / (summary.duration / 1e6), latency:percentile(99) / 1000, summary.errors.status, summary.requests))
end
LUA

# The server's CPU time (user + system, in clock ticks) so far.
cpu_ticks() { awk '{print $14 + $15}' "/proc/$SERVER_PID/stat"; }

run() { # script path, tag -> "req/s p99_ms non2xx cpu_us_per_request"
    local before after
    before=$(cpu_ticks)
    read -r rps p99 err total < <(wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" -s "$WORK/$1" "$BASE$2" -- "${3:-}" \
        | awk '/^RESULT/ {print $2, $3, $4, $5}')
    after=$(cpu_ticks)
    echo "$rps $p99 $err $(python3 -c "print(round(($after - $before) * 1e6 / $(getconf CLK_TCK) / max($total, 1), 1))")"
}

# ROUNDS interleaved rounds (stack, bare, stack, bare, ...): on a shared machine req/s swings between
# rounds, so the medians are printed, and the server's CPU time per request, which moves far less.
ROUNDS=${ROUNDS:-3}
declare -A RES
for round in $(seq 1 "$ROUNDS"); do
    for mode in stack memidem bare; do
        case $mode in
            bare) start_server --bare ;;
            memidem) start_server --idempotency-store memory ;;
            *) start_server ;;
        esac
        RES[$mode-create-$round]=$(run create.lua "/" "$mode-$round")
        if [ -z "${CREATE_ONLY:-}" ]; then
            RES[$mode-read-$round]=$(run read.lua "/v1/platform/businesses/$BIZ/invoices/$INV/")
        fi
        stop_server
    done
done

median() { # scenario field(1-4)
    for round in $(seq 1 "$ROUNDS"); do echo "${RES[$1-$round]}" | awk -v f="$2" '{print $f}'; done \
        | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'
}

echo
echo "backstop serve on $BACKEND, wrk -t$THREADS -c$CONNECTIONS -d$DURATION, loopback, median of $ROUNDS interleaved rounds"
printf "%-15s %-8s %11s %8s %10s %16s %16s\n" scenario mode req/s p99_ms cpu_us/req "req/s vs stack" "cpu vs stack"
SCENARIOS="create read"
[ -n "${CREATE_ONLY:-}" ] && SCENARIOS=create
for s in $SCENARIOS; do
    sr=$(median stack-$s 1); sc=$(median stack-$s 4)
    for mode in stack memidem bare; do
        r=$(median $mode-$s 1); p=$(median $mode-$s 2); c=$(median $mode-$s 4)
        printf "%-15s %-8s %11s %8s %10s %16s %16s\n" "invoice-$s" "$mode" "$r" "$p" "$c" \
            "$(python3 -c "print(f'{$sr/$r:.3f}x')")" "$(python3 -c "print(f'{$sc/$c:.3f}x')")"
    done
done
echo "(req/s vs stack: stack's req/s over this mode's; durable idempotency's target is >= 0.90x of memidem on create)"
for mode in stack memidem bare; do
    echo "invoice-create $mode req/s by round: $(for round in $(seq 1 "$ROUNDS"); do echo "${RES[$mode-create-$round]}" | awk '{printf "%s ", $1}'; done)"
done
non2xx=$(for k in "${!RES[@]}"; do echo "${RES[$k]}" | awk '{print $3}'; done | awk '{s+=$1} END {print s+0}')
echo "non-2xx responses in all rounds: $non2xx"
for k in $(printf '%s\n' "${!RES[@]}" | sort); do
    n=$(echo "${RES[$k]}" | awk '{print $3}')
    [ "$n" != 0 ] && echo "  $k: $n non-2xx"
done
true
