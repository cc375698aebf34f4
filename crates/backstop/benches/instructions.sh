#!/usr/bin/env bash
# Instruction counts per encode/decode (callgrind), against the serde-derive baseline.
# Deterministic on a loaded machine, unlike wall-clock timings. Needs valgrind (apt-get install valgrind).
set -euo pipefail
cd "$(dirname "$0")/../../.."
command -v valgrind >/dev/null || { apt-get update -qq && apt-get install -y -qq valgrind; }
cargo bench -p backstop --bench envelope --no-run 2>/dev/null
bin=$(ls -t target/release/deps/envelope-* | grep -v '\.d$' | head -n 1)
n=20000
count() {
  ENVELOPE_LOOP="$1:$2" valgrind --tool=callgrind --callgrind-out-file=/dev/null "$bin" 2>&1 \
    | sed -n 's/.*Collected : \([0-9]*\).*/\1/p'
}
base=$(count none "$n")
declare -A per
for c in encode-baseline encode-backstop decode-baseline decode-backstop; do
  per[$c]=$(( ($(count "$c" "$n") - base) / n ))
done
printf 'instructions per call: encode baseline %d, backstop %d (%.2fx); decode baseline %d, backstop %d (%.2fx)\n' \
  "${per[encode-baseline]}" "${per[encode-backstop]}" \
  "$(echo "${per[encode-backstop]} / ${per[encode-baseline]}" | bc -l)" \
  "${per[decode-baseline]}" "${per[decode-backstop]}" \
  "$(echo "${per[decode-backstop]} / ${per[decode-baseline]}" | bc -l)"
