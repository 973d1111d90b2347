#!/usr/bin/env bash
# directory_import.sh - `smartoffice directory import` against the suite's
# PostgreSQL (see tests/store/run for SO, PG_DIR, TOP and SMARTOFFICE_DB),
# in a database of its own.
set -uo pipefail
# shellcheck source=tests/store/lib.sh
. "$TOP/tests/store/lib.sh"
PY=/usr/bin/python3
DB=$(conn_to so_directory)
q() { psql "$DB" -XAtq -v ON_ERROR_STOP=1 -c "$1"; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
samples="$TOP/contrib/directory"

# same NAME WANT GOT
same() {
    [ "$2" = "$3" ] || fail "$1" "$2" "$3"
}

import() { "$SO" directory import "$@" --db "$DB"; }

psql_ -c "CREATE DATABASE so_directory ENCODING 'UTF8' TEMPLATE template0" ||
    fail "create database so_directory" "created" "failed"
"$SO" db init --db "$DB" >/dev/null || fail "db init" "installed" "failed"

# the employee table's indexes and constraints as install-2.sql made them;
# the first load drops and builds them again (docs/directory-import.md)
indexes() {
    psql "$1" -XAtq -v ON_ERROR_STOP=1 -c "
        SELECT indexname || ': ' || indexdef FROM pg_indexes
         WHERE schemaname = 'smartoffice' AND tablename = 'employee'
        UNION ALL
        SELECT conname || ': ' || pg_get_constraintdef(oid) FROM pg_constraint
         WHERE conrelid = 'smartoffice.employee'::regclass
        ORDER BY 1"
}
installed=$(indexes "$DB")
same "installed indexes" "employee_jid_key: UNIQUE (jid)|employee_terms: CREATE INDEX employee_terms ON smartoffice.employee USING gin (terms)" \
    "$(grep -E '^employee_(jid_key: UNIQUE|terms: CREATE)' <<<"$installed" | paste -sd'|')"

# employees before their units and cities: every row names what is missing
check "employees need units" 1 "employees.csv:2: unit MOITT-ITW does not exist" \
    import "$samples/employees.csv"
same "nothing imported without units" 0 "$(q 'SELECT count(*) FROM smartoffice.employee')"
same "indexes after a failed first load" "$installed" "$(indexes "$DB")"

# the samples, in order
check "cities" 0 "cities: 18 rows read, 18 inserted, 0 updated, 0 unchanged" \
    import "$samples/cities.csv"
check "units" 0 "organisation units: 49 rows read, 49 inserted" \
    import "$samples/units.csv"
check "employees dry run" 0 "first load: indexes built after the copy" \
    import "$samples/employees.csv" --dry-run
same "nothing kept by a dry first load" 0 \
    "$(q 'SELECT count(*) FROM smartoffice.employee')"
same "indexes after a dry first load" "$installed" "$(indexes "$DB")"
check "employees" 0 "employees: 200 rows read, 200 inserted, 0 updated, 0 unchanged" \
    import "$samples/employees.csv"
same "indexes built again after the first load" "$installed" "$(indexes "$DB")"
same "paths of a section" "{MOITT,MOITT-ITW,MOITT-ITW-EGOV}" \
    "$(q "SELECT path FROM smartoffice.org_unit WHERE code = 'MOITT-ITW-EGOV'")"
same "demo account in Lahore" "FG-0000001|ali.raza@localhost|LHE|active" \
    "$(q "SELECT employee_no, jid, city, status FROM smartoffice.employee WHERE name_en = 'Ali Raza'")"
same "terms name the unit above" "t" \
    "$(q "SELECT 'u:MOITT' = ANY(terms) AND 'c:LHE' = ANY(terms) FROM smartoffice.employee WHERE employee_no = 'FG-0000001'")"
# employees' terms: name words and prefixes, designation words as "d:",
# no words of unit or city names, no stopwords
same "employee terms" "t|f|f|f" \
    "$(q "SELECT '=ali' = ANY(terms) AND '^ra' = ANY(terms) AND 'd:officer' = ANY(terms),
              '=officer' = ANY(terms), '=lahore' = ANY(terms), '=wing' = ANY(terms)
         FROM smartoffice.employee WHERE employee_no = 'FG-0000001'")"
same "no stopword terms" 0 \
    "$(q "SELECT count(*) FROM smartoffice.employee
         WHERE terms && '{=of,=and,d:of,d:and,=کا,=اور}'")"
# units and cities: the words of their names, no stopwords
same "unit terms" "{=information,=ministry,=technology,=telecommunication}|t|f" \
    "$(q "SELECT (SELECT array_agg(t ORDER BY t) FROM unnest(terms) t WHERE t ~ '^=[a-z]'),
              '=وزارت' = ANY(terms), terms && '{=of,=and}'
         FROM smartoffice.org_unit WHERE code = 'MOITT'")"
same "city terms" "{=lahore,=لاہور}" \
    "$(q "SELECT terms FROM smartoffice.city WHERE code = 'LHE'")"
same "directory words" "t" \
    "$(q "SELECT count(*) > 50 AND bool_and(cardinality(trigrams) > 0) FROM smartoffice.directory_word")"
# whole designations: one "D:" term per employee, every one of them listed
# in smartoffice.designation (the first load and every re-import)
designations() {
    q "SELECT (SELECT array_agg(DISTINCT t ORDER BY t) FROM smartoffice.employee,
                unnest(terms) t WHERE t LIKE 'D:%')
            = (SELECT array_agg(key ORDER BY key) FROM smartoffice.designation),
              (SELECT count(*) FROM smartoffice.employee
                WHERE cardinality(array(SELECT 1 FROM unnest(terms) t
                                         WHERE t LIKE 'D:%')) <> 1)"
}
same "designations after the first load" "t|0" "$(designations)"
same "a whole designation" "t" \
    "$(q "SELECT 'D:section officer' = ANY(terms) FROM smartoffice.employee WHERE employee_no = 'FG-0000001'")"

