#!/usr/bin/env bash
# The console's browser test against a real embedded stack (what `make demo` runs), headless
# Debian Chromium through playwright-core. Screenshots land in test-results/console/.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v chromium >/dev/null 2>&1; then
  echo "chromium is not installed (apt-get install chromium); the browser test cannot run" >&2
  exit 1
fi
port=${E2E_PORT:-18090}
data=$(mktemp -d /tmp/lookalike-browser-XXXXXX)
log=test-results/console/stack.log
mkdir -p test-results/console
# The first-run test signs in as the suggested user `demo`, whose library the seed fills, and loads
# the samples into a fresh user's library: 16 of the bundled samples keep that quick.
samples="$data/samples"
mkdir -p "$samples"
cp deploy/seed/images/{astronaut,coffee,chelsea,rocket}*.jpg "$samples"/
API_PORT=$port LOOKALIKE_DATA_DIR=$data SEED_DEMO=true SAMPLES_DIR=$samples LOG_LEVEL=warn \
  node services/embedded/dist/main.js >"$log" 2>&1 &
stack=$!
trap 'kill $stack 2>/dev/null; wait $stack 2>/dev/null; rm -rf "$data"' EXIT
for _ in $(seq 1 300); do
  curl -fsS "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 && break
  kill -0 $stack 2>/dev/null || { echo "the stack exited; see $log" >&2; exit 1; }
  sleep 0.5
done
set +e
E2E_BASE_URL=http://127.0.0.1:$port npm -w web run e2e
status=$?
trap - EXIT
kill $stack 2>/dev/null
wait $stack 2>/dev/null
rm -rf "$data"
exit $status
