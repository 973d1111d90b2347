#!/usr/bin/env bash
# profanity.sh - Profanity (OMEMO 0.3 via libsignal) through the enforcing
# server, driven headless in private tmux servers.
#
#   profanity.sh scenario WORK STACK PORT   run the checks; exit 1 on failure
#   profanity.sh cleanup WORK               kill the tmux servers it started
#
# Accounts carol, dave, erin and frank must exist on STACK (a prosody-stack
# directory) with passwords pw-USER; they must never have been used and
# share no presence subscription (first contact); frank never logs in.
# INTEROP_FALLBACK_EN, when set, is the text the server's fallback body
# must contain. Every wait polls the
# screen or the debug log with a deadline; nothing sleeps blindly.
set -uo pipefail

cmd=${1:-}
work=${2:-}
[ -n "$cmd" ] && [ -n "$work" ] || {
    echo "usage: profanity.sh scenario WORK STACK PORT | cleanup WORK" >&2
    exit 2
}
sockets="$work/profanity-tmux"

if [ "$cmd" = cleanup ]; then
    [ -f "$sockets" ] || exit 0
    while read -r sock; do
        tmux -L "$sock" kill-server 2>/dev/null
    done <"$sockets"
    rm -f "$sockets"
    [ -f "$work/erin.pid" ] && kill "$(cat "$work/erin.pid")" 2>/dev/null
    exit 0
fi
[ "$cmd" = scenario ] && [ $# -eq 4 ] || {
    echo "profanity.sh: scenario needs WORK STACK PORT" >&2
    exit 2
}
stack=$3
port=$4
domain=localhost
passed=0
failed=0

pass() {
    passed=$((passed + 1))
    echo "ok   $1"
}

fail() {
    failed=$((failed + 1))
    printf 'FAIL %s\n     expected: %s\n     got:      %s\n' "$1" "$2" "$3"
}

# check NAME EXPECTED GOT: equal strings pass.
check() {
    if [ "$2" = "$3" ]; then pass "$1"; else fail "$1" "$2" "$3"; fi
}

home_of() { echo "$work/prof-$1"; }
log_of() { echo "$(home_of "$1")/data/profanity/logs/profanity.log"; }
sock_of() { echo "so-iop-$$-$1"; }

# screen USER: the visible window of USER's Profanity, joined lines.
screen() { tmux -L "$(sock_of "$1")" capture-pane -p -J -t main 2>/dev/null; }

# keys USER TEXT: type TEXT and Enter into USER's Profanity.
keys() { tmux -L "$(sock_of "$1")" send-keys -t main -l "$2" &&
    tmux -L "$(sock_of "$1")" send-keys -t main Enter; }

# wait_for SECONDS COMMAND...: polls COMMAND every 0.2 s until it succeeds.
wait_for() {
    local end=$((SECONDS + $1))
    shift
    while [ $SECONDS -lt $end ]; do
        "$@" && return 0
        sleep 0.2
    done
    "$@"
}

on_screen() { screen "$1" | grep -E -q -- "$2"; }
on_flat_screen() { screen "$1" | tr -s ' \n' '  ' | grep -E -q -- "$2"; }
in_log() { grep -E -q -- "$2" "$(log_of "$1")" 2>/dev/null; }

start_client() {
    local u=$1 h
    h=$(home_of "$u")
    mkdir -p "$h/config/profanity" "$h/data" "$h/cache" "$h/gnupg"
    chmod 700 "$h/gnupg"
    printf '[ui]\nroster=false\nsplash=false\n' >"$h/config/profanity/profrc"
    echo "$(sock_of "$u")" >>"$sockets"
    tmux -L "$(sock_of "$u")" -f /dev/null new-session -d -s main \
        -x 220 -y 60 \
        env HOME="$h" XDG_CONFIG_HOME="$h/config" XDG_DATA_HOME="$h/data" \
        XDG_CACHE_HOME="$h/cache" GNUPGHOME="$h/gnupg" TERM=xterm \
        profanity -l DEBUG
    wait_for 15 on_screen "$u" "Welcome to Profanity" || return 1
    keys "$u" "/connect $u@$domain server 127.0.0.1 port $port tls trust"
    wait_for 15 on_screen "$u" "[Pp]assword" || return 1
    keys "$u" "pw-$u"
    wait_for 20 on_screen "$u" "logged in successfully" || return 1
    keys "$u" "/omemo gen"
    wait_for 30 on_screen "$u" "Your Device ID is" || return 1
    # No /omemo clear_device_list: on a new account the server publishes
    # the device list with the first bundle (mod_omemo_pep).
    wait_for 10 in_log "$u" \
        "RECV: .*axolotl.devicelist.*<device id=\"$(device_id "$u")\"" ||
        return 1
}