# Urdu round-trips byte for byte: the file's name_ur against the stored one
$PY - "$samples/employees.csv" >"$work/ur.file" <<'EOF'
import csv, sys
with open(sys.argv[1], encoding="utf-8", newline="") as f:
    rows = sorted((r["employee_no"], r["name_ur"]) for r in csv.DictReader(f))
for no, ur in rows:
    sys.stdout.write(no + "\t" + ur + "\n")
EOF
q "SELECT employee_no || E'\t' || name_ur FROM smartoffice.employee
   ORDER BY employee_no COLLATE \"C\"" >"$work/ur.db"
if ! cmp -s "$work/ur.file" "$work/ur.db"; then
    fail "Urdu names byte for byte" "$(head -c 200 "$work/ur.file" | od -c | head -3)" \
        "$(diff "$work/ur.file" "$work/ur.db" | head -5 | od -c | head -6)"
fi

# re-importing changes nothing: no change number, no updated_at moves
snapshot() {
    q "SELECT string_agg(employee_no || ':' || change || ':' || updated_at, ','
       ORDER BY employee_no) FROM smartoffice.employee"
    q "SELECT string_agg(code || ':' || updated_at, ',' ORDER BY code)
       FROM smartoffice.org_unit"
    q "SELECT string_agg(code || ':' || updated_at, ',' ORDER BY code)
       FROM smartoffice.city"
}
before=$(snapshot)
check "cities again" 0 "0 inserted, 0 updated, 18 unchanged" \
    import "$samples/cities.csv"
check "units again" 0 "0 inserted, 0 updated, 49 unchanged" \
    import "$samples/units.csv"
check "employees again" 0 "0 inserted, 0 updated, 200 unchanged" \
    import "$samples/employees.csv"
after=$(snapshot)
[ "$before" = "$after" ] ||
    fail "re-import moves nothing" "$(head -c 300 <<<"$before")" \
        "$(diff <(tr , '\n' <<<"$before") <(tr , '\n' <<<"$after") | head -6)"
same "no employee gone" 0 "$(q 'SELECT count(*) FROM smartoffice.employee_gone')"

# a byte order mark, CRLF, quoted commas and quotes; "on leave" accepted
printf '\xef\xbb\xbfemployee_no,name_en,name_ur,designation,bps,unit,city,office_phone,email,jid,status\r\nQ-1,"Khan, Imran",عمران خان,"Deputy Secretary (""Admin""), IT",19,MOITT-ADM,ISB,(051) 920-1234,,Q1@Gov.Example,On Leave\r\n' \
    >"$work/bom.csv"
