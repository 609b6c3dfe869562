#!/usr/bin/env bash
# Attribution by an address learnt from an earlier flow's SNI, with no DNS in the capture
# (DoH / Private DNS): flow A says "ulogs.umeng.com" in its ClientHello; flow B, later, to
# the same server address carries an IMEI in raw TCP and no name of its own. B is
# attributed to umeng with sdk_match "ip". Controls: without flow A, B has no SDK; a name
# that is a CDN front end teaches nothing useful; a flow that started before the teacher is
# not taught; the name is forgotten after 10 minutes; the "ip" flow makes no sdk_contact.
# sdk_match_confidence follows the method (0.95 for SNI, 0.6 for a learnt address).
set -u
. "$LW_SOURCE_DIR/tests/lib/check.sh"
T=$(mktemp -d "${TMPDIR:-/tmp}/lw-learned.XXXXXX")
trap 'rm -rf "$T"' EXIT
mk() {  # out first-sni-or-"" gap-seconds [around: B opens before A and closes after]
    PYTHONPATH="$LW_SOURCE_DIR/tests/lib" python3 - "$@" <<'PY'
import sys, pcapmk
out, sni, gap = sys.argv[1], sys.argv[2], float(sys.argv[3])
around = len(sys.argv) > 4
p = pcapmk.Pcap(out)
MAC = "02:00:0a:00:00:02"
if around:
    b = pcapmk.TcpConn(p, MAC, "10.0.0.2", 40001, "198.51.100.7", 5222)
    p.t += gap
if sni:
    a = pcapmk.TcpConn(p, MAC, "10.0.0.2", 40000, "198.51.100.7", 443)
    a.exchange(pcapmk.tls_client_hello(sni))
    a.close()
if not around:
    p.t += gap
    b = pcapmk.TcpConn(p, MAC, "10.0.0.2", 40001, "198.51.100.7", 5222)
b.exchange(b"imei=869012045678914&os=android\n")
b.close()
p.close()
PY
}
summary() {  # events of the flow to port 5222: "event sdk sdk_match"
    "$LEAKWATCH" -q -t 1 --rules "$LW_SOURCE_DIR/data" -r "$1" | python3 -c "
import json, sys
for l in sys.stdin:
    e = json.loads(l)
    if e.get('dest_port') == 5222:
        print(e['event_type'], e.get('sdk'), e.get('sdk_match'), e.get('host'))
"
}
mk "$T/a.pcap" ulogs.umeng.com 1
check_eq "no DNS (no UDP at all) in the capture" 0 "$(python3 -c "
import struct, sys
d = open(sys.argv[1], 'rb').read(); o, udp = 24, 0
while o < len(d):
    n = struct.unpack('<I', d[o + 8:o + 12])[0]; udp += d[o + 16 + 23] == 17; o += 16 + n
print(udp)" "$T/a.pcap")"
summary "$T/a.pcap" > "$T/a"
cat "$T/a"
check_grep "finding attributed by the learnt address" "^privacy_leak umeng ip ulogs.umeng.com$" "$T/a"
check_grep "flow event names the SDK" "^flow umeng None ulogs.umeng.com$" "$T/a"
"$LEAKWATCH" -q -t 1 --rules "$LW_SOURCE_DIR/data" -r "$T/a.pcap" > "$T/a.json"
check_grep "flow A itself by SNI" '"dest_port":443,.*"sdk":"umeng".*"sdk_match":"sni"' "$T/a.json"
check_eq "confidence by method: SNI contact 0.95, learnt-address finding 0.6" "sdk_contact sni 0.95|privacy_leak ip 0.6" \
    "$(python3 -c "
import json, sys
for l in open(sys.argv[1]):
    e = json.loads(l)
    if e['event_type'] in ('sdk_contact', 'privacy_leak'):
        print(e['event_type'], e['sdk_match'], e['sdk_match_confidence'])" "$T/a.json" | paste -sd'|')"
check_eq "one contact, made by the flow that named the server" "sni" \
    "$(grep '"event_type":"sdk_contact"' "$T/a.json" | sed 's/.*"sdk_match":"\([a-z]*\)".*/\1/' | tr '\n' ' ' | sed 's/ $//')"

mk "$T/b.pcap" "" 1
summary "$T/b.pcap" > "$T/b"
check_grep "without the earlier flow: no SDK" "^privacy_leak None None None$" "$T/b"

mk "$T/c.pcap" d1234abcd.cloudfront.net 1
summary "$T/c.pcap" > "$T/c"
check_grep "a front-end name attributes no SDK" "^privacy_leak None None d1234abcd.cloudfront.net$" "$T/c"

mk "$T/e.pcap" ulogs.umeng.com 1 around
summary "$T/e.pcap" > "$T/e"
check_grep "a flow that started before the teacher learns nothing" "^privacy_leak None None None$" "$T/e"

mk "$T/d.pcap" ulogs.umeng.com 700
summary "$T/d.pcap" > "$T/d"
check_grep "forgotten after 10 minutes" "^privacy_leak None None None$" "$T/d"
check_done
