#!/usr/bin/env bash
# SIGHUP during live capture: the profile is read again and compiled while capture
# goes on. Flows before the reload are judged with the old profile (device
# "pixel6-a"), flows after with the new one ("pixel6-b"); a profile with a YAML error
# is refused with file:line and the old rules stay; no packet is lost throughout.
# Needs network namespaces (root) and tcpreplay; otherwise skipped (77) with a reason.
set -u
. "$LW_SOURCE_DIR/tests/lib/check.sh"
. "$LW_SOURCE_DIR/tests/lib/netns.sh"
netns_setup r

PLANT='imei=869012045678914&oaid=1f2e3d4c-aaaa-bbbb-cccc-0123456789ab'
# Same phone, same ports; the hosts tell the two halves apart.
"$PCAPGEN" -o "$T/before.pcap" --flows 20 --seed 1 --hosts ulogs.umeng.com --plant "$PLANT" 2>/dev/null
"$PCAPGEN" -o "$T/after.pcap" --flows 20 --seed 2 --hosts app.adjust.com --plant "$PLANT" 2>/dev/null
# Flows open across the reload: everything but the closes (3 packets per flow) before
# it, the closes after. A flow keeps the rules in force when its first payload byte was
# inspected.
"$PCAPGEN" -o "$T/span.pcap" --flows 4 --concurrent --seed 3 --hosts api.example-vendor.com \
    --plant "$PLANT" 2>/dev/null
NS=$(tcpdump -r "$T/span.pcap" 2>/dev/null | wc -l)
tcpdump -r "$T/span.pcap" -w "$T/span1.pcap" -c $((NS - 12)) 2>/dev/null
python3 - "$T/span.pcap" "$T/span2.pcap" $((NS - 12)) <<'PY'
import sys
# The last 16 records of span.pcap (classic pcap, 24-byte header, 16-byte record headers).
d = open(sys.argv[1], 'rb').read(); off = 24; recs = []
while off < len(d):
    n = int.from_bytes(d[off + 8:off + 12], 'little'); recs.append(d[off:off + 16 + n]); off += 16 + n
open(sys.argv[2], 'wb').write(d[:24] + b''.join(recs[int(sys.argv[3]):]))
PY
N1=$(tcpdump -r "$T/before.pcap" 2>/dev/null | wc -l)
N2=$(tcpdump -r "$T/after.pcap" 2>/dev/null | wc -l)
cp "$LW_SOURCE_DIR/docs/sample/lab.yaml" "$T/profile.yaml"
chmod 644 "$T/profile.yaml"

waitfor() {  # regex file: up to 10 s
    for _ in $(seq 100); do grep -q -- "$1" "$2" && return 0; sleep 0.1; done
    return 1
}

ip netns exec "$NB" "$LEAKWATCH" -q -t 2 -i "$VB" --user nobody --close-timeout 1 \
    --stats-interval 1 \
    --profile "$T/profile.yaml" --rules "$T/rules" tcp > "$T/out.json" 2> "$T/err.txt" &
LWPID=$!
sleep 1
ip netns exec "$NA" tcpreplay -q --pps=1000 -i "$VA" "$T/before.pcap" > /dev/null 2>&1
check_eq "first replay" 0 $?
# The three captures reuse the same addresses and ports: let the closed flows of one
# end (--close-timeout 1, wall clock) before the same 5-tuples come back.
sleep 3
ip netns exec "$NA" tcpreplay -q --pps=1000 -i "$VA" "$T/span1.pcap" > /dev/null 2>&1

echo "== a broken profile is refused, old rules kept"
printf 'devices:\n  - id: [unclosed\n' > "$T/profile.yaml"
kill -HUP "$LWPID"
check_ok "failure reported on stderr" "waitfor 'reload failed, keeping rules generation 1' '$T/err.txt'"
check_grep "the reason names file and line" "reload failed.*profile.yaml:[0-9]" "$T/err.txt"

echo "== a new profile is swapped in"
sed 's/pixel6-a/pixel6-b/' "$LW_SOURCE_DIR/docs/sample/lab.yaml" > "$T/profile.yaml"
kill -HUP "$LWPID"
check_ok "success reported on stderr" "waitfor 'rules generation 2 compiled' '$T/err.txt'"
sleep 1
ip netns exec "$NA" tcpreplay -q --pps=1000 -i "$VA" "$T/span2.pcap" > /dev/null 2>&1
sleep 3
ip netns exec "$NA" tcpreplay -q --pps=1000 -i "$VA" "$T/after.pcap" > /dev/null 2>&1
check_eq "second replay" 0 $?
sleep 1
kill -INT "$LWPID"
wait "$LWPID"
check_eq "exit 0" 0 $?
LWPID=
cat "$T/err.txt"

# "host device" per finding.
hd() { grep '"event_type":"privacy_leak"' "$T/out.json" | python3 -c "
import json,sys
for l in sys.stdin:
    e=json.loads(l); print(e.get('host'), e.get('device'))" | sort | uniq -c | awk '{print $2, $3, $1}'; }
hd > "$T/hd"
cat "$T/hd"
check_ok "flows before the reload: old profile" "grep -q '^ulogs.umeng.com pixel6-a ' '$T/hd'"
check_ok "flows after the reload: new profile" "grep -q '^app.adjust.com pixel6-b ' '$T/hd'"
check_ok "flows open across the reload finish with the old profile" \
    "grep -q '^api.example-vendor.com pixel6-a ' '$T/hd'"
check_eq "no finding with the wrong profile" 3 "$(wc -l < "$T/hd")"
check_eq "spanning flows closed normally after the reload" 4 \
    "$(grep '"event_type":"flow"' "$T/out.json" | grep -c 'api.example-vendor.com.*"reason":"closed"')"
check_eq "as many findings before as after" "$(awk '/umeng/{print $3}' "$T/hd")" "$(awk '/adjust/{print $3}' "$T/hd")"
check_grep "reload event: failure with reason" '"event_type":"reload".*"ok":false.*"error":"[^"]*profile.yaml:[0-9]' "$T/out.json"
check_grep "reload event: success, generation 2" '"event_type":"reload".*"ok":true.*"generation":2' "$T/out.json"
last() { grep '"event_type":"stats"' "$T/out.json" | tail -n 1 | python3 -c "import json,sys; d=json.load(sys.stdin)['stats']
for k in '$1'.split('.'): d=d[k]
print(d)"; }
check_eq "no packet lost: all captured" $((N1 + N2 + NS)) "$(last packets)"
check_eq "kernel drops" 0 "$(last capture.kernel_drops)"
check_eq "rules generation in stats" 2 "$(last rules_generation)"
check_eq "one reload, one failure" "1 1" "$(last reloads) $(last reload_failures)"
check_done
