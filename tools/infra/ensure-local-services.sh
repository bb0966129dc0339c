#!/usr/bin/env bash
# Makes sure the machine's own Postgres 15 and Redis 7 answer on loopback (CI and dev machines without
# Docker). Starts them with the machine's standard commands when they are installed but stopped; does
# nothing when DATABASE_URL / REDIS_URL point elsewhere.
set -euo pipefail

if [ -z "${DATABASE_URL:-}" ]; then
  if ! pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then
    if command -v pg_ctlcluster >/dev/null; then
      echo "Postgres is not answering; starting the local cluster"
      pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | sort -V | tail -1)" main start
    fi
    for _ in $(seq 1 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done
  fi
  pg_isready -h 127.0.0.1 -p 5432 || { echo "Postgres 15 is required on 127.0.0.1:5432 (or set DATABASE_URL)"; exit 1; }
fi

if [ -z "${REDIS_URL:-}" ]; then
  if ! redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then
    if command -v redis-server >/dev/null; then
      echo "Redis is not answering; starting it"
      redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no
    fi
    for _ in $(seq 1 30); do redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1 && break; sleep 1; done
  fi
  redis-cli -h 127.0.0.1 -p 6379 ping || { echo "Redis 7 is required on 127.0.0.1:6379 (or set REDIS_URL)"; exit 1; }
fi
