#!/usr/bin/env bash
# Starts the local NATS (JetStream) and PostgreSQL when they do not answer. Integration and
# end-to-end tests read their URLs from NATS_URL and DATABASE_URL (defaults: the local ones).
set -euo pipefail

answers() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

if ! answers 4222; then
  echo "NATS is not answering on 4222: starting it"
  if command -v nats-server >/dev/null 2>&1 || [ -x /usr/sbin/nats-server ]; then
    mkdir -p /var/lib/nats-server
    start-stop-daemon --start --oknodo --background --exec /usr/sbin/nats-server -- \
      -a 127.0.0.1 -p 4222 -js -sd /var/lib/nats-server -l /var/log/nats-server.log
  else
    echo "nats-server is not installed (apt-get install nats-server)" >&2
    exit 1
  fi
fi

if ! answers 5432; then
  echo "PostgreSQL is not answering on 5432: starting it"
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql)" main start
fi

for _ in $(seq 1 50); do
  if answers 4222 && answers 5432; then
    exit 0
  fi
  sleep 0.2
done
echo "NATS or PostgreSQL did not come up" >&2
exit 1
