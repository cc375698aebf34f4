#!/usr/bin/env bash
# What a keyed invoice create costs the server, counted rather than timed: bytes written (the
# process's `wchar`: SQLite's WAL frames and checkpoints), write calls, and CPU time per create, for
# durable idempotency keys (the default) against keys in memory (the hidden `--idempotency-store
# memory` baseline). N creates (default 2,000, after 200 to warm up), one at a time over one
# keep-alive connection, each with a fresh key, on a SQLite file in $TMPDIR (loopback only).
#
# Usage: apps/backstop/bench/write_cost.sh        (N=2000; TMPDIR=/dev/shm keeps the disk out of it)
set -euo pipefail

N=${N:-2000}
PORT=${PORT:-18498}
ROOT=$(cd "$(dirname "$0")/../../.." && pwd)
cd "$ROOT"
command -v curl >/dev/null || { apt-get update -qq && apt-get install -y -qq curl >/dev/null; }
cargo build --release -q -p backstop-app
BIN="$ROOT/target/release/backstop"
BASE="http://127.0.0.1:$PORT"
# shellcheck source=fixtures.sh
. "$ROOT/apps/backstop/bench/fixtures.sh"

measure() { # extra serve flags -> one line of figures
    local work db secret pid
    work=$(mktemp -d)
    db="sqlite://$work/bench.db"
    secret=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')
    create_partner "$db"
    RUST_LOG=error "$BIN" serve --listen "127.0.0.1:$PORT" --database-url "$db" --jwt-secret "$secret" \
        --rate-limit-per-minute 1000000000 --rate-limit-per-address-per-minute 1000000000 "$@" \
        >"$work/server.log" 2>&1 &
    pid=$!
    for _ in $(seq 1 100); do curl -fs "$BASE/healthz" >/dev/null 2>&1 && break; sleep 0.1; done
    create_tenant
    python3 - "$PORT" "$BIZ" "$BTOKEN" "$CUS" "$pid" "$N" <<'PY'
import http.client, json, os, sys
port, biz, token, cus, pid, n = sys.argv[1:7]
pid, n = int(pid), int(n)
body = json.dumps({"customer_id": cus, "currency": "GBP", "due_date": "2026-12-31",
                   "line_items": [{"description": "Work", "quantity": 2, "unit_amount": 1500}]})
def counters():
    io = dict(line.split(": ") for line in open(f"/proc/{pid}/io").read().splitlines() if line)
    stat = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return int(io["wchar"]), int(io["syscw"]), int(stat[11]) + int(stat[12])
conn = http.client.HTTPConnection("127.0.0.1", int(port))
def create(i):
    conn.request("POST", f"/v1/platform/businesses/{biz}/invoices/", body,
                 {"Authorization": "Bearer " + token, "Content-Type": "application/json",
                  "Idempotency-Key": f"cost-{os.getpid()}-{i}"})
    r = conn.getresponse()
    r.read()
    if r.status != 201:
        sys.exit(f"create {i}: status {r.status}")
for i in range(200):
    create(-1 - i)
w0, s0, t0 = counters()
for i in range(n):
    create(i)
w1, s1, t1 = counters()
print(f"{(w1 - w0) / n:8.0f} bytes written {(s1 - s0) / n:6.2f} write calls "
      f"{(t1 - t0) * 1e6 / os.sysconf('SC_CLK_TCK') / n:6.0f} us CPU  per create")
PY
    kill "$pid"; wait "$pid" 2>/dev/null || true
    rm -rf "$work"
}

echo "keyed invoice create, $N one at a time, SQLite in ${TMPDIR:-/tmp}:"
printf 'durable keys: %s\n' "$(measure)"
printf 'keys in memory: %s\n' "$(measure --idempotency-store memory)"
