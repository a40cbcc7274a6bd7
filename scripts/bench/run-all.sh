#!/usr/bin/env bash
# `make bench`: runs every benchmark of the repository, the way each one's header says it is run,
# writes its markdown to .bench/<name>.md (raw output in .bench/<name>.log) and prints a summary.
#
#   BENCH_QUICK=1     CI-sized runs (minutes in all); the default is the full run the docs quote
#   BENCH_ONLY=a,b    run only these benchmarks (names as in the summary)
#   BENCH_TIMEOUT_S   per-benchmark limit (default 900 quick, none full; the quick soak gets 3900)
#   BENCH_OUT         output folder (default .bench)
#
# Discovered: libs/*/bench/*.bench.ts and services/*/bench/*.bench.ts, plus EXTRA_BENCHES below (the
# dedup calibration, its geometric verification and sweep scaling, the anomaly AUC). A benchmark that changes a tracked file is reported. Nothing here
# needs a GPU or a network: MODEL_DEVICE is forced to cpu and Qdrant rows appear only where
# QDRANT_URL is already set.
set -uo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
OUT=${BENCH_OUT:-.bench}
case ${BENCH_QUICK:-0} in 0 | '' | false | no) QUICK=0 ;; *) QUICK=1 ;; esac
export BENCH_QUICK=$QUICK MODEL_DEVICE=cpu CUDA_VISIBLE_DEVICES=
TIMEOUT_S=${BENCH_TIMEOUT_S:-$([ "$QUICK" = 1 ] && echo 900 || echo 0)}
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)

# Bench scripts not named *.bench.ts that print measurements. Other bench/*.ts files (the fixture
# writers beside them) regenerate committed test data and must not run here.
EXTRA_BENCHES=(
  services/dedup/bench/calibrate-thresholds.ts
  services/dedup/bench/verify-near-copies.ts
  services/dedup/bench/verify-levers.ts
  services/dedup/bench/sweep-scale.ts
  services/dedup/bench/sweep-verify-scale.ts
  services/dedup/bench/learn-thresholds.ts
  services/anomaly/bench/planted-auc.ts
)

discover() {
  local f
  for f in libs/*/bench/*.bench.ts services/*/bench/*.bench.ts "${EXTRA_BENCHES[@]}"; do
    [ -e "$f" ] && echo "$f"
  done
}

# libs/<lib>/bench/x.bench.ts -> x; services/<svc>/bench/x.ts -> <svc>-x (just <svc> when x is <svc>);
# services/embedded/bench/x.bench.ts -> x (benchmarks of the whole stack, such as the soak).
bench_name() {
  local base svc
  base=$(basename "$1" .ts)
  base=${base%.bench}
  case $1 in
    services/embedded/bench/*) ;;
    services/*)
      svc=$(echo "$1" | cut -d/ -f2)
      [ "$base" = "$svc" ] || base="$svc-$base"
      ;;
  esac
  echo "$base"
}

# Quick-mode arguments and environment per benchmark; the full run uses each one's own defaults
# (the figures the docs quote). BENCH_<NAME>_ARGS overrides the arguments in either mode.
quick_args() {
  case $1 in
    imaging) echo "--rounds 1 --dir $QUICK_IMAGES" ;;
    recall) echo "--n 2000 --queries 10 --datasets clustered --types ivf_hnsw_sq" ;;
    dedup-sweep-scale) echo "1000 10000" ;;
    dedup-sweep-verify-scale) echo "1000" ;;
    search-embedding-map) echo "5000" ;;
    durable-stream) echo "--n 2000 --window 500" ;;
    *) echo "" ;;
  esac
}
full_args() {
  case $1 in
    imaging | recall) echo "--json $OUT/$1.json" ;;
    dedup-sweep-scale) echo "1000 10000 100000" ;;
    dedup-sweep-verify-scale) echo "1000 10000" ;;
    *) echo "" ;;
  esac
}
quick_env() {
  case $1 in
    embedding) echo "BENCH_IMAGES=8 BENCH_TEXTS=16 BENCH_ROUNDS=1 BENCH_DEPTH=2" ;;
    # 2,000 uploads per mode, capped at 1,600 s of streaming per mode (the table says where it stopped).
    soak) echo "BENCH_SOAK_N=2000 BENCH_SOAK_WINDOW=500 BENCH_SOAK_MAX_S=1600" ;;
    dedup-verify-levers) echo "LEVERS=0,8" ;;
    dedup-video-dedup) echo "BENCH_VIDEO_COSINES=0.85" ;;
    *) echo "" ;;
  esac
}
# Per-benchmark limit in quick mode where 900 s cannot hold it. The soak streams 2,000 uploads through
# each run mode: about 25 minutes per mode at the 1.3 images/s the ingest benchmark measures, so
# 2 x 1,600 s of streaming, the stack starts, the restart and the listing check.
quick_timeout() {
  case $1 in
    soak) echo 3900 ;;
    *) echo "$TIMEOUT_S" ;;
  esac
}
# Benchmarks that print table rows without the header row.
table_header() {
  case $1 in
    anomaly-planted-auc)
      printf '%s\n%s\n' '| set | k | dnn | density | ood | quality | combined | max |' \
        '| --- | --- | --- | --- | --- | --- | --- | --- |'
      ;;
  esac
}

# How a file is run: the `node <runner>.cjs <file>` its header names, else its bench tsconfig, else
# `npx tsx` where the header says so, else the swc runner of the dedup benches.
runner_for() {
  local file=$1 dir named
  dir=$(dirname "$file")
  named=$(head -30 "$file" | grep -o "node [^ ]*\.cjs $file" | head -1 | cut -d' ' -f1-2)
  if [ -n "$named" ]; then
    echo "$named"
  elif [ -f "$dir/tsconfig.json" ]; then
    echo tsc
  elif head -30 "$file" | grep -q 'npx tsx'; then
    echo "npx tsx"
  else
    echo "node services/dedup/bench/run-ts.cjs"
  fi
}

compiled_js() {
  local file=$1 pkg base
  pkg=$(dirname "$(dirname "$file")")
  base=$(basename "$file" .ts)
  find "$pkg/dist" -path "*/bench/$base.js" 2>/dev/null | head -1
}