# device_id USER: the OMEMO device id Profanity generated.
device_id() {
    screen "$1" | sed -n 's/.*Your Device ID is \([0-9]*\).*/\1/p' | tail -n 1
}

# fingerprint USER PEER: PEER's fingerprint as USER's screen shows it.
fingerprint() {
    screen "$1" | sed -n "s/.*$2@$domain's OMEMO fingerprint: \([0-9a-f-]*\).*/\1/p" |
        tail -n 1
}

# Asks USER's Profanity for PEER's fingerprint, restarting the OMEMO
# session when the bundle has not arrived (it is fetched at /omemo start).
fingerprint_known() {
    keys "$1" "/omemo fingerprint $2@$domain"
    if wait_for 2 on_screen "$1" "$2@$domain's OMEMO fingerprint: "; then
        return 0
    fi
    keys "$1" "/omemo end"
    keys "$1" "/omemo start $2@$domain"
    return 1
}

# trust USER PEER FP: trusts FP and waits for the session it builds; a
# message typed before that is not sent at all.
trust() {
    keys "$1" "/omemo trust $2@$domain $3"
    wait_for 10 in_log "$1" "create session with $2@$domain device" ||
        fail "$1 builds an OMEMO session with $2" "create session" \
            "$(grep -F "$2@$domain" "$(log_of "$1")" | tail -n 1)"
}

# sent_id USER TEXT: the id of the message USER sent with TEXT inside.
sent_id() {
    grep -E "SENT: <message " "$(log_of "$1")" | grep -F -- "$2" |
        sed -n 's/.*<message id="\([^"]*\)".*/\1/p' | tail -n 1
}

# received USER ID: the log lines of the message USER received with ID.
received() {
    awk -v id="id=\"$2\"" '
        /^[0-9]{4}-[0-9]{2}-[0-9]{2}T/ { keep = 0 }
        /RECV: <message / && index($0, id) { keep = 1 }
        keep' "$(log_of "$1")"
}

