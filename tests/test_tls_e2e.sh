#!/usr/bin/env bash
# TLS decryption through the binary, on real loopback traffic made here
# (tests/data/tls/mkcap.sh: openssl s_server / nghttpd, curl with SSLKEYLOGFILE, tcpdump):
#   leakwatch -r cap.pcap --keylog keys.txt --profile P
# must report the IMEI and OAID that tshark decrypts from the same capture, in the URI
# query, a header and a gzip JSON body (HTTP/1.1) or their HTTP/2 places, attributed to
# Umeng by SNI, with "tls": true. The pcapng with the keys injected by editcap gives the
# same findings without --keylog. Without keys: no decrypted finding, but the SDK contact
# (from SNI) is still there. Live on lo, a key log followed while curl writes it gives
# the same. Skips (77) without root/tools, or if the binary has no --keylog.
set -u
. "$LW_SOURCE_DIR/tests/lib/check.sh"
if [ "$(id -u)" != 0 ]; then echo "SKIP: tcpdump on lo needs root"; exit 77; fi
if ! "$LEAKWATCH" --help 2>&1 | grep -q -- --keylog; then
    echo "SKIP: this leakwatch has no --keylog option"
    exit 77
fi
T=$(mktemp -d "${TMPDIR:-/tmp}/lw-tls.XXXXXX")
trap 'rm -rf "$T"' EXIT
cat > "$T/prof.yaml" <<'X'
devices:
  - id: lab-phone
    ip: 127.0.0.1
    app: com.weipai.xiaoyingkankan
    policy: xiaoying-kankan
    identifiers:
      imei: "869012045678914"
      oaid: "1f2e3d4c-aaaa-bbbb-cccc-0123456789ab"
