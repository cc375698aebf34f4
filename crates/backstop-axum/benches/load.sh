#!/usr/bin/env bash
# Load benchmark: bare axum vs the same route behind backstop_axum::Contract, and bare axum's empty 404
# vs the contract's 404 envelope, in one run on loopback with wrk. Two reference 404s put the second
# ratio in context: the same envelope written by hand in a bare app's fallback ("handmade": UUID v7,
# formatted timestamp, serde_json body), and the same bytes prepared once ("static": what sending a
# 404 envelope instead of an empty 404 costs by itself).
#
#   crates/backstop-axum/benches/load.sh            # 2 threads, 64 connections, 6 s per case, 5 rounds
#   THREADS=2 CONNECTIONS=64 DURATION=6s ROUNDS=5 crates/backstop-axum/benches/load.sh
#
# The four cases run interleaved, ROUNDS times, so that load from other processes hits bare and
# contract alike; the medians are reported, with the contract/bare ratios (targets: throughput >=
# 0.90x, p99 <= 1.2x). With taskset available and 2+ CPUs, the servers run on CPU 0 and wrk on the
# others, so the client does not steal the server's core.
set -euo pipefail

THREADS="${THREADS:-2}"
CONNECTIONS="${CONNECTIONS:-64}"
DURATION="${DURATION:-6s}"
ROUNDS="${ROUNDS:-5}"
PORT_BARE="${PORT_BARE:-39081}"
PORT_CONTRACT="${PORT_CONTRACT:-39082}"
PORT_HANDMADE="${PORT_HANDMADE:-39083}"
PORT_STATIC="${PORT_STATIC:-39084}"

root="$(cd "$(dirname "$0")/../../.." && pwd)"
cd "$root"

if ! command -v wrk >/dev/null 2>&1; then
    echo "installing wrk..." >&2
    (apt-get install -y wrk >/dev/null 2>&1) || (apt-get update >/dev/null && apt-get install -y wrk >/dev/null)
fi

cargo build --release -p backstop-axum --example bench_server >&2
server="$root/target/release/examples/bench_server"

pids=()
tmp_bare="$(mktemp)"
tmp_contract="$(mktemp)"
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -f "$tmp_bare" "$tmp_contract"; }
trap cleanup EXIT

pin_server=()
pin_client=()
if command -v taskset >/dev/null 2>&1 && [ "$(nproc)" -ge 2 ]; then
    pin_server=(taskset -c 0)
    pin_client=(taskset -c "1-$(($(nproc) - 1))")
fi

"${pin_server[@]}" "$server" bare "$PORT_BARE" & pids+=($!)
"${pin_server[@]}" "$server" contract "$PORT_CONTRACT" & pids+=($!)
"${pin_server[@]}" "$server" handmade "$PORT_HANDMADE" & pids+=($!)
"${pin_server[@]}" "$server" static "$PORT_STATIC" & pids+=($!)
for port in "$PORT_BARE" "$PORT_CONTRACT" "$PORT_HANDMADE" "$PORT_STATIC"; do
    for _ in $(seq 1 50); do
        curl -s -o /dev/null "http://127.0.0.1:$port/hello" && break
        sleep 0.1
    done
done

declare -A pid_of
pid_of[$PORT_BARE]="${pids[0]}"
pid_of[$PORT_CONTRACT]="${pids[1]}"
pid_of[$PORT_HANDMADE]="${pids[2]}"
pid_of[$PORT_STATIC]="${pids[3]}"
# CPU ticks (user + system) the server has used so far.
ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
hz="$(getconf CLK_TCK)"

# run <port> <path> -> "rps p99_ms cpu_us_per_request"
# Server CPU time per request is reported too: unlike throughput, it barely moves when other processes
# compete for the CPUs.
run() {
    local out rps p99 before after n cpu
    before="$(ticks "${pid_of[$1]}")"
    out="$("${pin_client[@]}" wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency "http://127.0.0.1:$1$2")"
    rps="$(awk '/^Requests\/sec:/ {print $2}' <<<"$out")"
    p99="$(awk '$1 == "99%" {v=$2; if (v ~ /us$/) {sub(/us$/,"",v); v=v/1000} else if (v ~ /ms$/) {sub(/ms$/,"",v)} else if (v ~ /s$/) {sub(/s$/,"",v); v=v*1000}; print v}' <<<"$out")"
    after="$(ticks "${pid_of[$1]}")"
    n="$(awk '/requests in/ {print $1}' <<<"$out")"
    cpu="$(awk -v t="$((after - before))" -v hz="$hz" -v n="$n" 'BEGIN { printf "%.2f", t / hz * 1e6 / n }')"
    echo "$rps $p99 $cpu"
}

