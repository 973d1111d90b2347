#!/usr/bin/env bash
# zones.sh - smartoffice db and zone against the suite's PostgreSQL
# (see tests/store/run for SO, PG_DIR, TOP and SMARTOFFICE_DB).
set -uo pipefail
. "$TOP/tests/store/lib.sh"
export USER=tester
unset SUDO_USER

# same NAME WANT GOT
same() {
    [ "$2" = "$3" ] || fail "$1" "$2" "$3"
}

check "status" 0 "schema version 2" "$SO" db status
check "init twice" 1 "already has the smartoffice schema" "$SO" db init
same "empty list" "" "$("$SO" zone list)"

# add, and the same name in other spellings is the same row
check "add wildcard" 0 "added *.gov.pk" \
    "$SO" zone add '*.GOV.PK.' --reason 'provinces' --by alice
check "add again" 1 "zone *.gov.pk already exists" \
    "$SO" zone add '*.gov.pk' --reason 'again' --by bob
check "add unicode" 0 "added xn--bcher-kva.example" \
    "$SO" zone add 'Bücher.Example.' --reason 'books' --by alice
check "punycode is the same" 1 "already exists" \
    "$SO" zone add 'xn--bcher-kva.example' --reason 'books' --by alice
check "upper punycode is the same" 1 "already exists" \
    "$SO" zone add 'XN--BCHER-KVA.EXAMPLE' --reason 'books' --by alice
check "add urdu" 0 "added xn--mgbai9azgqp6j.example" \
    "$SO" zone add 'پاکستان.example' --reason 'urdu' --by alice
check "remove urdu by punycode" 0 "removed xn--mgbai9azgqp6j.example" \
    "$SO" zone remove 'XN--MGBAI9AZGQP6J.EXAMPLE.'
check "remove again" 1 "zone xn--mgbai9azgqp6j.example does not exist" \
    "$SO" zone remove 'پاکستان.example'

# default WHO: $SUDO_USER, else $USER; values travel out of line
check "by from USER" 0 "added finance.gov.pk" \
    env -u SUDO_USER USER=carol "$SO" zone add finance.gov.pk \
    --reason "O'Brien's; DROP TABLE smartoffice.federation_zone; --"
check "by from SUDO_USER" 0 "added health.gov.pk" \
    env SUDO_USER=dave USER=root "$SO" zone add health.gov.pk --reason h

list=$("$SO" zone list | cut -f1-3)
want=$(printf '%s\n' \
    "*.gov.pk	provinces	alice" \
    "finance.gov.pk	O'Brien's; DROP TABLE smartoffice.federation_zone; --	carol" \
    "health.gov.pk	h	dave" \
    "xn--bcher-kva.example	books	alice")
same "list" "$want" "$list"
when=$("$SO" zone list | head -n1 | cut -f4)
[[ "$when" =~ ^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$ ]] ||
    fail "list time" "YYYY-MM-DDTHH:MM:SSZ" "$when"

# invalid names: exit 2 with the reason, nothing stored
check "underscore" 2 \
    "invalid zone 'under_score.pk': label 'under_score' has a character other than a letter, digit or hyphen" \
    "$SO" zone add under_score.pk --reason r
check "ip literal" 2 "an IP address is not a domain name" \
    "$SO" zone add 10.0.0.1 --reason r
check "inner wildcard" 2 "'*' is only allowed as the whole first label" \
    "$SO" zone add 'a.*.gov.pk' --reason r
check "hyphen" 2 "hyphen" \
    "$SO" zone remove -- '-x.gov.pk'
check "empty label" 2 "empty label" "$SO" zone add 'a..pk' --reason r
check "bad punycode" 2 "not a valid internationalised name" \
    "$SO" zone add 'xn--zzzz.pk' --reason r
check "no reason" 2 "add needs --reason" "$SO" zone add x.pk
check "reason with a tab" 2 "one line" \
    "$SO" zone add x.pk --reason "$(printf 'a\tb')"
# an add whose audit record would be invalid changes nothing: exit 2
# naming the field, before the zone is touched
long_by=$(head -c 100000 /dev/zero | tr '\0' a)
check "by too long" 2 "--by is too long (at most 2047 bytes)" \
    "$SO" zone add long.example --reason r --by "$long_by"
check "by with a C1 control" 2 "--by must be" \
    "$SO" zone add c1.example --reason r --by "$(printf 'a\xc2\x85b')"
check "reason with a C1 control" 2 "--reason must be" \
    "$SO" zone add c1.example --reason "$(printf 'a\xc2\x85b')"