X
leaks() { python3 -c "
import json,sys
for l in open(sys.argv[1]):
    e=json.loads(l)
    if e['event_type']=='privacy_leak':
        i=e['identifier']
        print('leak', e['host'], e['sdk'], e['sdk_match'], e['device'], e.get('tls'), i['type'], i['form'], i['where'], i['key'], e['verdict'])
    elif e['event_type']=='sdk_contact':
        print('contact', e['device'], e['sdk'], e['sdk_match'])
" "$1" | sort -u; }
stat() { python3 -c "
import json,sys
for l in open(sys.argv[1]):
    e=json.loads(l)
    if e['event_type']=='stats': print(e['stats']['dissectors'][sys.argv[2]])
" "$1" "$2"; }

port=$((30000 + $$ % 5000 * 5))
run() {  # name kind where-prefix curl-options...
    local name=$1 kind=$2 w=$3
    shift 3
    local d="$T/$name"
    bash "$LW_SOURCE_DIR/tests/data/tls/mkcap.sh" "$d" "$port" "$kind" "$@" >"$T/mk.log" 2>&1
    local st=$?
    port=$((port + 1))
    if [ $st = 77 ]; then cat "$T/mk.log"; echo "SKIP: tools missing"; exit 77; fi
    check_eq "$name: capture made" 0 $st
    "$LEAKWATCH" -q -r "$d/cap.pcap" --keylog "$d/keys.txt" --profile "$T/prof.yaml" > "$d/out.json"
    check_eq "$name: exit" 0 $?
    leaks "$d/out.json" > "$d/leaks"
    check_grep "$name: tshark decrypted the IMEI query" "imei=869012045678914" "$d/tshark-uri.txt"
    check_grep "$name: IMEI in the URI" \
        "^leak ulogs.umeng.com umeng sni lab-phone True imei plain $w.uri imei declared$" "$d/leaks"
    check_grep "$name: OAID in a header" \
        "^leak ulogs.umeng.com umeng sni lab-phone True oaid plain $w.header [Xx]-[Oo]aid declared$" "$d/leaks"
    check_grep "$name: IMEI in the gzip JSON body" \
        "^leak ulogs.umeng.com umeng sni lab-phone True imei plain $w.body imei declared$" "$d/leaks"
    check_eq "$name: no finding without tls:true" 0 "$(grep '^leak' "$d/leaks" | grep -vc ' True ')"
    check_gt "$name: records decrypted" "$(stat "$d/out.json" tls_decrypted_records)" 0
    check_eq "$name: no tag failure" 0 "$(stat "$d/out.json" tls_auth_failed)"
    # The same secrets from the pcapng's Decryption Secrets Block.
    "$LEAKWATCH" -q -r "$d/cap-dsb.pcapng" --profile "$T/prof.yaml" > "$d/dsb.json"
    leaks "$d/dsb.json" > "$d/dsb-leaks"
    check_ok "$name: DSB pcapng gives the same findings" "diff '$d/leaks' '$d/dsb-leaks'"
    # No keys: nothing decrypted, the contact stays.
    "$LEAKWATCH" -q -r "$d/cap.pcap" --profile "$T/prof.yaml" > "$d/nokey.json"
    leaks "$d/nokey.json" > "$d/nokey-leaks"
    check_eq "$name: without keys no decrypted finding" 0 "$(grep -c "$w\." "$d/nokey-leaks")"
    check_grep "$name: without keys the SNI contact" "^contact lab-phone umeng sni$" "$d/nokey-leaks"
}
run tls12-gcm h1 http --tlsv1.2 --tls-max 1.2 --ciphers ECDHE-ECDSA-AES128-GCM-SHA256
run tls12-chacha h1 http --tlsv1.2 --tls-max 1.2 --ciphers ECDHE-ECDSA-CHACHA20-POLY1305
run tls13-aes256 h1 http --tlsv1.3 --tls13-ciphers TLS_AES_256_GCM_SHA384
run tls13-chacha h1 http --tlsv1.3 --tls13-ciphers TLS_CHACHA20_POLY1305_SHA256
run h2-tls13 h2 http2 --tlsv1.3
run h2-tls12 h2 http2 --tlsv1.2 --tls-max 1.2

# A key log with garbage and wrong secrets: counted, no finding, no crash.
d="$T/tls13-chacha"
{ echo "garbage line"; echo "CLIENT_RANDOM 00 11"
  python3 -c "import sys
for l in open(sys.argv[1]): l=l.rstrip(); print(l[:-1] + ('1' if l[-1] == '0' else '0'))" "$d/keys.txt"
} > "$T/bad-keys.txt"
"$LEAKWATCH" -q -r "$d/cap.pcap" --keylog "$T/bad-keys.txt" --profile "$T/prof.yaml" > "$T/bad.json"
check_eq "bad keys: exit" 0 $?
check_eq "bad keys: no decrypted finding" 0 "$(leaks "$T/bad.json" | grep -c 'http\.')"
check_grep "bad keys: garbage lines counted" '"keylog_bad_lines": *2' "$T/bad.json"

# Live on lo: the key log is empty while the exchange is captured, and curl's keys are
# appended only once a stats event shows the worker has taken the TLS bytes, so the
# records must wait for keys that arrive later. Each step waits for what the events
# say (periodic stats, --stats-interval 1), never for a fixed time.
L="$T/live"
mkdir -p "$L"
: > "$L/keys.txt"
lport=$port
# periodic STATS-PATH MIN: up to 60 s for a periodic stats event with that value >= MIN.
periodic() {
    for _ in $(seq 600); do
        python3 - "$L/out.json" "$1" "$2" <<'PY' && return 0
import json, sys
try:
    lines = open(sys.argv[1]).read().split("\n")[:-1]
except FileNotFoundError:
    sys.exit(1)
for l in lines:
    e = json.loads(l)
    if e["event_type"] != "stats" or e["stats"]["final"]:
        continue
    v = e["stats"]
    for k in sys.argv[2].split("."):
        v = v.get(k, {}) if isinstance(v, dict) else {}
    if isinstance(v, int) and v >= int(sys.argv[3]):
        sys.exit(0)
sys.exit(1)
PY
        sleep 0.1
    done
    return 1
}
openssl s_server -accept "127.0.0.1:$lport" -cert "$d/cert.pem" -key "$d/key.pem" -www \
    -quiet </dev/null >/dev/null 2>&1 &
spid=$!
"$LEAKWATCH" -i lo --allow-root --stats-interval 1 --close-timeout 600 \
    --keylog "$L/keys.txt" --profile "$T/prof.yaml" -o "$L/out.json" "tcp port $lport" \
    2>"$L/err" &
lpid=$!
check_ok "live: capture running (a periodic stats event)" "periodic packets 0"
SSLKEYLOGFILE="$L/curl-keys.txt" curl -s -o /dev/null -k --max-time 10 --tlsv1.3 \
    --resolve "ulogs.umeng.com:$lport:127.0.0.1" \
    "https://ulogs.umeng.com:$lport/v1/track?imei=869012045678914"
check_ok "live: the worker has the TLS bytes, no key yet" "periodic tcp.stream_bytes 1000"
cat "$L/curl-keys.txt" >> "$L/keys.txt"
check_ok "live: the followed key log was read" "periodic keylog.keylog_secrets 1"
kill -INT $lpid
wait $lpid
check_eq "live: exit after SIGINT" 0 $?
kill $spid 2>/dev/null
wait $spid 2>/dev/null
# No stats event means the live run did not work: that is a failure, not a pass.
check_grep "live: stats written (live capture on lo ran; stderr: $(head -c 200 "$L/err"))" \
    '"event_type":"stats"' "$L/out.json"
check_grep "live: IMEI found with keys read while following the key log" \
    "^leak ulogs.umeng.com umeng sni lab-phone True imei plain http.uri imei declared$" \
    <(leaks "$L/out.json")
check_gt "live: records waited for their key, then were decrypted" \
    "$(stat "$L/out.json" tls_waited | tail -n 1)" 0
check_eq "live: nothing dropped while waiting" 0 \
    "$(stat "$L/out.json" tls_waiting_dropped | tail -n 1)"
check_done
