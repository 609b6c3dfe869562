#!/usr/bin/env bash
# QUIC + HTTP/3 decryption through the binary:
#   leakwatch -r cap.pcap --keylog keys.txt --profile P
# on the captures checked in under tests/data/quic/ (AES-128-GCM, AES-256-GCM,
# ChaCha20-Poly1305 on QUIC v1, AES-128-GCM on the v2 draft, each with key updates;
# always run) must report the IMEI in the
# HTTP/3 URI and the IMEI and OAID in the POST body, attributed to Umeng by the
# ClientHello's SNI, with "tls": true and "quic": true; the pcapng with the keys
# injected gives the same without --keylog; without keys: no finding, the SDK contact
# from the SNI, and the flow event says "dark_reason": "no_key". Then, with root and
# the ngtcp2 tools (else the live part is skipped and the test exits 77 after the
# checked-in part passed), fresh captures are made for each suite and the decoded URI
# and bodies are compared with what tshark decrypts (test_dissectors_quic --replay),
# and the binary's findings checked as above.
set -u
. "$LW_SOURCE_DIR/tests/lib/check.sh"
T=$(mktemp -d "${TMPDIR:-/tmp}/lw-quic.XXXXXX")
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
ev() { python3 -c "
import json,sys
for l in open(sys.argv[1]):
    e=json.loads(l)
    t=e['event_type']
    if t=='privacy_leak':
        i=e['identifier']
        print('leak', e['host'], e['sdk'], e['sdk_match'], e['device'], e.get('tls'), e.get('quic'), i['type'], i['where'], e['verdict'])
    elif t=='sdk_contact':
        print('contact', e['device'], e['sdk'], e['sdk_match'])
    elif t=='flow' and e['proto']=='UDP':
        print('flow', e['app_proto'], e['flow'].get('dark_reason'))
" "$1" | sort -u; }
stat() { python3 -c "
import json,sys
for l in open(sys.argv[1]):
    e=json.loads(l)
    if e['event_type']=='stats': print(e['stats']['dissectors'][sys.argv[2]])
" "$1" "$2" | tail -n 1; }

check_binary() {  # name dir
    local name=$1 d=$2
    "$LEAKWATCH" -q -r "$d/cap.pcap" --keylog "$d/keys.txt" --profile "$T/prof.yaml" > "$T/$name.json"
    check_eq "$name: exit" 0 $?
    ev "$T/$name.json" > "$T/$name.ev"
    check_grep "$name: IMEI in the HTTP/3 URI, by SNI, tls and quic" \
        "^leak ulogs.umeng.com umeng sni lab-phone True True imei http3.uri declared$" "$T/$name.ev"
    check_grep "$name: IMEI in the HTTP/3 body" \
        "^leak ulogs.umeng.com umeng sni lab-phone True True imei http3.body declared$" "$T/$name.ev"
    check_grep "$name: OAID in the HTTP/3 body" \
        "^leak ulogs.umeng.com umeng sni lab-phone True True oaid http3.body declared$" "$T/$name.ev"
    check_eq "$name: every finding is quic" 0 "$(grep '^leak' "$T/$name.ev" | grep -vc ' True True ')"
    # app_proto is nDPI's: QUIC for v1; nDPI 4.2 does not know the v2 draft.
    check_grep "$name: the flow is not dark" "^flow [A-Za-z]* None$" "$T/$name.ev"
    case $name in *v2draft*) ;; *) check_grep "$name: nDPI says QUIC" "^flow QUIC " "$T/$name.ev" ;; esac
    check_gt "$name: key updates followed" "$(stat "$T/$name.json" quic_key_updates)" 1
    check_eq "$name: no tag failure" 0 "$(stat "$T/$name.json" quic_auth_failed)"
    "$LEAKWATCH" -q -r "$d/cap.pcap" --profile "$T/prof.yaml" > "$T/$name-nokey.json"
    ev "$T/$name-nokey.json" > "$T/$name-nokey.ev"
    check_eq "$name: without keys no finding" 0 "$(grep -c '^leak' "$T/$name-nokey.ev")"
    check_grep "$name: without keys the SNI contact" "^contact lab-phone umeng sni$" "$T/$name-nokey.ev"
    check_grep "$name: without keys dark_reason no_key" "^flow [A-Za-z]* no_key$" "$T/$name-nokey.ev"
    check_eq "$name: without keys counted dark" 1 "$(stat "$T/$name-nokey.json" dark_no_key)"
}

for s in aes128 aes256 chacha v2draft; do
    check_binary "stored-$s" "$LW_SOURCE_DIR/tests/data/quic/$s"
done
d="$LW_SOURCE_DIR/tests/data/quic/chacha"
"$LEAKWATCH" -q -r "$d/cap-dsb.pcapng" --profile "$T/prof.yaml" > "$T/dsb.json"
ev "$T/dsb.json" > "$T/dsb.ev"
check_ok "DSB pcapng gives the findings the key log gives" \
    "diff <(grep '^leak' '$T/stored-chacha.ev') <(grep '^leak' '$T/dsb.ev')"
