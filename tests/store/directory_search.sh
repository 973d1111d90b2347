#!/usr/bin/env bash
# tests/store/directory_search.sh - directory search (st_directory) against
# the suite's PostgreSQL: build/tests/store/directory_search_test loads a
# small fixed directory into a database of its own and runs its table of
# queries, cursors and entries; it stops and starts PostgreSQL once.
#
# Run by tests/store/run (SMARTOFFICE_DB, PG_DIR, SO, TOP set).
set -uo pipefail

prog="$TOP/build/tests/store/directory_search_test"
[ -x "$prog" ] || {
    echo "directory_search: $prog is missing (run make tests)" >&2
    exit 1
}
base_db=$SMARTOFFICE_DB
cleanup() {
    # the test stops PostgreSQL on purpose; leave it running for the rest
    "$TOP/scripts/pg-stack" start "$PG_DIR" >/dev/null 2>&1
    psql "$base_db" -X -q -c "DROP DATABASE IF EXISTS smartoffice_dirsearch" \
        >/dev/null 2>&1
}
trap cleanup EXIT

psql "$base_db" -X -q -v ON_ERROR_STOP=1 \
    -c "SET client_min_messages TO warning" \
    -c "DROP DATABASE IF EXISTS smartoffice_dirsearch" \
    -c "CREATE DATABASE smartoffice_dirsearch" || exit 1
SMARTOFFICE_DB=$(sed 's/dbname=[^ ]*/dbname=smartoffice_dirsearch/' \
    <<<"$base_db")
export SMARTOFFICE_DB
"$SO" db init >/dev/null || exit 1
"$prog"
