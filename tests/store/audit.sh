#!/usr/bin/env bash
# tests/store/audit.sh - the audit chain against a real PostgreSQL: it
# verifies, then fails at exactly the record that was changed, deleted or
# inserted; expiry (by date or by age) leaves an anchor that verification
# starts from and a record of itself; export gives a range; PostgreSQL
# stopped while records keep coming loses none; a torn or damaged line in
# the spill file goes to <spill>.bad and replay carries on past it.
#
# Run by tests/store/run (SMARTOFFICE_DB, PG_DIR, SO, TOP set). Uses its
# own database in that cluster so other scripts' records do not mix in.
set -uo pipefail

fail=0
work=$(mktemp -d /tmp/smartoffice-audit.XXXXXX) || exit 1
trap 'rm -rf "$work"' EXIT

# expect WHAT WANT GOT: equal, or say so and fail.
expect() {
    if [ "$2" == "$3" ]; then
        echo "  ok: $1"
    else
        printf '  FAIL: %s\n    expected: %s\n    got:      %s\n' "$1" "$2" "$3"
        fail=1
    fi
}

base_db=$SMARTOFFICE_DB
psql "$base_db" -X -q -v ON_ERROR_STOP=1 \
    -c "SET client_min_messages TO warning" \
    -c "DROP DATABASE IF EXISTS smartoffice_audit" \
    -c "CREATE DATABASE smartoffice_audit" || exit 1
SMARTOFFICE_DB=$(sed 's/dbname=[^ ]*/dbname=smartoffice_audit/' <<<"$base_db")
export SMARTOFFICE_DB
"$SO" db init >/dev/null || exit 1

sql() { psql "$SMARTOFFICE_DB" -X -q -At -v ON_ERROR_STOP=1 -c "$1"; }
verify() { "$SO" audit verify 2>&1; }
log() {
    "$SO" audit log --host gov.pk --module "$1" --decision "$2" \
        --rule "$3" --subject "$4" --object "${5:-}" ${6:+--at "$6"}
}

# The canonical form of a row, in SQL, as docs/modules/audit.md defines
# it: a forger with write access can compute it too.
canon="'\\x01'::bytea || int8send(seq) ||
    int8send((extract(epoch FROM at) * 1000000)::bigint) ||
    int4send(octet_length(host)) || convert_to(host, 'UTF8') ||
    int4send(octet_length(module)) || convert_to(module, 'UTF8') ||
    int4send(octet_length(decision)) || convert_to(decision, 'UTF8') ||
    int4send(octet_length(rule)) || convert_to(rule, 'UTF8') ||
    int4send(octet_length(subject)) || convert_to(subject, 'UTF8') ||
    int4send(octet_length(object)) || convert_to(object, 'UTF8')"

echo "audit: 20 records, 10 of them from 2001"
for i in $(seq 1 10); do
    log omemo_policy refuse plaintext "u$i@gov.pk" "peer@gov.pk" \
        "2001-01-01T00:00:$(printf %02d "$i")Z" || fail=1
done
for i in $(seq 11 20); do
    log federation refuse not-approved "u$i@gov.pk" "evil.example" || fail=1
done
expect "fresh chain verifies" \
    "audit chain intact: 20 records, seq 1..20" "$(verify)"
expect "SQL's canonical form gives the stored hash" "20" \
    "$(sql "SELECT count(*) FROM smartoffice.audit
            WHERE hash = sha256(prev_hash || $canon)")"

echo "audit: a changed record"
sql "UPDATE smartoffice.audit SET decision = 'allow' WHERE seq = 7"
got=$(verify)
rc=$?
expect "verify names record 7" \
    "audit chain broken: record 7: hash does not match its contents (changed)" \
    "$got"
expect "verify exits 1" 1 "$rc"
sql "UPDATE smartoffice.audit SET decision = 'refuse' WHERE seq = 7"
expect "restored chain verifies" \
    "audit chain intact: 20 records, seq 1..20" "$(verify)"

