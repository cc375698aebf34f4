#!/usr/bin/env bash
# Instructions (callgrind) and heap allocations (DHAT) per request that the metrics layer adds to a
# routed request, for a success and for an error with an application code; deterministic on a loaded
# machine, unlike wall-clock timings. Needs valgrind (apt-get install valgrind).
set -euo pipefail
cd "$(dirname "$0")/../../.."
command -v valgrind >/dev/null || { apt-get update -qq && apt-get install -y -qq valgrind; }
cargo bench -p backstop-app --bench metrics_layer --no-run 2>/dev/null
bin=$(ls -t target/release/deps/metrics_layer-* | grep -v '\.d$' | head -n 1)
n=${N:-20000}
instructions() {
  METRICS_LOOP="$1:$2" valgrind --tool=callgrind --callgrind-out-file=/dev/null "$bin" 2>&1 \
    | sed -n 's/.*Collected : \([0-9]*\).*/\1/p'
}
allocations() {
  METRICS_LOOP="$1:$2" valgrind --tool=dhat --dhat-out-file=/dev/null "$bin" 2>&1 \
    | sed -n 's/.*Total: .* in \([0-9,]*\) blocks.*/\1/p' | tr -d ,
}
for kind in ok error; do
  i=$(( ($(instructions "$kind" "$n") - $(instructions "$kind" 0)) / n ))
  bi=$(( ($(instructions "bare-$kind" "$n") - $(instructions "bare-$kind" 0)) / n ))
  a=$(( $(allocations "$kind" "$n") - $(allocations "$kind" 0) ))
  ba=$(( $(allocations "bare-$kind" "$n") - $(allocations "bare-$kind" 0) ))
  printf '%-5s request: %d instructions with the layer, %d without (+%d); allocations +%s per %d requests\n' \
    "$kind" "$i" "$bi" "$((i - bi))" "$((a - ba))" "$n"
done
