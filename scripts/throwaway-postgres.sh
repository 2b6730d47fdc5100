#!/usr/bin/env bash
# A throwaway PostgreSQL server for the tests and benchmarks, on loopback only.
#   scripts/throwaway-postgres.sh start DIR PORT   -> prints the DATABASE_URL
#   scripts/throwaway-postgres.sh stop DIR
# As root, initdb refuses to run, so the cluster belongs to the postgres user.
# PG_FAST=1 turns off fsync: only for throwaway test data, never for benchmarks of durability.
set -euo pipefail
action=$1; dir=$2; port=${3:-55432}
bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
[ -n "$bin" ] || { echo "PostgreSQL server binaries not found (apt-get install postgresql)" >&2; exit 3; }
as_pg() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

case "$action" in
  start)
    mkdir -p "$dir"
    [ "$(id -u)" -eq 0 ] && chown postgres "$dir"
    if [ ! -f "$dir/PG_VERSION" ]; then
      as_pg "$bin/initdb" -D "$dir" -U app --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
    fi
    as_pg "$bin/pg_ctl" -D "$dir" -l "$dir/server.log" -w \
      -o "-c listen_addresses=127.0.0.1 -p $port -k $dir ${PG_FAST:+-c fsync=off -c synchronous_commit=off -c full_page_writes=off}" \
      start >/dev/null
    echo "postgresql+psycopg://app@127.0.0.1:$port/postgres"
    ;;
  stop)
    as_pg "$bin/pg_ctl" -D "$dir" -m fast stop >/dev/null || true
    ;;
  *) echo "usage: $0 start DIR [PORT] | stop DIR" >&2; exit 2 ;;
esac
