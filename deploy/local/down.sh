#!/usr/bin/env bash
# `make down`: stops every process `make up` started: SIGTERM to all, then SIGKILL to any still
# running after 10 s. A pid file whose process is gone, or whose pid now belongs to another program,
# is only removed.
set -uo pipefail
cd "$(dirname "$0")/../.."
declare -A running=()
for pidfile in .tmp/run/*.pid; do
  [ -e "$pidfile" ] || continue
  service=$(basename "$pidfile" .pid)
  pid=$(cat "$pidfile")
  if [ -n "$pid" ] && tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q "services/$service/dist/main.js"; then
    kill "$pid" 2>/dev/null && running[$service]=$pid
  fi
  rm -f "$pidfile"
done
if [ ${#running[@]} -eq 0 ]; then
  echo "nothing to stop"
  exit 0
fi
for _ in $(seq 1 100); do
  alive=0
  for pid in "${running[@]}"; do kill -0 "$pid" 2>/dev/null && alive=1; done
  [ "$alive" = 0 ] && break
  sleep 0.1
done
for service in "${!running[@]}"; do
  pid=${running[$service]}
  if kill -0 "$pid" 2>/dev/null; then
    kill -9 "$pid" 2>/dev/null
    echo "killed $service (pid $pid, still running 10 s after SIGTERM)"
  else
    echo "stopped $service"
  fi
done
