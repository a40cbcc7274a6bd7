#!/usr/bin/env bash
# CPU profile of the ingest bench by stage (docs/ingest.md, "Where an upload's CPU goes"): runs
# services/ingest/bench/ingest.bench.ts under `perf record -g` (JavaScript named through
# --perf-basic-prof) and prints services/ingest/bench/perf-stages.ts's table for the end-to-end
# window. Needs perf (linux-perf) and a build (npx tsc -b tsconfig.build.json).
#   BENCH_N=300 scripts/bench/ingest-profile.sh     (PROFILE_WINDOW=embedded/batch picks another run)
set -euo pipefail
cd "$(dirname "$0")/../.."
command -v perf >/dev/null || { echo "perf is not installed (apt-get install linux-perf)" >&2; exit 1; }
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
HZ=${PROFILE_HZ:-499}
BENCH_INGEST_MODES=${BENCH_INGEST_MODES:-embedded} BENCH_INGEST_PATHS=${BENCH_INGEST_PATHS:-upload} \
  NODE_OPTIONS=--perf-basic-prof perf record -k CLOCK_MONOTONIC -e cpu-clock -F "$HZ" -g -o "$out/perf.data" -- \
  node services/ingest/bench/run-dist.cjs services/ingest/bench/ingest.bench.ts 2> >(tee "$out/stderr" >&2)
label=${PROFILE_WINDOW:-embedded/upload}
window=$(grep -o 'e2e window (CLOCK_MONOTONIC s): .*' "$out/stderr" | grep " $label\$" | tail -1 | sed 's/.*: //')
[ -n "$window" ] || { echo "no window $label in the bench's output" >&2; exit 1; }
read -r start end _ uploads _ client _ <<<"$window"
perf script -i "$out/perf.data" -F pid,tid,time,ip,sym,dso 2>/dev/null |
  node services/ingest/bench/run-dist.cjs services/ingest/bench/perf-stages.ts "$start" "$end" "$uploads" "$HZ" "$client"
# --perf-basic-prof leaves the JIT maps and, per isolate, a V8 log in the working directory.
rm -f /tmp/perf-*.map isolate-0x*-v8.log
