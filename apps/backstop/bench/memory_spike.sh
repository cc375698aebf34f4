#!/usr/bin/env bash
# Resident memory of `backstop serve` (release build, temporary SQLite file, loopback) before, during
# and after connection spikes: 2,000 then 6,000 concurrent wrk connections for 15 s each, then 5 s
# and 30 s of idleness. Extra arguments go to `backstop serve`.
#
# Usage: apps/backstop/bench/memory_spike.sh
set -euo pipefail
ulimit -n "$(ulimit -Hn)"
ROOT=$(cd "$(dirname "$0")/../../.." && pwd)
command -v wrk >/dev/null || (apt-get update -qq && apt-get install -y -qq wrk) >/dev/null
cargo build --release -q -p backstop-app --manifest-path "$ROOT/Cargo.toml"
BIN="$ROOT/target/release/backstop"
WORK=$(mktemp -d); DB="sqlite://$WORK/m.db"; PORT=18555; BASE=http://127.0.0.1:$PORT
SECRET=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')
CREATED=$($BIN partners create --name mem --database-url "$DB" --json)
P=$(echo "$CREATED" | python3 -c 'import json,sys; print(json.load(sys.stdin)["partner_id"])')
K=$(echo "$CREATED" | python3 -c 'import json,sys; print(json.load(sys.stdin)["api_key"])')
RUST_LOG=error $BIN serve --listen 127.0.0.1:$PORT --database-url "$DB" --jwt-secret "$SECRET" \
  --rate-limit-per-minute 1000000000 --rate-limit-per-address-per-minute 1000000000 "$@" >$WORK/log 2>&1 &
PID=$!
for _ in $(seq 1 100); do curl -fs $BASE/healthz >/dev/null 2>&1 && break; sleep 0.1; done
T=$(curl -fs -u "$P:$K" -d grant_type=client_credentials $BASE/v1/platform/oauth2/token/ | python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')
rss() { awk '/VmRSS/ {print $2/1024 " MB"}' /proc/$PID/status; }
wrk -t2 -c16 -d3s -H "Authorization: Bearer $T" $BASE/v1/platform/businesses/ >/dev/null
sleep 2; echo "baseline after warm-up: $(rss)"
for c in 2000 6000; do
  wrk -t2 -c$c -d15s --timeout 10s -H "Authorization: Bearer $T" $BASE/v1/platform/businesses/ > $WORK/wrk.txt 2>&1 &
  W=$!; sleep 10; echo "during $c connections: $(rss)"; wait $W || true
  grep -E "Requests/sec|Non-2xx|Socket errors|Latency " $WORK/wrk.txt | sed 's/^/    /'
  for s in 5 30; do sleep $s; echo "  $s s later: $(rss)"; done
done
kill $PID; rm -rf $WORK
