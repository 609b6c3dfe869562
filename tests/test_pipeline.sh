#!/usr/bin/env bash
# End to end through the binary: generated captures (tests/gen/pcapgen) for worker-count
# independence, reassembly under reordering and retransmission, link types, VLANs,
# filters and bad input; and real public captures nobody on the team wrote.
set -u
. "$LW_SOURCE_DIR/tests/lib/check.sh"
T=$(mktemp -d "${TMPDIR:-/tmp}/lw-pipeline.XXXXXX")
trap 'rm -rf "$T"' EXIT
# --stats-interval 1: periodic stats may appear in any run (they must not disturb
# anything else), and the tsan build checks them for races.
LW="$LEAKWATCH -q --stats-interval 1"

# Flow lines only, sorted: the set a run produced.
flows() { grep '"event_type":"flow"' "$1" | sort; }
# A stats field (dotted path) from the last line.
jstat() { tail -n 1 "$1" | python3 -c "import json,sys; d=json.load(sys.stdin)['stats']
for k in '$2'.split('.'): d=d[k]
print(d)"; }
# "client_port stream_bytes_toserver stream_bytes_toclient" per flow, sorted.
streams() { grep '"event_type":"flow"' "$1" | python3 -c "
import json,sys
for l in sys.stdin:
    e=json.loads(l); f=e['flow']
    print(e['src_port'], f['stream_bytes_toserver'], f['stream_bytes_toclient'])" | sort -n; }

echo "== the same flows whatever the number of workers"
"$PCAPGEN" -o "$T/http.pcap" --flows 300 --requests-per-flow 2 --seed 7 2>/dev/null
$LW -t 1 -r "$T/http.pcap" > "$T/t1.json"; check_eq "exit -t 1" 0 $?
$LW -t 2 -r "$T/http.pcap" > "$T/t2.json"; check_eq "exit -t 2" 0 $?
$LW -t 4 -r "$T/http.pcap" > "$T/t4.json"
check_eq "300 flows" 300 "$(flows "$T/t1.json" | wc -l)"
check_eq "-t 1 and -t 2 give the same flow set" "$(flows "$T/t1.json" | md5sum)" "$(flows "$T/t2.json" | md5sum)"
check_eq "-t 1 and -t 4 give the same flow set" "$(flows "$T/t1.json" | md5sum)" "$(flows "$T/t4.json" | md5sum)"
check_eq "every flow is HTTP" 300 "$(grep -c '"app_proto":"HTTP' "$T/t1.json")"
check_eq "every flow named by its Host" 300 "$(grep -c '"host":"[a-z.-]*example' "$T/t1.json")"
check_eq "every flow ended closed" 300 "$(grep -c '"reason":"closed"' "$T/t1.json")"
check_eq "no gaps" 0 "$(jstat "$T/t1.json" tcp.gaps)"

echo "== under reordering and retransmission every byte is delivered once"
"$PCAPGEN" -o "$T/perturbed.pcap" --flows 300 --requests-per-flow 2 --seed 7 \
    --reorder 400 --retransmit 300 --split-at 20,45,90 2>/dev/null
$LW -t 2 -r "$T/perturbed.pcap" > "$T/p.json"
# The oracle reads the pcap itself: bytes between SYN and the highest sequence sent.
python3 "$LW_SOURCE_DIR/tests/lib/pcap_spans.py" "$T/perturbed.pcap" > "$T/spans"
check_eq "300 flow spans from the oracle" 300 "$(wc -l < "$T/spans")"
check_eq "delivered bytes per direction = the oracle's" "$(md5sum < "$T/spans")" "$(streams "$T/p.json" | md5sum)"
check_gt "segments arrived out of order" "$(jstat "$T/p.json" tcp.out_of_order)" 0
check_gt "segments were retransmitted" "$(jstat "$T/p.json" tcp.retransmitted)" 0
check_eq "still no gaps" 0 "$(jstat "$T/p.json" tcp.gaps)"
check_gt "bytes delivered" "$(jstat "$T/p.json" tcp.stream_bytes)" 100000

echo "== link types, VLAN tags, IPv6"
for link in raw sll sll2; do
    "$PCAPGEN" -o "$T/$link.pcap" --flows 20 --link $link --seed 3 2>/dev/null
    $LW -r "$T/$link.pcap" > "$T/$link.json"
    check_eq "$link: 20 HTTP flows" 20 "$(grep -c '"app_proto":"HTTP' "$T/$link.json")"
done
"$PCAPGEN" -o "$T/qinq.pcap" --flows 20 --vlan 100,200 --seed 3 2>/dev/null
$LW -r "$T/qinq.pcap" > "$T/qinq.json"
check_eq "QinQ: both tags on every flow" 20 "$(grep -c '"vlan":\[100,200\]' "$T/qinq.json")"
"$PCAPGEN" -o "$T/v6.pcap" --flows 20 --ipv6 --vlan 7 --seed 3 2>/dev/null
$LW -r "$T/v6.pcap" > "$T/v6.json"
check_eq "IPv6 over 802.1Q: 20 HTTP flows" 20 "$(grep '"vlan":\[7\]' "$T/v6.json" | grep -c '"src_ip":"2001:db8')"

echo "== several files, a BPF filter, -o"
$LW -r "$T/raw.pcap" -r "$T/sll.pcap" > "$T/two.json"
check_eq "two files: flows of both" 40 "$(flows "$T/two.json" | wc -l)"
$LW -r "$T/http.pcap" tcp port 10000 > "$T/filt.json"
check_eq "filter keeps one flow" 1 "$(flows "$T/filt.json" | wc -l)"
check_gt "filtered packets counted" "$(jstat "$T/filt.json" filtered)" 1000
$LW -r "$T/http.pcap" -o "$T/out.json"; check_eq "exit with -o" 0 $?
check_eq "-o holds what stdout would" "$(flows "$T/t1.json" | md5sum)" "$(flows "$T/out.json" | md5sum)"
$LW -r "$T/http.pcap" 'tcp port' > /dev/null 2> "$T/err"
check_eq "bad filter: usage exit" 1 $?
check_grep "bad filter: message" "bad filter expression 'tcp port'" "$T/err"

echo "== bad input"
size=$(stat -c %s "$T/http.pcap")
head -c $((size / 2 + 7)) "$T/http.pcap" > "$T/trunc.pcap"
$LW -r "$T/trunc.pcap" > "$T/trunc.json" 2> "$T/err"
check_eq "truncated capture: exit 2" 2 $?
check_grep "truncated: names file and packet" "trunc.pcap: packet [0-9]*: truncated" "$T/err"
check_gt "truncated: flows before the damage written" "$(flows "$T/trunc.json" | wc -l)" 100
check_eq "truncated: stats still written" 1 "$(grep -c '"final":true' "$T/trunc.json")"
: > "$T/empty.pcap"
$LW -r "$T/empty.pcap" > /dev/null 2> "$T/err"; check_eq "empty file: exit 2" 2 $?
check_grep "empty file: named" "empty.pcap: cannot read" "$T/err"
$LW -r "$LW_SOURCE_DIR/README.md" > /dev/null 2> "$T/err"; check_eq "not a capture: exit 2" 2 $?
check_grep "not a capture: named" "README.md: cannot read as pcap" "$T/err"
$LW -r "$T/missing.pcap" -r "$T/raw.pcap" > "$T/m.json" 2> "$T/err"
check_eq "missing file then a good one: exit 2" 2 $?
check_eq "missing file then a good one: good one read" 20 "$(flows "$T/m.json" | wc -l)"
# Corrupt records: random bytes over the body of a capture. No crash, whatever it says.
python3 - "$T/http.pcap" "$T/corrupt.pcap" <<'EOF'
import random, sys
b = bytearray(open(sys.argv[1], 'rb').read())
r = random.Random(5)
for _ in range(3000):
    i = r.randrange(24, len(b))
    b[i] = r.randrange(256)
open(sys.argv[2], 'wb').write(b)
EOF
$LW -r "$T/corrupt.pcap" > "$T/c.json" 2> "$T/err"; rc=$?
check_ok "corrupt capture: no crash (exit $rc)" "[ $rc -eq 0 ] || [ $rc -eq 2 ]"
check_eq "corrupt capture: stats written" 1 "$(grep -c '"final":true' "$T/c.json")"
$LW -r 2> /dev/null; check_eq "-r without a file: usage exit" 1 $?
$LW -t 0 -r "$T/raw.pcap" 2> "$T/err"; check_eq "-t 0 refused" 1 $?
check_grep "-t 0 message" "not a number between 1 and 256" "$T/err"

echo "== real captures (nDPI test suite, see tests/data/pcaps/README.md)"
PCAPS="$LW_SOURCE_DIR/tests/data/pcaps"
$LW -r "$PCAPS/android.pcap" > "$T/android.json"; check_eq "android.pcap exit" 0 $?
check_grep "android.pcap: Firebase host by TLS SNI" '"host":"app-measurement.com"' "$T/android.json"
check_grep "android.pcap: Google Play services" '"host":"android.clients.google.com"' "$T/android.json"
check_grep "android.pcap: DNS named" '"app_proto":"DNS' "$T/android.json"
$LW -r "$PCAPS/alexa-app.pcapng" > "$T/alexa.json"; check_eq "pcapng exit" 0 $?
check_grep "alexa-app.pcapng: Amazon mobile analytics" '"host":"mobileanalytics.us-east-1.amazonaws.com"' "$T/alexa.json"
$LW -r "$PCAPS/quickplay.pcap" > "$T/qp.json"
check_grep "quickplay.pcap: plain HTTP to WeChat" '"app_proto":"HTTP[^"]*","app_category":"[A-Za-z]*","host":"hkextshort.weixin.qq.com"' "$T/qp.json"

check_done