run_scenario() {
    start_client carol || { fail "carol logs in and publishes keys" \
        "Device ID and device list" "$(screen carol | tail -n 5)"; return; }
    pass "carol logs in, generates and publishes OMEMO keys"
    start_client dave || { fail "dave logs in and publishes keys" \
        "Device ID and device list" "$(screen dave | tail -n 5)"; return; }
    pass "dave logs in, generates and publishes OMEMO keys"
    local dave_dev
    dave_dev=$(device_id dave)
    wait_for 10 in_log carol "<device id=\"$dave_dev\"/>" ||
        true # /omemo start fetches the list again anyway

    # 1. carol -> dave, OMEMO 0.3, decrypted by dave's Profanity.
    keys carol "/omemo start dave@$domain"
    wait_for 15 fingerprint_known carol dave
    local fp
    fp=$(fingerprint carol dave)
    if [ -z "$fp" ]; then
        fail "carol fetches dave's bundle" "a fingerprint" \
            "$(screen carol | tail -n 4)"
        return
    fi
    pass "carol fetches dave's bundle ($fp)"
    trust carol dave "$fp"
    local text1="profanity one: encrypted hello from carol $$"
    keys carol "/msg dave@$domain $text1"
    wait_for 10 on_screen carol "~ me: $text1"
    local id1
    id1=$(sent_id carol "to=\"dave@$domain\" type=\"chat\"><encrypted ")
    local sent1
    sent1=$(grep -F "id=\"$id1\"" "$(log_of carol)" |
        grep -c "SENT: <message.*<encrypted xmlns=\"eu.siacs.conversations.axolotl\"")
    check "carol sends OMEMO 0.3 on the wire" 1 "$sent1"
    wait_for 15 in_log dave "RECV: <message id=\"$id1\""
    check "dave receives carol's message" "$id1" \
        "$(received dave "$id1" | sed -n 's/.*<message id="\([^"]*\)".*/\1/p' | head -n 1)"
    keys dave "/win 2"
    if wait_for 10 on_screen dave "~ carol@$domain/[^:]*: $text1"; then
        pass "dave's Profanity decrypts it (line marked ~)"
    else
        fail "dave's Profanity decrypts it" "~ carol@$domain/...: $text1" \
            "$(screen dave | grep -F "carol@$domain" | tail -n 3)"
    fi
    local body
    body=$(received dave "$id1" | tr '\n' ' ' | sed -n 's/.*<body>\(.*\)<\/body>.*/\1/p')
    if [ -n "${INTEROP_FALLBACK_EN:-}" ]; then
        case "$body" in
        *"$INTEROP_FALLBACK_EN"*) pass "dave's body beside OMEMO is the server fallback" ;;
        *) fail "dave's body beside OMEMO is the server fallback" \
            "$INTEROP_FALLBACK_EN" "$body" ;;
        esac
    fi

    # 1b. dave replies, OMEMO 0.3, decrypted by carol's Profanity.
    keys dave "/omemo start carol@$domain"
    wait_for 15 fingerprint_known dave carol
    local fp_carol
    fp_carol=$(fingerprint dave carol)
    if [ -z "$fp_carol" ]; then
        fail "dave fetches carol's bundle" "a fingerprint" \
            "$(screen dave | tail -n 4)"
        return
    fi
    keys dave "/omemo trust carol@$domain $fp_carol"
    local text1b="profanity one-b: encrypted reply from dave $$"
    keys dave "/msg carol@$domain $text1b"
    if wait_for 15 on_screen carol "~ dave@$domain/[^:]*: $text1b"; then
        pass "carol's Profanity decrypts dave's reply (line marked ~)"
    else
        fail "carol's Profanity decrypts dave's reply" \
            "~ dave@$domain/...: $text1b" \
            "$(screen carol | grep -F "dave@$domain" | tail -n 3)"
    fi

    # 2. carol's plaintext is refused; carol sees the error, dave nothing.
    local text2="profanity two: plaintext from carol $$ must not pass"
    keys carol "/omemo end"
    wait_for 5 on_screen carol "[Ee]nded? OMEMO|unencrypted" || true
    keys carol "/msg dave@$domain $text2"
    wait_for 5 in_log carol "SENT: <message .*$text2"
    local id2
    id2=$(sent_id carol "<body>$text2</body>")
    check "carol sends the plaintext on the wire" "<body>$text2</body>" \
        "$(grep -F "id=\"$id2\"" "$(log_of carol)" | grep -o "<body>$text2</body>" | head -n 1)"
    wait_for 10 in_log carol "RECV: <message id=\"$id2\"[^>]*type=\"error\""
    local err
    err=$(received carol "$id2" | tr '\n' ' ')
    case "$err" in
    *'type="error"'*'<error type="modify"><policy-violation xmlns="urn:ietf:params:xml:ns:xmpp-stanzas"/>'*)
        pass "carol receives modify/policy-violation with the same id" ;;
    *) fail "carol receives modify/policy-violation with the same id" \
        "<message id=\"$id2\" type=\"error\"><error type=\"modify\"><policy-violation/>" \
        "${err:-nothing}" ;;
    esac
    check "the error comes from dave's bare JID" "from=\"dave@$domain\"" \
        "$(echo "$err" | grep -o "from=\"[^\"]*\"" | head -n 1)"
    check "the error has en and ur texts" "en ur" \
        "$(echo "$err" | grep -o '<text [^>]*lang="[a-z]*"' | sed 's/.*lang="\([a-z]*\)"/\1/' | sort | tr '\n' ' ' | sed 's/ $//')"
    if wait_for 5 on_screen carol "Error from dave@$domain: "; then
        pass "carol's Profanity shows the error in the chat window"
    else
        fail "carol's Profanity shows the error" "Error from dave@$domain: ..." \
            "$(screen carol | tail -n 3)"
    fi
    # dave must see nothing: give the server the time it took for the error.
    if in_log dave "$text2"; then
        fail "dave receives nothing of the plaintext" "no stanza with it" \
            "$(grep -F -- "$text2" "$(log_of dave)" | head -n 1)"
    elif on_screen dave "$text2"; then
        fail "dave receives nothing of the plaintext" "nothing on screen" \
            "$(screen dave | grep -F -- "$text2")"
    else
        pass "dave receives nothing of the plaintext"
    fi
}