check "BOM and CRLF" 0 "1 rows read, 1 inserted" import "$work/bom.csv"
same "designations after a re-import" "t|0" "$(designations)"
same "a new designation listed" 1 \
    "$(q "SELECT count(*) FROM smartoffice.designation d, smartoffice.employee e
         WHERE e.employee_no = 'Q-1' AND d.key = ANY(e.terms)
           AND d.key LIKE 'D:deputy secretary %admin% it'")"
same "quoted fields stored as written" \
    'Khan, Imran|Deputy Secretary ("Admin"), IT|q1@gov.example|on_leave' \
    "$(q "SELECT name_en, designation, jid, status FROM smartoffice.employee WHERE employee_no = 'Q-1'")"

# every bad row reported with its physical line; nothing of the file kept
count_before=$(q 'SELECT count(*) FROM smartoffice.employee')
cat >"$work/bad.csv" <<'EOF'
employee_no,name_en,name_ur,designation,bps,unit,city,office_phone,email,jid,status
B-1,Good Row,اچھی قطار,Assistant,15,MOI-ADM,ISB,,,,active
B-2,"Two
Lines",دو,Assistant,23,MOI-ADM,ISB,,,,active
B-3,No Unit,یونٹ,Assistant,15,NOPE,ISB,,,,active
B-4,No City,شہر,Assistant,15,MOI-ADM,XYZ,,,,active
B-1,Again,دوبارہ,Assistant,15,MOI-ADM,ISB,,,,active
B-5,Short,کم
B-6,Bad Status,حالت,Assistant,15,MOI-ADM,ISB,,,,gone
B-7,Bad Jid,جڈ,Assistant,15,MOI-ADM,ISB,,,a b@x,active
B-8,Taken Jid,لیا,Assistant,15,MOI-ADM,ISB,,,ali.raza@localhost,active
B-9,Bad Mail,میل,Assistant,15,MOI-ADM,ISB,,nobody,,active
B-10,Bad Phone,فون,Assistant,15,MOI-ADM,ISB,call me,,,active
,Empty Number,نمبر,Assistant,15,MOI-ADM,ISB,,,,active
EOF
printf 'B-11,Latin1 \xe9,x,Assistant,15,MOI-ADM,ISB,,,,active\n' >>"$work/bad.csv"
printf 'B-12,Control \x01,x,Assistant,15,MOI-ADM,ISB,,,,active\n' >>"$work/bad.csv"
# a right-to-left override makes a name display as another
printf 'B-13,Ali\xe2\x80\xaeRaza,x,Assistant,15,MOI-ADM,ISB,,,,active\n' >>"$work/bad.csv"
# a zero width space hides a word from search
printf 'B-14,Zero\xe2\x80\x8bWidth,x,Assistant,15,MOI-ADM,ISB,,,,active\n' >>"$work/bad.csv"
# numbers differing only in case are one employee (addresses are lower case)
printf 'b-1,Case,x,Assistant,15,MOI-ADM,ISB,,,,active\n' >>"$work/bad.csv"
out=$(import "$work/bad.csv" 2>&1)
rc=$?
same "bad file exit status" 1 "$rc"
f="$work/bad.csv"
for want in \
    "$f:3: bps is not a grade from 1 to 22" \
    "$f:5: unit NOPE does not exist" \
    "$f:6: city XYZ does not exist" \
    "$f:7: employee B-1 is already on line 2" \
    "$f:8: has 3 fields, expected 11" \
    "$f:9: status is not one of" \
    "$f:10: jid is not a bare JID" \
    "$f:11: jid ali.raza@localhost belongs to employee FG-0000001" \
    "$f:12: email is not an address" \
    "$f:13: office_phone is not" \
    "$f:14: employee_no is not" \
    "$f:15: name_en is not valid UTF-8" \
    "$f:16: name_en holds a control character" \
    "$f:17: name_en holds an invisible formatting character" \
    "$f:18: name_en holds an invisible formatting character" \
    "$f:19: employee B-1 is already on line 2" \
    "nothing imported"; do
    [[ "$out" == *"$want"* ]] || fail "bad rows: $want" "$want" "$out"
done
[[ "$out" != *"$f:2:"* ]] || fail "good row not reported" "no $f:2:" "$out"
same "nothing of a bad file imported" "$count_before" \
    "$(q 'SELECT count(*) FROM smartoffice.employee')"

