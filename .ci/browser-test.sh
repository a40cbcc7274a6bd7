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
API_PORT=$port LOOKALIKE_DATA_DIR=$data SEED_DEMO=false LOG_LEVEL=warn node services/embedded/dist/main.js >"$log" 2>&1 &
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
