#!/usr/bin/env bash
# Instruction counts per request on the success path (callgrind; client and in-process server
# counted together), backstop-client against plain reqwest. Deterministic on a loaded machine, unlike
# wall-clock timings. Needs valgrind (apt-get install valgrind).
set -euo pipefail
cd "$(dirname "$0")/../../.."
command -v valgrind >/dev/null || { apt-get update -qq && apt-get install -y -qq valgrind; }
cargo bench -p backstop-client --bench success_path_overhead --no-run 2>/dev/null
bin=$(ls -t target/release/deps/success_path_overhead-* | grep -v '\.d$' | head -n 1)
n=${N:-2000}
count() {
  OVERHEAD_LOOP="$1:$2" valgrind --tool=callgrind --callgrind-out-file=/dev/null "$bin" 2>&1 \
    | sed -n 's/.*Collected : \([0-9]*\).*/\1/p'
}
base=$(count none "$n")
declare -A per
for c in plain backstop backstop-off; do
  per[$c]=$(( ($(count "$c" "$n") - base) / n ))
done
printf 'instructions per request: plain reqwest %d, backstop-client %d (%.3fx), policies off %d (%.3fx)\n' \
  "${per[plain]}" "${per[backstop]}" "$(echo "${per[backstop]} / ${per[plain]}" | bc -l)" \
  "${per[backstop-off]}" "$(echo "${per[backstop-off]} / ${per[plain]}" | bc -l)"
