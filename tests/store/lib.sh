# lib.sh - what the store suite's scripts share; sourced, not run (see
# tests/store/run for SO, PG_DIR, TOP and SMARTOFFICE_DB). Sets fails=0
# and defines psql_, conn_to, fail and check.
fails=0
psql_() { "$TOP/scripts/pg-stack" psql "$PG_DIR" "$@"; }
# conn_to DB: SMARTOFFICE_DB with its database name replaced by DB.
conn_to() { sed "s/dbname=[^ ]*/dbname=$1/" <<<"$SMARTOFFICE_DB"; }

# fail NAME EXPECTED GOT: reports one failure and counts it in fails.
fail() {
    echo "  FAIL: $1"
    echo "    expected: $2"
    echo "    got:      $3"
    fails=$((fails + 1))
}

# check NAME RC TEXT CMD...: CMD exits with RC and its output (stdout and
# stderr) contains TEXT.
check() {
    local name=$1 want_rc=$2 want=$3 out rc
    shift 3
    out=$("$@" 2>&1)
    rc=$?
    if [ "$rc" -ne "$want_rc" ]; then
        fail "$name (exit status)" "$want_rc" "$rc: $out"
    elif [[ "$out" != *"$want"* ]]; then
        fail "$name (output)" "... $want ..." "$out"
    fi
}