check "reason not UTF-8" 2 "--reason must be" \
    "$SO" zone add bad8.example --reason "$(printf 'a\xffb')"
check "by not UTF-8" 2 "--by must be" \
    "$SO" zone add bad8.example --reason r --by "$(printf 'a\xffb')"
same "nothing stored" 4 "$("$SO" zone list | wc -l)"
check "audit log names the bad field" 2 "subject is too long (at most 2047" \
    "$SO" audit log --host h --module m --decision d --rule r \
    --subject "$long_by"
check "audit log names the empty field" 2 "rule must be" \
    "$SO" audit log --host h --module m --decision d --rule ''

# pins: only 64 lower-case hex digits reach the table, whoever writes it
pins_of() {
    psql "$SMARTOFFICE_DB" -XAtq -c \
        "SELECT array_to_string(pins, ' ') FROM smartoffice.federation_zone WHERE pattern = '$1'"
}
hex_a=$(printf 'a%.0s' {1..64})
hex_b=$(printf '0123456789abcdef%.0s' {1..4})
for bad in "NOT-HEX" "${hex_a^^}" "${hex_a:1}" "${hex_a}0" ""; do
    check "CHECK refuses pin '${bad:0:10}...'" 1 "federation_zone_pins_check" \
        psql "$SMARTOFFICE_DB" -XAtq -v ON_ERROR_STOP=1 -c \
        "UPDATE smartoffice.federation_zone SET pins = ARRAY['$hex_a', '$bad'] WHERE pattern = 'health.gov.pk'"
done
same "no pin stored by psql" "" "$(pins_of health.gov.pk)"
colons=$(sed 's/../&:/g; s/:$//' <<<"${hex_a^^}")
check "pin normalises" 0 "pinned health.gov.pk (2 fingerprints)" \
    "$SO" zone pin HEALTH.gov.pk. "$colons" "${hex_b:0:32} ${hex_b:32}"
same "pins stored in lower-case hex" "$hex_a $hex_b" "$(pins_of health.gov.pk)"
for bad in "${hex_a:1}" "${hex_a}00" "$(sed 's/a/g/' <<<"$hex_a")" \
    "${hex_a:0:32}-${hex_a:32}" "$(printf '%s\xc2\x85' "$hex_a")"; do
    check "pin refuses '${bad:0:10}...'" 2 "is not a SHA-256 fingerprint" \
        "$SO" zone pin health.gov.pk "$hex_b" "$bad"
done
check "pin needs a fingerprint" 2 "no FINGERPRINT given" \
    "$SO" zone pin health.gov.pk
check "pin a missing zone" 1 "zone nowhere.example does not exist" \
    "$SO" zone pin nowhere.example "$hex_a"
same "refused pins change nothing" "$hex_a $hex_b" "$(pins_of health.gov.pk)"
check "unpin takes no fingerprint" 2 "unexpected argument" \
    "$SO" zone unpin health.gov.pk "$hex_a"
check "unpin" 0 "unpinned health.gov.pk" "$SO" zone unpin health.gov.pk
same "no pins after unpin" "" "$(pins_of health.gov.pk)"
check "unpin a missing zone" 1 "zone nowhere.example does not exist" \
    "$SO" zone unpin nowhere.example
audit_csv=$("$SO" audit export --from 2000-01-01T00:00:00Z \
    --to 2100-01-01T00:00:00Z --format csv)
for d in zone-pinned zone-unpinned; do
    [ "$(grep -c "\"cli\",\"$d\",\"federation-zone\",\"tester\",\"health.gov.pk\"" <<<"$audit_csv")" = 1 ] ||
        fail "one $d record" "\"cli\",\"$d\",\"federation-zone\",\"tester\",\"health.gov.pk\"" \
            "$(grep federation-zone <<<"$audit_csv")"
done

# LISTEN smartoffice_zones: a change notifies, a read does not
out=$(psql_ -c 'LISTEN smartoffice_zones' \
    -c "\\! \"$SO\" zone add notify.example --reason n >/dev/null" \
    -c 'SELECT 1' 2>&1)
[[ "$out" == *'notification "smartoffice_zones" received'* ]] ||
    fail "notify on add" 'Asynchronous notification "smartoffice_zones"' "$out"
out=$(psql_ -c 'LISTEN smartoffice_zones' \
    -c "\\! \"$SO\" zone list >/dev/null" -c 'SELECT 1' 2>&1)
