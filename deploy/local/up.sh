#!/usr/bin/env bash
# `make up`: the distributed mode on one machine. Every service is its own process over NATS;
# PostgreSQL is the local server unless DATABASE_URL says otherwise; Qdrant and MinIO are used
# when QDRANT_URL / S3_ENDPOINT are set in .env, else LanceDB and local files (shared data dir).
#
#   deploy/local/up.sh embedding ingest search dedup anomaly feedback gateway
#
# Service n gets its probes (/healthz, /readyz, /metrics) on port 9100+n; the gateway answers on
# API_PORT. The script returns once every service answers /readyz (UP_TIMEOUT_S, default 180), and
# stops everything it started if one of them exits or never gets ready.
set -euo pipefail
cd "$(dirname "$0")/../.."
RUN_DIR=.tmp/run
mkdir -p "$RUN_DIR"
if [ -f .env ]; then set -a; . ./.env; set +a; fi
[ $# -gt 0 ] || set -- embedding ingest search dedup anomaly feedback gateway

export TRANSPORT=nats
export NATS_URL=${NATS_URL:-nats://127.0.0.1:4222}
export LOOKALIKE_DATA_DIR=${LOOKALIKE_DATA_DIR:-$PWD/data-distributed}
export API_PORT=${API_PORT:-8080}
export AUTH_DEV_LOGIN=${AUTH_DEV_LOGIN:-true}
# Signed URLs of the local object store are served by the gateway.
export PUBLIC_BASE_URL=${PUBLIC_BASE_URL:-http://127.0.0.1:$API_PORT}
if [ -n "${QDRANT_URL:-}" ]; then export VECTOR_STORE=${VECTOR_STORE:-qdrant}; fi
if [ -n "${S3_ENDPOINT:-}" ]; then export OBJECT_STORE=${OBJECT_STORE:-s3}; fi
TIMEOUT_S=${UP_TIMEOUT_S:-180}

fail() {
  echo "make up: $*" >&2
  exit 1
}

for service in "$@"; do
  [ -f "services/$service/dist/main.js" ] || fail "services/$service/dist/main.js is missing: run \`make build\` first"
done
bash deploy/local/down.sh >/dev/null 2>&1 || true
if (exec 3<>"/dev/tcp/127.0.0.1/$API_PORT") 2>/dev/null; then
  fail "port $API_PORT is already in use (a \`make demo\` still running?); stop it or set API_PORT"
fi

if [ -z "${DATABASE_URL:-}" ]; then
  psql -h 127.0.0.1 -U postgres -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname='lookalike'" | grep -q 1 \
    || psql -h 127.0.0.1 -U postgres -d postgres -qc 'CREATE DATABASE lookalike' \
    || fail 'cannot reach PostgreSQL on 127.0.0.1:5432 (run `make services`, or set DATABASE_URL)'
  export DATABASE_URL=postgres://postgres@127.0.0.1:5432/lookalike
fi
mkdir -p "$LOOKALIKE_DATA_DIR"

declare -A PROBE=()
port=9101
for service in "$@"; do
  HEALTH_PORT=$port nohup node "services/$service/dist/main.js" >"$RUN_DIR/$service.log" 2>&1 &
  echo $! >"$RUN_DIR/$service.pid"
  if [ "$service" = gateway ]; then PROBE[$service]=$API_PORT; else PROBE[$service]=$port; fi
  echo "started $service (pid $!, probes on :${PROBE[$service]}, log $RUN_DIR/$service.log)"
  port=$((port + 1))
done

abort() {
  echo >&2
  echo "make up: $1; last lines of $RUN_DIR/$2.log:" >&2
  tail -15 "$RUN_DIR/$2.log" | sed 's/^/  /' >&2
  bash deploy/local/down.sh >/dev/null 2>&1 || true
  echo "make up: stopped every service again" >&2
  exit 1
}

deadline=$((SECONDS + TIMEOUT_S))
pending=("$@")
while [ ${#pending[@]} -gt 0 ]; do
  still=()
  for service in "${pending[@]}"; do
    kill -0 "$(cat "$RUN_DIR/$service.pid")" 2>/dev/null || abort "$service exited during start" "$service"
    if curl -fsS -o /dev/null --max-time 2 "http://127.0.0.1:${PROBE[$service]}/readyz" 2>/dev/null; then
      echo "ready   $service"
    else
      still+=("$service")
    fi
  done
  pending=("${still[@]+"${still[@]}"}")
  [ ${#pending[@]} -eq 0 ] && break
  [ $SECONDS -lt $deadline ] || abort "${pending[0]} did not answer /readyz within $TIMEOUT_S s" "${pending[0]}"
  sleep 0.5
done

cat <<MSG

Lookalike is running (distributed mode: one process per service over NATS).
  Console   http://127.0.0.1:$API_PORT/
  API       http://127.0.0.1:$API_PORT/api   docs: http://127.0.0.1:$API_PORT/docs
  Data      $LOOKALIKE_DATA_DIR
  Logs      $RUN_DIR/<service>.log
Load the sample images: make seed.  Stop with: make down
MSG
