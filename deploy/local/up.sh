#!/usr/bin/env bash
# `make up`: the distributed mode on one machine. Every service is its own process over NATS;
# PostgreSQL is the local server unless DATABASE_URL says otherwise; Qdrant and MinIO are used
# when QDRANT_URL / S3_ENDPOINT are set in .env, else LanceDB and local files (shared data dir).
set -euo pipefail
cd "$(dirname "$0")/../.."
RUN_DIR=.tmp/run
mkdir -p "$RUN_DIR"
if [ -f .env ]; then set -a; . ./.env; set +a; fi

export TRANSPORT=nats
export NATS_URL=${NATS_URL:-nats://127.0.0.1:4222}
export LOOKALIKE_DATA_DIR=${LOOKALIKE_DATA_DIR:-$PWD/data-distributed}
export API_PORT=${API_PORT:-8080}
export AUTH_DEV_LOGIN=${AUTH_DEV_LOGIN:-true}
if [ -z "${DATABASE_URL:-}" ]; then
  psql -h 127.0.0.1 -U postgres -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname='lookalike'" | grep -q 1 \
    || psql -h 127.0.0.1 -U postgres -d postgres -qc 'CREATE DATABASE lookalike'
  export DATABASE_URL=postgres://postgres@127.0.0.1:5432/lookalike
fi

bash deploy/local/down.sh >/dev/null 2>&1 || true
port=9101
for service in "$@"; do
  HEALTH_PORT=$port nohup node "services/$service/dist/main.js" >"$RUN_DIR/$service.log" 2>&1 &
  echo $! >"$RUN_DIR/$service.pid"
  echo "started $service (pid $!, probes on :$port, log $RUN_DIR/$service.log)"
  port=$((port + 1))
done

for _ in $(seq 1 150); do
  if curl -fsS "http://127.0.0.1:$API_PORT/readyz" >/dev/null 2>&1; then
    cat <<MSG

Lookalike is running (distributed mode: one process per service over NATS).
  Console   http://127.0.0.1:$API_PORT/
  API       http://127.0.0.1:$API_PORT/api   docs: http://127.0.0.1:$API_PORT/docs
  Logs      $RUN_DIR/<service>.log
Stop with: make down
MSG
    exit 0
  fi
  sleep 0.2
done
echo "the gateway did not become ready; see $RUN_DIR/*.log" >&2
exit 1