echo "audit: a changed and rehashed record"
sql "UPDATE smartoffice.audit SET decision = 'allow' WHERE seq = 8;
     UPDATE smartoffice.audit SET hash = sha256(prev_hash || $canon)
         WHERE seq = 8"
expect "verify names the record after it" \
    "audit chain broken: record 9: previous hash does not match record 8 (inserted or reordered)" \
    "$(verify)"
sql "UPDATE smartoffice.audit SET decision = 'refuse' WHERE seq = 8;
     UPDATE smartoffice.audit SET hash = sha256(prev_hash || $canon)
         WHERE seq = 8"

echo "audit: a deleted record"
sql "CREATE TABLE saved AS SELECT * FROM smartoffice.audit WHERE seq = 12;
     DELETE FROM smartoffice.audit WHERE seq = 12"
expect "verify names record 12" \
    "audit chain broken: record 13: follows 11 (record 12 deleted)" \
    "$(verify)"
sql "INSERT INTO smartoffice.audit SELECT * FROM saved; DROP TABLE saved"

echo "audit: the last record deleted"
sql "CREATE TABLE saved AS SELECT * FROM smartoffice.audit WHERE seq = 20;
     DELETE FROM smartoffice.audit WHERE seq = 20"
expect "verify names record 20" \
    "audit chain broken: record 20: missing, the head is 20 (records 20..20 deleted)" \
    "$(verify)"
sql "INSERT INTO smartoffice.audit SELECT * FROM saved; DROP TABLE saved"

echo "audit: a forged record after the last, correctly chained and hashed"
sql "INSERT INTO smartoffice.audit (seq, at, host, module, decision, rule,
         subject, object, prev_hash, hash, origin_id)
     SELECT 21, now(), 'gov.pk', 'omemo_policy', 'allow', 'encrypted',
         'u1@gov.pk', 'peer@gov.pk', hash, hash, 'forged'
     FROM smartoffice.audit WHERE seq = 20;
     UPDATE smartoffice.audit SET hash = sha256(prev_hash || $canon)
         WHERE seq = 21"
expect "verify names record 21" \
    "audit chain broken: record 21: beyond the head 20 (inserted)" \
    "$(verify)"
sql "DELETE FROM smartoffice.audit WHERE seq = 21"

echo "audit: a forged record in the middle, later records renumbered"
sql "UPDATE smartoffice.audit SET seq = -seq WHERE seq >= 15;
     UPDATE smartoffice.audit SET seq = 1 - seq WHERE seq < 0;
     INSERT INTO smartoffice.audit (seq, at, host, module, decision, rule,
         subject, object, prev_hash, hash, origin_id)
     SELECT 15, at, 'gov.pk', 'federation', 'allow', 'approved',
         'u15@gov.pk', 'evil.example', hash, hash, 'forged'
     FROM smartoffice.audit WHERE seq = 14;
     UPDATE smartoffice.audit SET hash = sha256(prev_hash || $canon)
         WHERE seq = 15;
     UPDATE smartoffice.audit_head SET seq = 21"
expect "verify names record 15" \
    "audit chain broken: record 15: inserted (record 16 chains to record 14)" \
    "$(verify)"
sql "DELETE FROM smartoffice.audit WHERE seq = 15;
     UPDATE smartoffice.audit SET seq = -seq WHERE seq >= 16;
     UPDATE smartoffice.audit SET seq = -seq - 1 WHERE seq < 0;
     UPDATE smartoffice.audit_head SET seq = 20"
expect "restored chain verifies" \
    "audit chain intact: 20 records, seq 1..20" "$(verify)"

echo "audit: export"
got=$("$SO" audit export --from 2001-01-01 --to 2001-01-02 2>/dev/null |
    wc -l)
expect "jsonl lines for 2001-01-01" 10 "$got"
got=$("$SO" audit export --from 2001-01-01T00:00:03Z \
    --to 2001-01-01T05:00:05+05:00 --format csv 2>/dev/null | tail -n +2 |
    cut -d, -f1 | tr '\n' ' ')
