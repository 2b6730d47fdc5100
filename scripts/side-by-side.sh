#!/usr/bin/env bash
# side-by-side.sh NAME COMMAND [NAME COMMAND ...]: run test passes at the same time and fail if
# any fails. `make test` runs the browser tests (one at a time: mostly waiting on Chromium and
# its timers) beside the SQLite and PostgreSQL passes, so the two cores stay busy. Each pass's
# output is printed whole when all have ended, so the two never interleave.
set -uo pipefail
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
names=()
while [ $# -ge 2 ]; do
    name=$1 command=$2
    shift 2
    names+=("$name")
    ( bash -c "$command" >"$dir/$name.log" 2>&1; echo $? >"$dir/$name.rc" ) &
done
wait
status=0
for name in "${names[@]}"; do
    echo "=== $name"
    cat "$dir/$name.log"
    rc=$(cat "$dir/$name.rc")
    if [ "$rc" != 0 ]; then
        echo "=== $name FAILED (exit $rc)"
        status=1
    fi
done
exit $status
