#!/usr/bin/env bash
# Run a command with a throwaway PostgreSQL server: TEST_POSTGRES_URL points at it.
#   scripts/with-postgres.sh COMMAND...
# Without PostgreSQL's server binaries it says so and skips the command (exit 0), so a
# machine without apt still runs the SQLite pass; .ci/run installs them.
set -euo pipefail
if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  echo "with-postgres: PostgreSQL server not installed; skipping: $*" >&2
  exit 0
fi
dir=$(mktemp -d /tmp/decision-aid-pg.XXXXXX)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
here=$(cd "$(dirname "$0")" && pwd)
cleanup() { "$here/throwaway-postgres.sh" stop "$dir"; rm -rf "$dir"; }
trap cleanup EXIT
TEST_POSTGRES_URL=$(PG_FAST=1 "$here/throwaway-postgres.sh" start "$dir" "$port")
export TEST_POSTGRES_URL
echo "with-postgres: PostgreSQL on port $port"
"$@"
