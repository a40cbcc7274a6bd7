#!/usr/bin/env bash
# Compares the ingest bench of an older commit with the working tree by running both stacks at
# the same moment, so that both meet the same machine (docs/ingest.md, "Late round"): runs one
# after the other moved by up to 25% between minutes on a shared 2-core machine, more than most
# changes. The old code is built in a copy of this checkout (node_modules included: its workspace
# links are relative), which is removed afterwards. Needs a build of the working tree.
#   scripts/bench/ingest-ab.sh <old commit>          (ROUNDS=4, BENCH_N=300; BENCH=soak for the soak)
# Prints each round's table row of both; compare server CPU ms/image (each stack has about one
# core, so the rates are about half of a run alone).
set -euo pipefail
cd "$(dirname "$0")/../.."
old=${1:?usage: scripts/bench/ingest-ab.sh <old commit>}
here=$(pwd)
# A sibling of the checkout, so that the benches find ../shared as they do from here.
copy=$(mktemp -d "$(dirname "$here")/.ingest-ab-XXXXXX")
trap 'rm -rf "$copy" "$copy".*' EXIT
cp -a "$here/." "$copy/"
# The old commit whole: files added since are removed (untracked ones under libs/ and services/ too).
# It runs on this checkout's node_modules: an old commit that needs a package since removed (such as
# @electric-sql/pglite-socket before 1716a4e) needs it installed here first (npm install --no-save).
if ! git diff --quiet "$old" -- package-lock.json; then
  echo "note: package-lock.json differs from $old; the old build uses this checkout's node_modules" >&2
fi
(cd "$copy" && git checkout -q -f --detach "$old" && git clean -fdq libs services && npx tsc -b tsconfig.build.json)
images=${BENCH_IMAGES_DIR:-$here/.bench/ingest-images}
soak_images=${BENCH_SOAK_IMAGES_DIR:-$here/.bench/soak-images}
log=$copy.err
run() {
  if [ "${BENCH:-ingest}" = soak ]; then
    BENCH_SOAK_N=${BENCH_SOAK_N:-1500} BENCH_SOAK_WINDOW=${BENCH_SOAK_WINDOW:-500} BENCH_SOAK_MODES=embedded \
      BENCH_SOAK_KILL=0 BENCH_SOAK_IMAGES_DIR="$soak_images" \
      node services/ingest/bench/run-dist.cjs services/embedded/bench/soak.bench.ts 2>>"$log" |
      grep -E '^\| [0-9]+-[0-9]+ \|'
  else
    BENCH_N=${BENCH_N:-300} BENCH_INGEST_MODES=embedded BENCH_INGEST_PATHS=upload BENCH_IMAGES_DIR="$images" \
      node services/ingest/bench/run-dist.cjs services/ingest/bench/ingest.bench.ts 2>>"$log" |
      grep -E '^\| embedded'
  fi
}
# A bench generates its files where they are missing: with none there yet, one uncounted run of the
# working tree makes them, so that the two stacks never write the same files at once.
if [ "${BENCH:-ingest}" = soak ]; then dir=$soak_images; else dir=$images; fi
[ -d "$dir" ] || run >/dev/null
for round in $(seq 1 "${ROUNDS:-4}"); do
  (cd "$copy" && run >"$copy.old.out" || true) &
  (run >"$copy.new.out" || true) &
  wait
  [ -s "$copy.old.out" ] && [ -s "$copy.new.out" ] || { echo "a run gave no table row; its errors:" >&2; tail -20 "$log" >&2; exit 1; }
  sed "s/^/$round old $old /" "$copy.old.out"
  sed "s/^/$round new working tree /" "$copy.new.out"
done
rm -f "$copy.old.out" "$copy.new.out" "$log"
