#!/usr/bin/env bash
# tests/store/follow.sh - the store follower (st_follow) against the
# suite's PostgreSQL: build/tests/store/follow_test drives zone changes,
# an outage and restarts; then the Lua binding is checked against the same
# database by tests/store/follow.lua.
#
# Run by tests/store/run (SMARTOFFICE_DB, PG_DIR, SO, TOP set). Uses its
# own database so other scripts' zones and records do not mix in.
set -uo pipefail

prog="$TOP/build/tests/store/follow_test"
[ -x "$prog" ] || {
    echo "follow: $prog is missing (run make tests)" >&2
    exit 1
}
work=$(mktemp -d /tmp/smartoffice-follow.XXXXXX) || exit 1
base_db=$SMARTOFFICE_DB
cleanup() {
    # the test stops PostgreSQL on purpose; leave it running for the rest
    "$TOP/scripts/pg-stack" start "$PG_DIR" >/dev/null 2>&1
    psql "$base_db" -X -q -c "DROP DATABASE IF EXISTS smartoffice_follow" \
        >/dev/null 2>&1
    rm -rf "$work"
}
trap cleanup EXIT

psql "$base_db" -X -q -v ON_ERROR_STOP=1 \
    -c "SET client_min_messages TO warning" \
    -c "DROP DATABASE IF EXISTS smartoffice_follow" \
    -c "CREATE DATABASE smartoffice_follow" || exit 1
SMARTOFFICE_DB=$(sed 's/dbname=[^ ]*/dbname=smartoffice_follow/' <<<"$base_db")
export SMARTOFFICE_DB USER=follow_test
"$SO" db init >/dev/null || exit 1

fail=0
"$prog" "$work" || fail=1
if [ -f "$TOP/tests/store/follow.lua" ]; then
    LUA_CPATH="$TOP/build/prosody/?.so;;" lua5.4 \
        "$TOP/tests/store/follow.lua" "$work" || fail=1
fi
exit "$fail"