machine() {
  local mem
  mem=$(awk '/MemTotal/ {printf "%.0f GB", $2 / 1048576}' /proc/meminfo 2>/dev/null)
  echo "$(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo 2>/dev/null | cut -d: -f2 | sed 's/^ *//')), $mem, node $(node -v)"
}

QUICK_IMAGES=
cleanup() { [ -n "$QUICK_IMAGES" ] && rm -rf "$QUICK_IMAGES"; }
trap cleanup EXIT
if [ "$QUICK" = 1 ]; then
  # The quick imaging run takes the first 24 files of the shared set instead of all 181.
  QUICK_IMAGES=$(mktemp -d)
  src=${BENCH_IMAGES_DIR:-$ROOT/../shared/datasets/dev-nearcopies/images}
  if [ -d "$src" ]; then
    ls "$src" | grep -Ei '\.(jpe?g|png|webp)$' | head -24 | while read -r f; do ln -s "$src/$f" "$QUICK_IMAGES/$f"; done
  fi
fi

mapfile -t FILES < <(discover)
if [ -n "${BENCH_ONLY:-}" ]; then
  keep=()
  for f in "${FILES[@]}"; do
    case ",$BENCH_ONLY," in *",$(bench_name "$f"),"*) keep+=("$f") ;; esac
  done
  FILES=("${keep[@]}")
