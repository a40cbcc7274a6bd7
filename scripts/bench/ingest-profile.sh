#!/usr/bin/env bash
# CPU profile of the ingest bench by stage (docs/ingest.md, "Where an upload's CPU goes"): runs
# services/ingest/bench/ingest.bench.ts under `perf record -g` (JavaScript named through
# --perf-basic-prof) and prints services/ingest/bench/perf-stages.ts's table for the end-to-end
# window. Needs perf (linux-perf) and a build (npx tsc -b tsconfig.build.json).
#   BENCH_N=300 scripts/bench/ingest-profile.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
command -v perf >/dev/null || { echo "perf is not installed (apt-get install linux-perf)" >&2; exit 1; }
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
HZ=${PROFILE_HZ:-499}
NODE_OPTIONS=--perf-basic-prof perf record -k CLOCK_MONOTONIC -e cpu-clock -F "$HZ" -g -o "$out/perf.data" -- \
  node services/ingest/bench/run-dist.cjs services/ingest/bench/ingest.bench.ts 2> >(tee "$out/stderr" >&2)
window=$(grep -o 'e2e window (CLOCK_MONOTONIC s): .*' "$out/stderr" | tail -1 | sed 's/.*: //')
read -r start end _ uploads <<<"$window"
perf script -i "$out/perf.data" -F tid,time,ip,sym,dso 2>/dev/null |
  node services/ingest/bench/run-dist.cjs services/ingest/bench/perf-stages.ts "$start" "$end" "$uploads" "$HZ"
rm -f /tmp/perf-*.map