check "unknown header" 1 "$work/h.csv:1: the header is none of" \
    bash -c 'printf "a,b\n1,2\n" >"$0" && "$1" directory import "$0" --db "$2"' \
    "$work/h.csv" "$SO" "$DB"
check "malformed quoting" 1 "$work/q.csv:2: malformed quoting" \
    bash -c 'printf "code,name_en,name_ur,province,phase\nABC,x\"y\"z,a,Punjab,1\n" >"$0" && "$1" directory import "$0" --db "$2"' \
    "$work/q.csv" "$SO" "$DB"

# units: a child before its parent in one file; a missing parent refused
cat >"$work/units.csv" <<'EOF'
code,parent,kind,name_en,name_ur
NEW-SEC,NEW-WING,section,New Section,نیا سیکشن
NEW-WING,MOITT,wing,New Wing,نیا ونگ
EOF
check "child before parent" 0 "2 rows read, 2 inserted" import "$work/units.csv"
same "path of the child" "{MOITT,NEW-WING,NEW-SEC}" \
    "$(q "SELECT path FROM smartoffice.org_unit WHERE code = 'NEW-SEC'")"
printf 'code,parent,kind,name_en,name_ur\nLOST,NOWHERE,office,Lost,گم\nLOOP-A,LOOP-B,office,A,ا\nLOOP-B,LOOP-A,office,B,ب\n' \
    >"$work/orphan.csv"
check "missing parent" 1 "$work/orphan.csv:2: parent NOWHERE is neither in the file nor in the database" \
    import "$work/orphan.csv"
check "cycle of parents" 1 "$work/orphan.csv:4: unit LOOP-B is in a cycle" \
    import "$work/orphan.csv"

# a unit renamed: its own terms change, no employee's
change_before=$(q "SELECT change FROM smartoffice.employee WHERE employee_no = 'FG-0000004'")
other_before=$(q "SELECT change FROM smartoffice.employee WHERE employee_no = 'FG-0000006'")
sed 's/^MOITT-ITW,MOITT,wing,IT Wing,آئی ٹی ونگ$/MOITT-ITW,MOITT,wing,Digital Wing,ڈیجیٹل ونگ/' \
    "$samples/units.csv" >"$work/rename.csv"
check "rename a wing" 0 "0 inserted, 1 updated, 48 unchanged in" \
    import "$work/rename.csv"
same "terms of the renamed wing" "t|f" \
    "$(q "SELECT terms @> '{=digital,=ڈیجیٹل,=wing}', '=it' = ANY(terms) FROM smartoffice.org_unit WHERE code = 'MOITT-ITW'")"
same "renamed unit leaves employees alone" "$change_before" \
    "$(q "SELECT change FROM smartoffice.employee WHERE employee_no = 'FG-0000004'")"

# a unit moved: the "u:" terms of everyone in and under it are recomputed
printf 'code,parent,kind,name_en,name_ur\nMOITT-ITW,MOI,wing,Digital Wing,ڈیجیٹل ونگ\n' \
    >"$work/move.csv"
check "move a wing" 0 "0 inserted, 1 updated, 0 unchanged; 1 units below moved; terms of" \
    import "$work/move.csv"
same "path below the moved wing" "{MOI,MOITT-ITW,MOITT-ITW-EGOV}" \
    "$(q "SELECT path FROM smartoffice.org_unit WHERE code = 'MOITT-ITW-EGOV'")"
same "terms below the moved wing" "t|f" \
    "$(q "SELECT terms @> '{u:MOI,u:MOITT-ITW,u:MOITT-ITW-EGOV}', 'u:MOITT' = ANY(terms) FROM smartoffice.employee WHERE employee_no = 'FG-0000004'")"
[ "$(q "SELECT change FROM smartoffice.employee WHERE employee_no = 'FG-0000004'")" != "$change_before" ] ||
    fail "moved unit moves the change number" "a new number" "$change_before"
same "others untouched" "$other_before" \
    "$(q "SELECT change FROM smartoffice.employee WHERE employee_no = 'FG-0000006'")"
check "move it back" 0 "2 updated, 47 unchanged; terms of" import "$work/rename.csv"

# a city renamed: its own terms change, no employee's
change_before=$(q "SELECT change FROM smartoffice.employee WHERE employee_no = 'FG-0000001'")
sed 's/^LHE,Lahore,لاہور,/LHE,Lahore City,لاہور,/' "$samples/cities.csv" >"$work/city.csv"
check "rename a city" 0 "1 updated" import "$work/city.csv"
same "terms with the new city name" "{=city,=lahore,=لاہور}" \
    "$(q "SELECT terms FROM smartoffice.city WHERE code = 'LHE'")"