fi
if [ ${#FILES[@]} -eq 0 ]; then
  echo "no benchmark found${BENCH_ONLY:+ matching BENCH_ONLY=$BENCH_ONLY}" >&2
  exit 1
fi

MODE=$([ "$QUICK" = 1 ] && echo quick || echo full)
echo "make bench ($MODE): ${#FILES[@]} benchmarks on $(machine); output in $OUT"
compiled_libs=0
declare -a SUMMARY=()
failed=0
for file in "${FILES[@]}"; do
  name=$(bench_name "$file")
  runner=$(runner_for "$file")
  var="BENCH_$(echo "$name" | tr 'a-z-' 'A-Z_')_ARGS"
  if [ -n "${!var:-}" ]; then args=${!var}; elif [ "$QUICK" = 1 ]; then args=$(quick_args "$name"); else args=$(full_args "$name"); fi
  envs=$([ "$QUICK" = 1 ] && quick_env "$name")
  log=$OUT/$name.log
  md=$OUT/$name.md
  echo
  echo "== $name ($file)"
  if [ "$runner" = tsc ]; then
    # Bench tsconfigs compile the lib's sources beside the bench; the libs they import must be built.
    if [ "$compiled_libs" = 0 ]; then npx tsc -b libs/contracts >/dev/null && compiled_libs=1; fi
    if ! npx tsc -p "$(dirname "$file")" >"$log" 2>&1; then
      echo "   compile failed, see $log"
      SUMMARY+=("| $name | compile failed | - | \`npx tsc -p $(dirname "$file")\` |")
      failed=1
      continue
    fi
    cmd="node $(compiled_js "$file")${args:+ $args}"
    shown="npx tsc -p $(dirname "$file") && $cmd"
  else
    cmd="$runner $file${args:+ $args}"
    shown=$cmd
  fi
  [ -n "$envs" ] && shown="$envs $shown"
  [ -n "$QUICK_IMAGES" ] && shown=${shown//$QUICK_IMAGES/<24 files of dev-nearcopies>}
  echo "   $shown"
  tracked_before=$(git status --porcelain --untracked-files=no 2>/dev/null)
  marker=$(mktemp)
  load_before=$(cut -d' ' -f1-3 /proc/loadavg)
  started=$(date +%s)
  timeout_s=$TIMEOUT_S
  [ "$QUICK" = 1 ] && [ -z "${BENCH_TIMEOUT_S:-}" ] && timeout_s=$(quick_timeout "$name")
  if [ "$timeout_s" != 0 ]; then limit="timeout --signal=TERM --kill-after=10 $timeout_s"; else limit=; fi
  # shellcheck disable=SC2086
  env $envs $limit $cmd >"$log" 2>"$OUT/$name.stderr.log"
  rc=$?
  seconds=$(($(date +%s) - started))
  tracked_after=$(git status --porcelain --untracked-files=no 2>/dev/null)
  if [ "$tracked_before" != "$tracked_after" ]; then
    echo "   WARNING: tracked files changed while $name ran (another writer in a shared checkout, or the benchmark):"
    diff <(echo "$tracked_before") <(echo "$tracked_after") | grep '^[<>]' | sed 's/^</     was:/; s/^>/     now:/'
  fi
  load_after=$(cut -d' ' -f1-3 /proc/loadavg)
  {
    echo "# $name"
    echo
    echo "- command: \`$shown\` (mode: $MODE)"
    echo "- machine: $(machine); load average $load_before at the start, $load_after at the end"
    echo "- ran $(date -u +%Y-%m-%dT%H:%MZ), $seconds s, exit status $rc"
    echo
    table_header "$name"
    # A benchmark that writes its own .bench/<name>.md keeps that text; the others' stdout is the body.
    if [ -f "$md" ] && [ "$md" -nt "$marker" ]; then cat "$md"; else cat "$log"; fi
  } >"$md.tmp"
  mv "$md.tmp" "$md"
  rm -f "$marker"
  if [ "$rc" = 0 ]; then
    status=ok
    echo "   ok in $seconds s -> $md"
  else
    status="failed ($([ "$rc" = 124 ] && echo "timed out after $timeout_s s" || echo "exit $rc"))"
    failed=1
    echo "   $status in $seconds s; last lines of $OUT/$name.stderr.log:"
    tail -5 "$OUT/$name.stderr.log" | sed 's/^/     /'
  fi
  SUMMARY+=("| $name | $status | $seconds | \`$shown\` |")
done

{
  echo "# make bench ($MODE), $(date -u +%Y-%m-%dT%H:%MZ)"
  echo
  echo "$(machine)"
  echo
  echo "| benchmark | status | seconds | command |"
  echo "| --- | --- | ---: | --- |"
  printf '%s\n' "${SUMMARY[@]}"
} >"$OUT/SUMMARY.md"
echo
cat "$OUT/SUMMARY.md"
echo
echo "Tables: $OUT/<benchmark>.md; docs/BENCHMARKS.md explains and collects the figures."
exit $failed
