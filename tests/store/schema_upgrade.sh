#!/usr/bin/env bash
# schema_upgrade.sh - `smartoffice db upgrade` from version 1 gives the same
# schema as `smartoffice db init` (see tests/store/run for SO, PG_DIR, TOP
# and SMARTOFFICE_DB). Both databases are this script's own.
set -uo pipefail
. "$TOP/tests/store/lib.sh"

# The schema alone, without the comments between objects and the random
# \restrict key newer pg_dump versions write.
dump() {
    pg_dump --schema-only --no-owner --no-privileges -n smartoffice \
        "$(conn_to "$1")" |
        grep -v -E -e '^--' -e '^$' -e '^\\(un)?restrict '
}

up=so_upgraded
fresh=so_fresh
for d in "$up" "$fresh"; do
    psql_ -c "CREATE DATABASE $d ENCODING 'UTF8' TEMPLATE template0" ||
        fail "create database $d" "created" "failed"
done

psql "$(conn_to "$up")" -X -q -v ON_ERROR_STOP=1 \
    -f "$TOP/schemas/install-1.sql" ||
    fail "install-1.sql" "applied" "failed"
check "status at 1" 0 "schema version 1; upgrade to version 2 due" \
    "$SO" db status --db "$(conn_to "$up")"
check "upgrade 1 to 2" 0 "upgraded schema version 1 to 2" \
    "$SO" db upgrade --db "$(conn_to "$up")"
check "status after upgrade" 0 "schema version 2 (the newest)" \
    "$SO" db status --db "$(conn_to "$up")"
check "upgrade again" 0 "schema version 2 is the newest; nothing to do" \
    "$SO" db upgrade --db "$(conn_to "$up")"
check "init fresh" 0 "installed schema version 2" \
    "$SO" db init --db "$(conn_to "$fresh")"
check "upgrade uninitialised" 1 "is not initialised" \
    "$SO" db upgrade --db "$(conn_to postgres)"

a=$(mktemp)
b=$(mktemp)
dump "$up" >"$a"
dump "$fresh" >"$b"
if [ ! -s "$a" ]; then
    fail "pg_dump of the upgraded database" "a schema" "nothing"
elif ! diff -u "$a" "$b" >/dev/null; then
    fail "upgraded schema equals fresh schema" "no differences" \
        "$(diff -u --label upgraded --label fresh "$a" "$b" | head -40)"
fi
same_rows=$(psql "$(conn_to "$up")" -XAtq -c \
    "SELECT string_agg(version::text, ',' ORDER BY version)
       FROM smartoffice.schema_version")
[ "$same_rows" = "1,2" ] ||
    fail "versions recorded by the upgrade" "1,2" "$same_rows"

# A broken step is reported with its file and line; the database stays
# at the version before it.
psql_ -c "CREATE DATABASE so_broken ENCODING 'UTF8' TEMPLATE template0" ||
    fail "create database so_broken" "created" "failed"
psql "$(conn_to so_broken)" -X -q -v ON_ERROR_STOP=1 \
    -f "$TOP/schemas/install-1.sql" ||
    fail "install-1.sql" "applied" "failed"
schemas=$(mktemp -d)
printf 'BEGIN;\nCREATE TABLE smartoffice.x (;\nCOMMIT;\n' \
    >"$schemas/upgrade-1-2.sql"
check "broken step names file:line" 4 "$schemas/upgrade-1-2.sql:2:" \
    env SMARTOFFICE_SCHEMAS="$schemas" "$SO" db upgrade \
    --db "$(conn_to so_broken)"
check "broken step leaves version 1" 0 "schema version 1;" \
    "$SO" db status --db "$(conn_to so_broken)"
rm -rf "$schemas" "$a" "$b"

for d in "$up" "$fresh" so_broken; do
    psql_ -c "DROP DATABASE $d" || fail "drop database $d" "dropped" "failed"
done
[ "$fails" -eq 0 ]