# 5. A plaintext to frank, who has never logged in: the refusal in the
# chat window says that frank has not set up encryption yet.
no_device_scenario() {
    local text5="profanity five: plaintext to frank $$"
    keys carol "/msg frank@$domain $text5"
    wait_for 5 in_log carol "SENT: <message .*$text5"
    local id5
    id5=$(sent_id carol "<body>$text5</body>")
    wait_for 10 in_log carol "RECV: <message id=\"$id5\"[^>]*type=\"error\""
    local err
    err=$(received carol "$id5" | tr '\n' ' ')
    local en_says="has not set up encryption yet"
    local ur_says="خفیہ کاری سیٹ اپ نہیں کی"
    case "$err" in
    *'lang="en">'*"$en_says"*'lang="ur">'*"$ur_says"*)
        pass "the refusal to frank says he has not set up encryption" ;;
    *) fail "the refusal to frank says he has not set up encryption" \
        "<text lang=\"en\">...$en_says...<text lang=\"ur\">...$ur_says..." \
        "${err:-nothing}" ;;
    esac
    # Profanity wraps long lines itself: read the window as one line.
    if wait_for 5 on_flat_screen carol \
        "Error from frank@$domain: .*has not set up encryption yet"; then
        pass "carol's Profanity shows it in frank's chat window"
    else
        fail "carol's Profanity shows it in frank's chat window" \
            "Error from frank@$domain: ...has not set up encryption yet" \
            "$(screen carol | tail -n 3)"
    fi
}

# ---- Profanity and the python-omemo peer (libsignal against python-omemo)

peer_out="$work/erin.out"

# Starts erin, a python-omemo peer in serve mode, reading commands from a
# FIFO held open on descriptor 7.
start_peer() {
    mkfifo "$work/erin.in"
    /usr/bin/python3 "$(dirname "$0")/omemo_peer.py" serve --stack "$stack" \
        --port "$port" --me "erin@$domain:pw-erin" --workdir "$work" \
        <"$work/erin.in" >"$peer_out" 2>"$work/erin.err" &
    echo $! >"$work/erin.pid"
    exec 7>"$work/erin.in"
    wait_for 30 grep -q '"event": "ready"' "$peer_out"
}

peer_cmd() { echo "$1" >&7; }
peer_said() { grep -F -q -- "$1" "$peer_out"; }

cross_scenario() {
    start_peer || { fail "erin (python-omemo) comes online" "ready" \
        "$(tail -n 3 "$work/erin.err")"; return; }
    pass "erin (python-omemo) comes online and publishes keys"
    local erin_fp
    erin_fp=$(sed -n 's/.*"fingerprint": "\([0-9a-f-]*\)".*/\1/p' "$peer_out")

    # 3. carol (Profanity) -> erin (python-omemo).
    keys carol "/omemo start erin@$domain"
    wait_for 15 fingerprint_known carol erin
    check "carol sees erin's python-omemo fingerprint" "$erin_fp" \
        "$(fingerprint carol erin)"
    trust carol erin "$erin_fp"
    local text3="profanity three: carol to python-omemo $$"
    keys carol "/msg erin@$domain $text3"
    local want3="\"omemo\": \"eu.siacs.conversations.axolotl\", \"text\": \"$text3\""
    if wait_for 15 peer_said "$want3"; then
        pass "python-omemo decrypts Profanity's OMEMO 0.3 message"
    else
        fail "python-omemo decrypts Profanity's OMEMO 0.3 message" "$want3" \
            "$(grep -F -- "carol@" "$peer_out" | tail -n 2)"
    fi

    # 4. erin (python-omemo) -> carol (Profanity).
    local text4="profanity four: python-omemo to carol $$"
    peer_cmd "{\"cmd\": \"send\", \"to\": \"carol@$domain\", \"omemo\": \"0.3\", \"text\": \"$text4\", \"body\": \"ERIN-CLIENT-FALLBACK\"}"
    if wait_for 15 on_screen carol "~ erin@$domain/[^:]*: $text4"; then
        pass "Profanity decrypts python-omemo's OMEMO 0.3 message (~)"
    else
        fail "Profanity decrypts python-omemo's OMEMO 0.3 message" \
            "~ erin@$domain/...: $text4" \
            "$(screen carol | grep -F "erin@" | tail -n 3) $(tail -n 2 "$peer_out")"
    fi
    peer_cmd '{"cmd": "quit"}'
}

: >"$sockets"
run_scenario
[ "$failed" -eq 0 ] && no_device_scenario
[ "$failed" -eq 0 ] && cross_scenario
echo "profanity: $passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
