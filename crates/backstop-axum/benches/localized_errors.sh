#!/usr/bin/env bash
# Instructions per request (callgrind) of an error answered in French against the same error in the
# default language, and of a success with and without localization (benches/localized_errors.rs).
# Deterministic on a loaded machine, unlike wall-clock timings. Needs valgrind.
set -euo pipefail
cd "$(dirname "$0")/../../.."
command -v valgrind >/dev/null || { apt-get update -qq && apt-get install -y -qq valgrind; }
cargo bench -p backstop-axum --bench localized_errors --no-run 2>/dev/null
bin=$(ls -t target/release/deps/localized_errors-* | grep -v '\.d$' | head -n 1)
n=${N:-2000}
count() {
  LOCALIZED_LOOP="$1:$2" valgrind --tool=callgrind --callgrind-out-file=/dev/null "$bin" 2>&1 \
    | sed -n 's/.*Collected : \([0-9]*\).*/\1/p'
}
base=$(count none "$n")
declare -A per
for c in default_404 en_404 fr_404 default_401 en_401 fr_401 default_422 en_422 fr_422 hello_as_written hello_localizing; do
  per[$c]=$(( ($(count "$c" "$n") - base) / n ))
done
for pair in "default_404 fr_404" "en_404 fr_404" "default_401 fr_401" "en_401 fr_401" "default_422 fr_422" "en_422 fr_422" "hello_as_written hello_localizing"; do
  set -- $pair
  printf '%-17s %7d  %-17s %7d  %.3fx\n' "$1" "${per[$1]}" "$2" "${per[$2]}" \
    "$(echo "${per[$2]} / ${per[$1]}" | bc -l)"
done