[[ "$out" != *'notification'* ]] ||
    fail "no notify on list" "no notification" "$out"
out=$(psql_ -c 'LISTEN smartoffice_zones' \
    -c "\\! \"$SO\" zone remove notify.example >/dev/null" \
    -c 'SELECT 1' 2>&1)
[[ "$out" == *'notification "smartoffice_zones" received'* ]] ||
    fail "notify on remove" 'Asynchronous notification "smartoffice_zones"' \
        "$out"

# db init: only UTF8 databases; a fresh one gets version 2
psql_ -c "CREATE DATABASE so_ascii ENCODING 'SQL_ASCII' TEMPLATE template0 LC_COLLATE 'C' LC_CTYPE 'C'" ||
    fail "create SQL_ASCII database" "created" "failed"
check "init refuses SQL_ASCII" 4 "has encoding SQL_ASCII, not UTF8" \
    "$SO" db init --db "$(conn_to so_ascii)"
same "SQL_ASCII left alone" 0 "$(psql "$(conn_to so_ascii)" -XAtq -c \
    "SELECT count(*) FROM pg_namespace WHERE nspname = 'smartoffice'")"
psql_ -c "CREATE DATABASE so_empty ENCODING 'UTF8' TEMPLATE template0" ||
    fail "create empty database" "created" "failed"
check "status before init" 1 "is not initialised" \
    "$SO" db status --db "$(conn_to so_empty)"

# a broken schema file is reported with its file and line, nothing applied
schemas=$(mktemp -d)
printf 'BEGIN;\nCREATE SCHEMA smartoffice;\nCREATE TABLE oops (;\nCOMMIT;\n' \
    >"$schemas/install-2.sql"
check "schema error names file:line" 4 "$schemas/install-2.sql:3: applying the schema: syntax error" \
    env SMARTOFFICE_SCHEMAS="$schemas" "$SO" db init --db "$(conn_to so_empty)"
rm -rf "$schemas"
check "init fresh" 0 "installed schema version 2" \
    "$SO" db init --db "$(conn_to so_empty)"
check "status fresh" 0 "schema version 2" \
    "$SO" db status --db="$(conn_to so_empty)"
check "unreachable" 4 "connecting to the database" \
    "$SO" zone list --db "host=127.0.0.1 port=1 dbname=x connect_timeout=2"

# Every change of a zone above left an audit record naming who and what,
# and the chain holds.
check "audit has zone-added" 0 "\"zone-added\",\"federation-zone\"" \
    "$SO" audit export --from 2000-01-01T00:00:00Z --to 2100-01-01T00:00:00Z \
    --format csv
check "audit names the removed zone" 0 "xn--mgbai9azgqp6j.example" \
    "$SO" audit export --from 2000-01-01T00:00:00Z --to 2100-01-01T00:00:00Z
# Every change, not only add, names who made it.
"$SO" zone add whoami.example --reason "who test" --by alice >/dev/null 2>&1
check "remove without anyone to name" 2 "--by WHO is needed" \
    env -u SUDO_USER -u USER "$SO" zone remove whoami.example
check "pin without anyone to name" 2 "--by WHO is needed" \
    env -u SUDO_USER -u USER "$SO" zone pin whoami.example \
    "$(printf '%064d' 0)"
check "remove by someone named" 0 "removed whoami.example" \
    env -u SUDO_USER -u USER "$SO" zone remove whoami.example --by dana
check "the removal names who" 0 '"zone-removed","federation-zone","dana","whoami.example"' \
    "$SO" audit export --from 2000-01-01T00:00:00Z --to 2100-01-01T00:00:00Z \
    --format csv
check "audit chain after zone changes" 0 "audit chain intact" \
    "$SO" audit verify

# A field edited in the database to hold a newline cannot forge a line of
# the JSON export (verify reports the edit; the export stays one line a
# record).
psql_ -c "UPDATE smartoffice.audit SET subject = E'x\\nforged' WHERE seq = 1" >/dev/null
bad=$("$SO" audit export --from 2000-01-01T00:00:00Z --to 2100-01-01T00:00:00Z \
    --format jsonl 2>/dev/null | /usr/bin/python3 -c '
import json, sys
bad = 0
for line in sys.stdin:
    try:
        json.loads(line)
    except ValueError:
        bad += 1
print(bad)')
same "export lines that are not JSON" "0" "$bad"
check "verify names the edited record" 1 "record 1:" "$SO" audit verify

[ "$fails" -eq 0 ] || echo "zones.sh: $fails failed"
exit $((fails > 0))