same "renamed city leaves employees alone" "$change_before" \
    "$(q "SELECT change FROM smartoffice.employee WHERE employee_no = 'FG-0000001'")"

# units and cities named by employees stay (the schema's triggers)
check "unit in use not deleted" 1 "unit MOI-ADM is still named by employee" \
    psql "$DB" -Xq -v ON_ERROR_STOP=1 -c "DELETE FROM smartoffice.org_unit WHERE code = 'MOI-ADM'"
check "city in use not recoded" 1 "city LHE is still named by employee FG-0000001" \
    psql "$DB" -Xq -v ON_ERROR_STOP=1 -c "UPDATE smartoffice.city SET code = 'LHR' WHERE code = 'LHE'"
check "missing unit refused" 1 "employee FG-0000006 names unit NOPE, which does not exist" \
    psql "$DB" -Xq -v ON_ERROR_STOP=1 -c "UPDATE smartoffice.employee SET unit = 'NOPE' WHERE employee_no IN ('FG-0000006', 'FG-0000007')"

# --dry-run counts but keeps nothing
printf 'employee_no,name_en,name_ur,designation,bps,unit,city,office_phone,email,jid,status\nD-1,Dry Run,خشک,Assistant,15,MOI-ADM,ISB,,,,active\n' \
    >"$work/dry.csv"
check "dry run" 0 "dry run: nothing was written" import "$work/dry.csv" --dry-run
same "dry run kept nothing" 0 "$(q "SELECT count(*) FROM smartoffice.employee WHERE employee_no = 'D-1'")"

# a database that is not UTF8 is refused before anything is read
psql_ -c "CREATE DATABASE so_latin1 ENCODING 'LATIN1' TEMPLATE template0 LC_CTYPE 'C' LC_COLLATE 'C'" ||
    fail "create LATIN1 database" "created" "failed"
check "LATIN1 refused" 4 "has encoding LATIN1, not UTF8" \
    "$SO" directory import "$samples/cities.csv" --db "$(conn_to so_latin1)"

check "usage" 2 "no file given" "$SO" directory import
check "missing file" 1 "No such file" import "$work/none.csv"

# a first load by a role that does not own the table keeps the indexes
# up row by row, and says so
OTHER=$(conn_to so_directory_other)
LOADER=$(sed "s/user=[^ ]*/user=so_loader/" <<<"$OTHER")
psql_ -c "CREATE DATABASE so_directory_other ENCODING 'UTF8' TEMPLATE template0" ||
    fail "create database so_directory_other" "created" "failed"
"$SO" db init --db "$OTHER" >/dev/null || fail "db init (other)" "installed" "failed"
"$SO" directory import "$samples/cities.csv" --db "$OTHER" >/dev/null &&
    "$SO" directory import "$samples/units.csv" --db "$OTHER" >/dev/null ||
    fail "places (other)" "imported" "failed"
psql "$OTHER" -Xq -v ON_ERROR_STOP=1 -c "
    CREATE ROLE so_loader LOGIN;
    GRANT TEMPORARY ON DATABASE so_directory_other TO so_loader;
    GRANT USAGE ON SCHEMA smartoffice TO so_loader;
    GRANT SELECT, INSERT, UPDATE ON ALL TABLES IN SCHEMA smartoffice
        TO so_loader;
    GRANT USAGE ON ALL SEQUENCES IN SCHEMA smartoffice TO so_loader;" ||
    fail "loader role" "created" "failed"
check "first load, not the owner" 0 "200 inserted, 0 updated, 0 unchanged; 196 new directory words; first load with the indexes kept up row by row (not the table's owner)" \
    "$SO" directory import "$samples/employees.csv" --db "$LOADER"
same "indexes kept for a role that is not the owner" "$installed" \
    "$(indexes "$OTHER")"
psql_ -c "DROP DATABASE so_directory_other" >/dev/null
psql_ -c "DROP ROLE so_loader" >/dev/null

psql_ -c "DROP DATABASE so_latin1" >/dev/null
psql_ -c "DROP DATABASE so_directory" >/dev/null
[ "$fails" -eq 0 ]