declare -A rps p99 cpu last_rps last_cpu
cases=("bare /hello|$PORT_BARE|/hello" "contract /hello|$PORT_CONTRACT|/hello" "bare 404|$PORT_BARE|/missing" "contract 404|$PORT_CONTRACT|/missing" "handmade 404|$PORT_HANDMADE|/missing" "static 404|$PORT_STATIC|/missing")
declare -A pair_rps pair_cpu
for round in $(seq 1 "$ROUNDS"); do
    # Alternate which of each pair runs first, so a drift in the machine's load favours neither.
    if (( round % 2 )); then order=(0 1 2 3 4 5); else order=(1 0 3 2 5 4); fi
    for i in "${order[@]}"; do
        c="${cases[$i]}"
        IFS='|' read -r name port path <<<"$c"
        read -r r p u < <(run "$port" "$path")
        rps[$name]+="$r "
        p99[$name]+="$p "
        cpu[$name]+="$u "
        printf 'round %s  %-16s %12s req/s %10s ms p99 %8s us cpu/req\n' "$round" "$name" "$r" "$p" "$u" >&2
        last_rps[$name]="$r"
        last_cpu[$name]="$u"
    done
    # The two runs of a pair are minutes apart at most: their ratio is the least noisy figure.
    for pair in hello 404 handmade static; do
        b="bare 404"; k="$pair 404"
        [ "$pair" = hello ] && b="bare /hello" && k="contract /hello"
        [ "$pair" = 404 ] && k="contract 404"
        pair_rps[$pair]+="$(awk -v a="${last_rps[$k]}" -v b="${last_rps[$b]}" 'BEGIN { printf "%.3f", a / b }') "
        pair_cpu[$pair]+="$(awk -v a="${last_cpu[$k]}" -v b="${last_cpu[$b]}" 'BEGIN { printf "%.3f", a / b }') "
    done
done

median() { tr ' ' '\n' <<<"$1" | grep -v '^$' | sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", a / b }'; }

printf '\nmedians of %s rounds (%s threads, %s connections, %s each)\n' "$ROUNDS" "$THREADS" "$CONNECTIONS" "$DURATION"
printf '%-16s %12s %10s %14s\n' case 'req/s' 'p99 ms' 'cpu us/req'
for c in "${cases[@]}"; do
    name="${c%%|*}"
    printf '%-16s %12s %10s %14s\n' "$name" "$(median "${rps[$name]}")" "$(median "${p99[$name]}")" "$(median "${cpu[$name]}")"
done
echo
echo "hello: throughput $(ratio "$(median "${rps[contract /hello]}")" "$(median "${rps[bare /hello]}")")x, p99 $(ratio "$(median "${p99[contract /hello]}")" "$(median "${p99[bare /hello]}")")x"
echo "cpu per request: hello $(ratio "$(median "${cpu[contract /hello]}")" "$(median "${cpu[bare /hello]}")")x, 404 $(ratio "$(median "${cpu[contract 404]}")" "$(median "${cpu[bare 404]}")")x"
echo "404:   throughput $(ratio "$(median "${rps[contract 404]}")" "$(median "${rps[bare 404]}")")x, p99 $(ratio "$(median "${p99[contract 404]}")" "$(median "${p99[bare 404]}")")x"
echo "reference 404s vs bare 404: handmade $(ratio "$(median "${rps[handmade 404]}")" "$(median "${rps[bare 404]}")")x (cpu $(ratio "$(median "${cpu[handmade 404]}")" "$(median "${cpu[bare 404]}")")x), static $(ratio "$(median "${rps[static 404]}")" "$(median "${rps[bare 404]}")")x (cpu $(ratio "$(median "${cpu[static 404]}")" "$(median "${cpu[bare 404]}")")x)"
range() { tr ' ' '\n' <<<"$1" | grep -v '^$' | sort -g | awk 'NR == 1 {lo = $1} {hi = $1} END {printf "%s..%s", lo, hi}'; }
echo
echo "per-round pairs (x/bare, each pair back to back), median [range]:"
for pair in hello 404 handmade static; do
    echo "  $pair: throughput $(median "${pair_rps[$pair]}")x [$(range "${pair_rps[$pair]}")], cpu per request $(median "${pair_cpu[$pair]}")x [$(range "${pair_cpu[$pair]}")]"
done

# Side by side: both servers share the server CPU while each gets its own wrk at the same moment, so
# whatever else the machine does hits both alike; with the CPU shared fairly, the throughput ratio
# is the ratio of CPU cost per request. On a shared machine this is the steadiest of these figures.
SIDE_ROUNDS="${SIDE_ROUNDS:-3}"
side_threads=$(( THREADS > 1 ? THREADS / 2 : 1 ))
side_connections=$(( CONNECTIONS > 1 ? CONNECTIONS / 2 : 1 ))
echo
echo "side by side (both servers loaded at once, $side_threads thread(s) x $side_connections connections each, $DURATION, $SIDE_ROUNDS rounds):"
for pair in "hello|/hello" "404|/missing"; do
    IFS='|' read -r label path <<<"$pair"
    ratios=""
    for _ in $(seq 1 "$SIDE_ROUNDS"); do
        "${pin_client[@]}" wrk -t"$side_threads" -c"$side_connections" -d"$DURATION" "http://127.0.0.1:$PORT_BARE$path" >"$tmp_bare" &
        wb=$!
        "${pin_client[@]}" wrk -t"$side_threads" -c"$side_connections" -d"$DURATION" "http://127.0.0.1:$PORT_CONTRACT$path" >"$tmp_contract" &
        wc=$!
        wait "$wb" "$wc"
        b="$(awk '/^Requests\/sec:/ {print $2}' "$tmp_bare")"
        k="$(awk '/^Requests\/sec:/ {print $2}' "$tmp_contract")"
        printf '  %-6s bare %12s req/s  contract %12s req/s\n' "$label" "$b" "$k" >&2
        ratios+="$(awk -v a="$k" -v b="$b" 'BEGIN { printf "%.3f", a / b }') "
    done
    echo "  $label: throughput $(median "$ratios")x [$(range "$ratios")]"
done
