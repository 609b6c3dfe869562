#!/usr/bin/env bash
# Defect 12 of issue 15, output details, each against an independent reading of the
# output (Python's json module) or of the input (packets written here by Python):
# - IGMP is "proto":"IGMP", ICMP "ICMP"; neither carries ports; TCP/UDP do;
# - stats.events counts every event of every type (= the lines of a whole run), and the
#   stats event has the output's counters (written / spooled / lost);
# - with no readable input the stats timestamp is now, not 1970;
# - confidence is written the same way in every run: 1.0, 0.9, 0.3 (no 17-digit forms);
# - -o appends (and --help says so); --truncate empties the file first.
set -u
. "$LW_SOURCE_DIR/tests/lib/check.sh"
T=$(mktemp -d "${TMPDIR:-/tmp}/lw-output.XXXXXX")
trap 'rm -rf "$T"' EXIT
S="$LW_SOURCE_DIR/docs/sample/lab-sample.pcap"
LAB="$LW_SOURCE_DIR/docs/sample/lab.yaml"

python3 - "$T/protos.pcap" <<'PY'
import struct, sys
f = open(sys.argv[1], "wb")
f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
def frame(t, proto, l4, src=(10, 0, 0, 2), dst=(224, 0, 0, 22)):
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(l4), 1, 0, 1, proto, 0, bytes(src), bytes(dst))
    fr = bytes.fromhex("01005e000016" "02000a000002") + b"\x08\x00" + ip + l4
    f.write(struct.pack("<IIII", t, 0, len(fr), len(fr)) + fr)
frame(1767225600, 2, bytes.fromhex("2200f9fc00000001"))                  # IGMPv3 report
frame(1767225601, 1, bytes.fromhex("0800f7ff00010001"), dst=(10, 0, 0, 1))  # ICMP echo
frame(1767225602, 17, struct.pack("!HHHH", 5353, 5353, 9, 0) + b"x", dst=(10, 0, 0, 1))
PY
"$LEAKWATCH" -q -r "$T/protos.pcap" > "$T/protos.json"; check_eq "protocols capture: exit 0" 0 $?
python3 - "$T/protos.json" > "$T/protos.txt" <<'PY'
import json, sys
for l in open(sys.argv[1]):
    e = json.loads(l)
    if e["event_type"] == "flow":
        print(e["proto"], "ports" if "src_port" in e or "dest_port" in e else "noports")
PY
check_grep "IGMP named IGMP, without ports" '^IGMP noports$' "$T/protos.txt"
check_grep "ICMP named ICMP, without ports" '^ICMP noports$' "$T/protos.txt"
check_grep "UDP keeps its ports" '^UDP ports$' "$T/protos.txt"
check_eq "no protocol as a bare number" 0 "$(grep -c '^[0-9]' "$T/protos.txt")"

"$LEAKWATCH" -q -r "$S" --profile "$LAB" --min-confidence 0.3 > "$T/s.json"
python3 - "$T/s.json" > "$T/counts" <<'PY'
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1])]
st = lines[-1]["stats"]
types = {e["event_type"] for e in lines}
print(len(lines), st["events"], len(types), st["output"]["written_lines"], st["output"]["lost"],
      st["output"]["spooled"], st["output"]["written"])
PY
read -r nlines nevents ntypes wl lost spooled written < "$T/counts"
check_eq "stats.events = every line of the run (all types)" "$nlines" "$nevents"
check_gt "several event types in that run" "$ntypes" 2
# A snapshot taken while the output thread may still be writing the last events: at most
# every line before the stats event (all of them, unless the machine is slow).
check_ok "output.written_lines: at most the lines before the stats event ($wl of $((nlines - 1)))" "[ '$wl' -le $((nlines - 1)) ]"
check_eq "output.written = lines + redis" "$wl" "$written"
check_eq "output.lost 0" 0 "$lost"
check_eq "output.spooled 0" 0 "$spooled"

"$LEAKWATCH" -q -r "$T/missing.pcap" > "$T/none.json" 2> /dev/null; check_eq "unreadable input: exit 2" 2 $?
check_ok "no input: the stats timestamp is now (within a day), not 1970" "python3 -c '
import json, sys, datetime
e = json.loads(open(sys.argv[1]).readlines()[-1])
t = datetime.datetime.strptime(e[\"timestamp\"], \"%Y-%m-%dT%H:%M:%S.%fZ\")
sys.exit(0 if abs((datetime.datetime.utcnow() - t).total_seconds()) < 86400 else 1)' '$T/none.json'"

"$LEAKWATCH" -q -r "$S" --min-confidence 0.3 > "$T/generic.json"
cat "$T/s.json" "$T/generic.json" | grep -o '"confidence":[^,}]*' | sort -u > "$T/conf"
check_grep "profile findings: confidence 1.0" '^"confidence":1.0$' "$T/conf"
check_grep "generic findings: confidence 0.9" '^"confidence":0.9$' "$T/conf"
check_eq "every confidence is d.d (no 1, no 0.90000000000000002)" 0 "$(grep -vcE '^"confidence":[01]\.[0-9]$' "$T/conf")"
for t in 1 2; do "$LEAKWATCH" -q -t $t -r "$S" > "$T/t$t.json"; done
check_ok "same confidence text with -t 1 and -t 2" "diff <(grep -o '\"confidence\":[^,]*' '$T/t1.json' | sort) <(grep -o '\"confidence\":[^,]*' '$T/t2.json' | sort)"

"$LEAKWATCH" -q -r "$S" -o "$T/o.json"; n1=$(wc -l < "$T/o.json")
"$LEAKWATCH" -q -r "$S" -o "$T/o.json"; n2=$(wc -l < "$T/o.json")
check_eq "-o appends: twice the lines after two runs" $((2 * n1)) "$n2"
"$LEAKWATCH" -q -r "$S" -o "$T/o.json" --truncate; n3=$(wc -l < "$T/o.json")
check_eq "--truncate: one run's lines" "$n1" "$n3"
"$LEAKWATCH" --help > "$T/help"
check_grep "--help says -o appends" "append JSON lines to FILE" "$T/help"
check_grep "--help offers --truncate" "--truncate" "$T/help"
check_done
