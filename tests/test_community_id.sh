#!/usr/bin/env bash
# Defect 13 of issue 15: every flow-bound event carries community_id (Community ID v1)
# and, reading files, pcap_cnt. Oracles: a Python implementation written here from
# the spec (https://github.com/corelight/community-id-spec), checked first against the
# spec's own example, computed from each event's src/dest/ports/proto; and, when tshark
# is installed, Wireshark's communityid post-dissector on the packet pcap_cnt names,
# which also proves pcap_cnt points at a packet of that flow (and for a finding, at the
# packet that carried the identifier). Covered: TCP, UDP, IPv6, several -r files.
set -u
. "$LW_SOURCE_DIR/tests/lib/check.sh"
T=$(mktemp -d "${TMPDIR:-/tmp}/lw-cid.XXXXXX")
trap 'rm -rf "$T"' EXIT
cat > "$T/cid.py" <<'PY'
import base64, hashlib, json, socket, struct, sys

def community_id(saddr, daddr, proto, sport=None, dport=None, seed=0):
    fam = socket.AF_INET6 if ":" in saddr else socket.AF_INET
    s, d = socket.inet_pton(fam, saddr), socket.inet_pton(fam, daddr)
    if sport is not None and not (s < d or (s == d and sport < dport)):
        s, d, sport, dport = d, s, dport, sport
    elif sport is None and not s <= d:
        s, d = d, s
    data = struct.pack("!H", seed) + s + d + struct.pack("BB", proto, 0)
    if sport is not None:
        data += struct.pack("!HH", sport, dport)
    return "1:" + base64.b64encode(hashlib.sha1(data).digest()).decode()

PROTO = {"TCP": 6, "UDP": 17}
if sys.argv[1] == "selftest":
    # The spec's example (README, "Technical details"): TCP 128.232.110.120:34855 ->
    # 66.35.250.204:80; both directions give one value.
    a = community_id("128.232.110.120", "66.35.250.204", 6, 34855, 80)
    b = community_id("66.35.250.204", "128.232.110.120", 6, 80, 34855)
    print(a, b)
    sys.exit(0 if a == b == "1:LQU9qZlK+B5F3KDmev6m5PMibrg=" else 1)
bad = n = 0
for line in open(sys.argv[2]):
    e = json.loads(line)
    if "flow_id" not in e:
        continue
    n += 1
    want = community_id(e["src_ip"], e["dest_ip"], PROTO[e["proto"]], e["src_port"], e["dest_port"])
    if e.get("community_id") != want or not isinstance(e.get("pcap_cnt"), int):
        bad += 1
        print("MISMATCH", e["event_type"], e.get("community_id"), want, e.get("pcap_cnt"))
    else:
        print("pkt", e["event_type"], e["pcap_cnt"], e["community_id"])
print("events", n, "bad", bad)
PY
python3 "$T/cid.py" selftest > "$T/self"; check_eq "oracle reproduces the spec's example" 0 $?
S="$LW_SOURCE_DIR/docs/sample/lab-sample.pcap"
"$PCAPGEN" -o "$T/v6.pcap" --flows 20 --ipv6 --seed 4 2> /dev/null
python3 - "$T/udp.pcap" <<'PY'
import struct, sys
f = open(sys.argv[1], "wb")
f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
for i, (src, dst, sp, dp) in enumerate([((10, 0, 0, 9), (10, 0, 0, 1), 5353, 5353),
                                         ((192, 168, 1, 20), (8, 8, 4, 4), 40001, 53),
                                         ((8, 8, 4, 4), (192, 168, 1, 20), 53, 40001)]):
    udp = struct.pack("!HHHH", sp, dp, 9, 0) + b"x"
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 28 + 1, i, 0, 64, 17, 0, bytes(src), bytes(dst))
    fr = bytes.fromhex("020000000001020000000002") + b"\x08\x00" + ip + udp
    f.write(struct.pack("<IIII", 1767225600 + i, 0, len(fr), len(fr)) + fr)
PY
"$LEAKWATCH" -q -r "$S" --profile "$LW_SOURCE_DIR/docs/sample/lab.yaml" > "$T/s.json"
check_eq "sample: exit 0" 0 $?
"$LEAKWATCH" -q -r "$T/v6.pcap" -r "$T/udp.pcap" > "$T/m.json"
check_eq "IPv6 TCP + UDP, two files: exit 0" 0 $?
for r in s m; do
    python3 "$T/cid.py" check "$T/$r.json" > "$T/$r.cid"
    check_grep "$r: every flow-bound event has the oracle's community_id and a pcap_cnt" "bad 0$" "$T/$r.cid"
    check_gt "$r: flow-bound events checked" "$(sed -n 's/^events \([0-9]*\).*/\1/p' "$T/$r.cid")" 5
done
check_grep "sample: findings checked too" "^pkt privacy_leak " "$T/s.cid"
check_grep "UDP flows in the second file are numbered after the first file's packets" "^pkt flow " "$T/m.cid"
check_eq "no in_iface reading files" 0 "$(grep -c '"in_iface"' "$T/s.json" "$T/m.json" | awk -F: '{s+=$2} END {print s}')"

if command -v tshark > /dev/null; then
    # Wireshark's value for the packet each event names.
    tshark --enable-protocol communityid -r "$S" -T fields -e frame.number -e communityid \
        > "$T/ws.txt" 2> /dev/null
    check_gt "tshark computed community ids" "$(grep -c ':' "$T/ws.txt")" 10
    python3 - "$T/s.cid" "$T/ws.txt" > "$T/ws.cmp" <<'PY'
import sys
ws = dict(l.split("\t") for l in open(sys.argv[2]).read().splitlines() if "\t" in l)
bad = n = 0
for l in open(sys.argv[1]):
    if l.startswith("pkt "):
        _, t, cnt, cid = l.split()
        n += 1
        if ws.get(cnt) != cid:
            bad += 1
            print("MISMATCH", t, cnt, cid, ws.get(cnt))
print("compared", n, "bad", bad)
PY
    check_grep "tshark: the packet pcap_cnt names has the event's community_id" "bad 0$" "$T/ws.cmp"
    # A finding's packet carries the identifier itself (the sample's IMEI).
    cnt=$(python3 -c '
import json, sys
for l in open(sys.argv[1]):
    e = json.loads(l)
    if e["event_type"] == "privacy_leak" and e["identifier"]["key"] == "imei" and e["identifier"]["form"] == "plain":
        print(e["pcap_cnt"]); break' "$T/s.json")
    tshark -r "$S" -Y "frame.number == $cnt" -T fields -e tcp.payload 2> /dev/null \
        | python3 -c 'import sys; sys.stdout.buffer.write(bytes.fromhex(sys.stdin.read().replace(":", "").strip()))' > "$T/pkt.bin"
    check_grep "the finding's pcap_cnt packet carries the IMEI" "869012045678914" "$T/pkt.bin"
else
    echo "note: no tshark, second oracle skipped"
fi
check_done