expect "csv seqs in [00:00:03, 00:00:05) UTC" "3 4 " "$got"
got=$("$SO" audit export --from 2001-01-01 --to 2001-01-02 2>/dev/null |
    head -n 1 | grep -c '"subject":"u1@gov.pk"')
expect "jsonl names the subject" 1 "$got"

echo "audit: expiry by age, then by date"
for bad in "" "--older-than 400d --before 2002-01-01" "--older-than 0d" \
    "--older-than 400x"; do
    # shellcheck disable=SC2086 # the options are words
    "$SO" audit expire $bad >/dev/null 2>&1
    expect "expire ${bad:-without a cutoff} is a usage error" 2 "$?"
done
expect "no record deleted or written by the refused calls" "20|0" \
    "$(sql "SELECT count(*), coalesce(max(seq), 0) - 20
            FROM smartoffice.audit")"
now=$(date -u +%s)
got=$("$SO" audit expire --older-than 400d 2>&1)
expect "expire --older-than 400d prints the count (the 2001 records)" \
    "audit expire: 10 records deleted (before T), anchor at 10" \
    "$(sed -E 's/\(before [^)]*\)/(before T)/' <<<"$got")"
cut=$(sed -nE 's/.*\(before ([^)]*)\).*/\1/p' <<<"$got")
off=$(($(date -u -d "$cut" +%s 2>/dev/null || echo 0) - (now - 400 * 86400)))
expect "the cutoff is now minus 400 days" yes \
    "$([ "${off#-}" -le 5 ] && echo yes || echo "no: $cut")"
expect "the expiry is recorded after the deletion, with its count" \
    "21|cli|audit-expired|retention-audit|10 records before $cut, anchor at 10" \
    "$(sql "SELECT seq, module, decision, rule, object FROM smartoffice.audit
            WHERE decision = 'audit-expired'")"
expect "verify starts from the anchor and covers the expiry's record" \
    "audit chain intact: 11 records, seq 11..21 (from the anchor at 10)" \
    "$(verify)"
expect "expire again does nothing, and says so" \
    "audit expire: 0 records deleted (before 2002-01-01T00:00:00.000000Z), anchor at 10" \
    "$("$SO" audit expire --before 2002-01-01 2>&1)"
expect "that run is recorded too" \
    "22|0 records before 2002-01-01T00:00:00.000000Z, anchor at 10" \
    "$(sql "SELECT seq, object FROM smartoffice.audit
            WHERE decision = 'audit-expired' AND seq > 21")"
sql "CREATE TABLE saved AS SELECT * FROM smartoffice.audit WHERE seq = 11;
     DELETE FROM smartoffice.audit WHERE seq = 11"
expect "first record after the anchor deleted" \
    "audit chain broken: record 12: follows 10 (record 11 deleted)" \
    "$(verify)"
sql "INSERT INTO smartoffice.audit SELECT * FROM saved; DROP TABLE saved"
sql "INSERT INTO smartoffice.audit SELECT 5, at, host, module, decision,
         rule, subject, object, prev_hash, hash, 'forged'
     FROM smartoffice.audit WHERE seq = 11"
expect "a record put back before the anchor" \
    "audit chain broken: record 5: at or before the anchor 10 (inserted)" \
    "$(verify)"
sql "DELETE FROM smartoffice.audit WHERE seq = 5"
expect "restored chain verifies" \
    "audit chain intact: 12 records, seq 11..22 (from the anchor at 10)" \
    "$(verify)"

echo "audit: PostgreSQL stopped during traffic, then started again"
export SMARTOFFICE_AUDIT_SPILL=$work/audit.spill
spilled=0
for i in $(seq 1 200); do
    if [ "$i" -eq 60 ]; then
        "$TOP/scripts/pg-stack" stop "$PG_DIR" &
        stopper=$!
    fi
    if [ "$i" -eq 140 ]; then
        wait "$stopper"
        cp "$SMARTOFFICE_AUDIT_SPILL" "$work/spill.copy"
        "$TOP/scripts/pg-stack" start "$PG_DIR" &
        starter=$!
    fi
    if ! out=$(log outage refuse plaintext "o$i@gov.pk" "" 2>&1); then
        echo "  FAIL: record $i: $out"
        fail=1
    fi
    case "$out" in *spilled*) spilled=$((spilled + 1)) ;; esac