# Wrong secrets (last hex digit changed): nothing decrypted, nothing found, no crash.
python3 -c "import sys
for l in open(sys.argv[1]): l=l.rstrip(); print(l[:-1] + ('1' if l[-1] == '0' else '0'))" \
    "$d/keys.txt" > "$T/bad-keys.txt"
"$LEAKWATCH" -q -r "$d/cap.pcap" --keylog "$T/bad-keys.txt" --profile "$T/prof.yaml" > "$T/bad.json"
check_eq "bad keys: exit" 0 $?
check_eq "bad keys: no finding" 0 "$(ev "$T/bad.json" | grep -c '^leak')"
check_eq "bad keys: no 1-RTT packet used" 0 "$(stat "$T/bad.json" quic_flows_decrypted)"

# ---- live: fresh captures, compared with tshark ----
live=1
if [ "$(id -u)" != 0 ]; then echo "SKIP live: tcpdump on lo needs root"; live=0; fi
for t in gtlsserver gtlsclient tshark tcpdump editcap unshare; do
    command -v $t >/dev/null || { [ $live = 1 ] && echo "SKIP live: $t missing"; live=0; }
done
if [ $live = 0 ]; then
    check_done
    st=$?
    [ $st = 0 ] && exit 77
    exit $st
fi
port=$((40000 + $$ % 4000 * 5))
for s in AES-128-GCM AES-256-GCM CHACHA20-POLY1305 AES-128-GCM/v2draft; do
    d="$T/live-${s%/*}${s#*GCM}"
    ver=v1
    [ "${s#*/}" != "$s" ] && ver=${s#*/}
    bash "$LW_SOURCE_DIR/tests/data/quic/mkcap.sh" "$d" "$port" \
        "NORMAL:-VERS-ALL:+VERS-TLS1.3:-CIPHER-ALL:+${s%/*}" "$ver" >"$T/mk.log" 2>&1
    st=$?
    port=$((port + 1))
    if [ $st = 77 ]; then cat "$T/mk.log"; echo "SKIP: tools missing"; exit 77; fi
    check_eq "live $s: capture made ($(head -c 300 "$T/mk.log"))" 0 $st
    check_ok "live $s: URI as sent, bodies as tshark decrypts them" \
        "'$LW_BUILD_DIR/tests/test_dissectors_quic' --replay '$d' >'$T/replay.log'"
    cat "$T/replay.log"
    check_binary "live-$(basename "$d")" "$d"
done

# Live on lo: leakwatch follows a key log that starts empty while gtlsclient writes it,
# so packets wait for keys that come after they were captured.
L="$T/live"
mkdir -p "$L/www/v1" && echo hello > "$L/www/v1/track"
cp "$T/live-AES-128-GCM/"{key.pem,cert.pem,body.txt,hosts} "$L/"
: > "$L/keys.txt"
"$LEAKWATCH" -i lo --allow-root --keylog "$L/keys.txt" --profile "$T/prof.yaml" \
    --stats-interval 1 -o "$L/out.json" "udp port $port" 2>"$L/err" &
lpid=$!
# Running once it has written its first periodic stats event.
for _ in $(seq 200); do grep -q '"event_type":"stats"' "$L/out.json" 2>/dev/null && break; sleep 0.05; done
(cd "$L" && exec gtlsserver -q -d www 127.0.0.1 "$port" key.pem cert.pem >server.log 2>&1) &
spid=$!
for _ in $(seq 100); do ss -Huln "sport = :$port" | grep -q . && break; sleep 0.05; done
(cd "$L" && SSLKEYLOGFILE="$L/keys.txt" unshare -m sh -c 'mount --bind hosts /etc/hosts && exec "$@"' sh \
    timeout 20 gtlsclient -q --exit-on-all-streams-close -d body.txt -m POST ulogs.umeng.com "$port" \
    "https://ulogs.umeng.com:$port/v1/track?imei=869012045678914" >client.log 2>&1)
check_eq "live follow: client exit" 0 $?
# Stop once the flow's packets were read: the next periodic stats counts them.
for _ in $(seq 100); do
    [ "$(grep '"event_type":"stats"' "$L/out.json" | tail -n 1 | python3 -c "import json,sys
l=sys.stdin.read().strip()
print(json.loads(l)['stats']['dissectors']['quic_packets'] if l else 0)")" -gt 5 ] && break
    sleep 0.1
done
kill -INT $lpid
wait $lpid
check_eq "live follow: exit after SIGINT" 0 $?
kill $spid 2>/dev/null
wait $spid 2>/dev/null
ev "$L/out.json" > "$L/ev"
check_grep "live follow: IMEI in the HTTP/3 URI (stderr: $(head -c 200 "$L/err"))" \
    "^leak ulogs.umeng.com umeng sni lab-phone True True imei http3.uri declared$" "$L/ev"
check_grep "live follow: IMEI in the HTTP/3 body" \
    "^leak ulogs.umeng.com umeng sni lab-phone True True imei http3.body declared$" "$L/ev"
echo "live follow: quic_waited $(stat "$L/out.json" quic_waited), dropped $(stat "$L/out.json" quic_waiting_dropped)"
check_done
