#!/usr/bin/env bash
# CPU profile of the ingest bench by stage (docs/ingest.md, "Where an upload's CPU goes"): runs
# services/ingest/bench/ingest.bench.ts under `perf record -g` and prints
# services/ingest/bench/perf-stages.ts's table for the end-to-end window. JavaScript is named through
# V8's jitdump (--perf-prof, then `perf inject --jit`), which dates every code object: with the
# --perf-basic-prof map used before, code freed after start-up (the model conversion) kept its name
# when new code (the quality metrics) took its place, and about 10 ms per upload went to the wrong
# stage. Needs perf (linux-perf) and a build (npx tsc -b tsconfig.build.json).
#   BENCH_N=300 scripts/bench/ingest-profile.sh     (PROFILE_WINDOW=embedded/batch picks another run;
#   PROFILE_THREAD=main counts the main threads alone; PROFILE_DETAIL=<stage> lists where that
#   stage's samples come from)
set -euo pipefail
cd "$(dirname "$0")/../.."
command -v perf >/dev/null || { echo "perf is not installed (apt-get install linux-perf)" >&2; exit 1; }
out=$(mktemp -d)
# V8 writes jit-<pid>.dump into the working directory and `perf inject` an ELF file per code object
# beside it (jitted-<pid>-<n>.so, tens of thousands) and into perf's build-id cache.
cleanup() {
  rm -rf "$out"
  find . -maxdepth 1 \( -name 'jit-*.dump' -o -name 'jitted-*.so' \) -delete
  rm -rf "${HOME}/.debug/.build-id" "${HOME}/.debug$(pwd)"
}
trap cleanup EXIT
HZ=${PROFILE_HZ:-499}
BENCH_INGEST_MODES=${BENCH_INGEST_MODES:-embedded} BENCH_INGEST_PATHS=${BENCH_INGEST_PATHS:-upload} \
  NODE_OPTIONS=--perf-prof perf record -k CLOCK_MONOTONIC -e cpu-clock -F "$HZ" -g -o "$out/perf.data" -- \
  node services/ingest/bench/run-dist.cjs services/ingest/bench/ingest.bench.ts 2> >(tee "$out/stderr" >&2)
label=${PROFILE_WINDOW:-embedded/upload}
window=$(grep -o 'e2e window (CLOCK_MONOTONIC s): .*' "$out/stderr" | grep " $label\$" | tail -1 | sed 's/.*: //')
[ -n "$window" ] || { echo "no window $label in the bench's output" >&2; exit 1; }
read -r start end _ uploads _ client _ <<<"$window"
perf inject --jit -i "$out/perf.data" -o "$out/perf.jit.data"
# PROFILE_KEEP=<file> keeps the named samples, to read them again (PROFILE_DETAIL=<stage> with
# perf-stages.ts) without another run.
perf script -i "$out/perf.jit.data" -F pid,tid,time,ip,sym,dso 2>/dev/null | tee "${PROFILE_KEEP:-/dev/null}" |
  node services/ingest/bench/run-dist.cjs services/ingest/bench/perf-stages.ts "$start" "$end" "$uploads" "$HZ" "$client"
rm -f isolate-0x*-v8.log