done
wait "$starter"
log outage refuse plaintext "o201@gov.pk" "" >/dev/null 2>&1 || fail=1
[ "$spilled" -ge 50 ] && ok=yes || ok="no ($spilled)"
expect "at least 50 records spilled while PostgreSQL was down" yes "$ok"
expect "spill file empty after replay" 0 \
    "$(stat -c %s "$SMARTOFFICE_AUDIT_SPILL")"
expect "every outage record stored once" "201|201" \
    "$(sql "SELECT count(*), count(DISTINCT subject) FROM smartoffice.audit
            WHERE module = 'outage'")"
expect "stored in the order they were logged" "t" \
    "$(sql "SELECT bool_and(n = r) FROM (
              SELECT substring(subject FROM 'o([0-9]+)@')::int AS n,
                     row_number() OVER (ORDER BY seq) AS r
              FROM smartoffice.audit WHERE module = 'outage') x")"
expect "chain intact after the outage" \
    "audit chain intact: 213 records, seq 11..223 (from the anchor at 10)" \
    "$(verify)"

echo "audit: a spill file replayed twice (crash before it was emptied)"
cp "$work/spill.copy" "$SMARTOFFICE_AUDIT_SPILL"
expect "the copy holds spilled records" yes \
    "$([ -s "$SMARTOFFICE_AUDIT_SPILL" ] && echo yes || echo no)"
log outage refuse plaintext "o202@gov.pk" "" >/dev/null 2>&1 || fail=1
expect "no record stored twice" "202|202" \
    "$(sql "SELECT count(*), count(DISTINCT subject) FROM smartoffice.audit
            WHERE module = 'outage'")"
expect "chain intact after the second replay" \
    "audit chain intact: 214 records, seq 11..224 (from the anchor at 10)" \
    "$(verify)"

echo "audit: a torn and a damaged line in the spill file while PostgreSQL is down"
"$TOP/scripts/pg-stack" stop "$PG_DIR" >/dev/null 2>&1
for i in 1 2; do
    log torn refuse plaintext "t$i@gov.pk" "" >/dev/null 2>&1 || fail=1
done
printf 'not a record\n1\tdead-1\t0\tgov.pk\ttorn\trefuse\tpla' \
    >>"$SMARTOFFICE_AUDIT_SPILL"
for i in 3 4; do
    log torn refuse plaintext "t$i@gov.pk" "" >/dev/null 2>&1 || fail=1
done
expect "the torn line was cut off before the next append" \
    "$(printf '1\tdead-1\t0\tgov.pk\ttorn\trefuse\tpla')" \
    "$(cat "$SMARTOFFICE_AUDIT_SPILL.bad")"
"$TOP/scripts/pg-stack" start "$PG_DIR" >/dev/null 2>&1 || fail=1
log torn refuse plaintext "t5@gov.pk" "" >/dev/null 2>&1 || fail=1
expect "spill file empty after replay" 0 \
    "$(stat -c %s "$SMARTOFFICE_AUDIT_SPILL")"
expect "every complete record stored once, in order" \
    "t1@gov.pk t2@gov.pk t3@gov.pk t4@gov.pk t5@gov.pk" \
    "$(sql "SELECT string_agg(subject, ' ' ORDER BY seq)
            FROM smartoffice.audit WHERE module = 'torn'")"
expect "the damaged line went to .bad after the torn one" \
    "$(printf '1\tdead-1\t0\tgov.pk\ttorn\trefuse\tpla\nnot a record')" \
    "$(cat "$SMARTOFFICE_AUDIT_SPILL.bad")"
expect "chain intact after the replay" \
    "audit chain intact: 219 records, seq 11..229 (from the anchor at 10)" \
    "$(verify)"

psql "$base_db" -X -q -c "DROP DATABASE smartoffice_audit" >/dev/null 2>&1
exit "$fail"
