#!/usr/bin/env bash
# Defect 14 of issue 15: tcpdump habits, with tcpdump (or Python) as the oracle.
# - -c N stops after N packets (that passed the filter): -w of that run holds exactly
#   the input's first N matching packets, byte for byte; the run is complete, exit 0.
# - -F FILE takes the filter from a file (lines joined); a command-line filter beside it
#   is ignored with a warning; -w writes what passed: tcpdump -r with the same filter
#   counts as many packets.
# - -n is accepted and changes nothing.
# - -w FILE round trip: leakwatch on its own -w output finds what it found on the input.
# - the closing summary goes to stderr only on a terminal (a pty here), never with -q,
#   and its numbers are those of the JSON output.
# - -r from a pipe (-r <(tcpdump -w - ...), a FIFO): the same events as from the file,
#   for a pcap and a pcapng (the run used to read a pipe ahead of itself, for key logs
#   and PCAPdroid data, and found it empty).
set -u
. "$LW_SOURCE_DIR/tests/lib/check.sh"
T=$(mktemp -d "${TMPDIR:-/tmp}/lw-tcpdump.XXXXXX")
trap 'rm -rf "$T"' EXIT
S="$LW_SOURCE_DIR/docs/sample/lab-sample.pcap"
LAB="$LW_SOURCE_DIR/docs/sample/lab.yaml"
cat > "$T/recs.py" <<'PY'
import struct, sys
def records(path):   # (ts_sec, ts_usec, caplen, wirelen, bytes) of a microsecond pcap
    b = open(path, "rb").read()
    assert struct.unpack("<I", b[:4])[0] == 0xA1B2C3D4, "not a little-endian us pcap"
    off, out = 24, []
    while off + 16 <= len(b):
        s, u, c, w = struct.unpack("<IIII", b[off:off + 16])
        out.append((s, u, c, w, b[off + 16:off + 16 + c]))
        off += 16 + c
    return out
if sys.argv[1] == "prefix":     # is file 3 exactly the first N records of file 2?
    a, b, n = records(sys.argv[2]), records(sys.argv[3]), int(sys.argv[4])
    sys.exit(0 if len(b) == n and a[:n] == b else 1)
print(len(records(sys.argv[2])))
PY
total=$(python3 "$T/recs.py" count "$S")
check_gt "sample has packets" "$total" 20

"$LEAKWATCH" -q -r "$S" -c 7 -w "$T/c7.pcap" > "$T/c7.json"; check_eq "-c 7: exit 0 (a complete run)" 0 $?
check_ok "-c 7 -w: the first 7 packets, byte for byte" "python3 '$T/recs.py' prefix '$S' '$T/c7.pcap' 7"
check_ok "-c 7: not interrupted" "tail -1 '$T/c7.json' | grep -q '\"interrupted\":false'"
check_ok "-c 7: stats.packets 7" "tail -1 '$T/c7.json' | grep -q '\"stats\":{\"final\":true,\"interrupted\":false,\"packets\":7,'"
if command -v tcpdump > /dev/null; then
    check_eq "tcpdump reads the -w file: 7 packets" 7 "$(tcpdump -n -r "$T/c7.pcap" 2> /dev/null | wc -l)"
fi

printf 'host 198.18.0.1\n  and tcp\n' > "$T/filter"
"$LEAKWATCH" -q -r "$S" -F "$T/filter" -w "$T/f.pcap" > "$T/f.json"; check_eq "-F FILE: exit 0" 0 $?
if command -v tcpdump > /dev/null; then
    want=$(tcpdump -n -r "$S" 'host 198.18.0.1 and tcp' 2> /dev/null | wc -l)
    check_gt "tcpdump: packets matching the filter" "$want" 0
    check_eq "-F + -w: as many packets as tcpdump matches" "$want" "$(python3 "$T/recs.py" count "$T/f.pcap")"
    check_eq "-F + -w: tcpdump with the filter keeps them all" "$want" "$(tcpdump -n -r "$T/f.pcap" 'host 198.18.0.1 and tcp' 2> /dev/null | wc -l)"
fi
check_ok "-F: filtered counted" "tail -1 '$T/f.json' | grep -q '\"filtered\":[1-9]'"
"$LEAKWATCH" -q -r "$S" -F "$T/filter" -c 3 udp > /dev/null 2> "$T/fw.err"
check_eq "-F with a command-line filter: exit 0" 0 $?
check_grep "-F with a command-line filter: warned it is ignored" "warning: -F .*ignored" "$T/fw.err"
"$LEAKWATCH" -q -r "$S" -F "$T/nonexistent" > /dev/null 2> "$T/fe.err"
check_eq "-F missing file: exit 1" 1 $?

findings() { python3 -c '
import json, sys
for l in open(sys.argv[1]):
    e = json.loads(l)
    if e["event_type"] in ("privacy_leak", "sdk_contact"):
        i = e.get("identifier", {})
        print(e["event_type"], e["host"], e.get("sdk"), i.get("type"), i.get("form"), e.get("verdict"), e.get("declared"))
' "$1" | sort; }
"$LEAKWATCH" -q -r "$S" --profile "$LAB" -w "$T/all.pcap" > "$T/a.json"; check_eq "-w: exit 0" 0 $?
"$LEAKWATCH" -q -r "$T/all.pcap" --profile "$LAB" > "$T/b.json"
check_ok "-w round trip: same findings from the written capture" "diff <(findings '$T/a.json') <(findings '$T/b.json')"
check_eq "-w: every packet written" "$total" "$(python3 "$T/recs.py" count "$T/all.pcap")"
"$LEAKWATCH" -q -n -r "$S" --profile "$LAB" > "$T/n.json"; check_eq "-n: exit 0" 0 $?
check_ok "-n changes nothing" "diff <(findings '$T/a.json') <(findings '$T/n.json')"
"$LEAKWATCH" -q -r "$S" -w "$T/nodir/x.pcap" > /dev/null 2> "$T/we.err"
check_eq "-w into a missing directory: exit 1 before any work" 1 $?
check_grep "-w error names the file" "nodir/x.pcap" "$T/we.err"

# Summary: a terminal for stderr from Python's pty module.
cat > "$T/ttyrun.py" <<'PY'
import os, pty, subprocess, sys
m, s = pty.openpty()
p = subprocess.Popen(sys.argv[2:], stdout=open(sys.argv[1], "w"), stderr=s)
os.close(s)
out = b""
while True:
    try:
        chunk = os.read(m, 4096)
    except OSError:
        break
    if not chunk:
        break
    out += chunk
p.wait()
sys.stdout.write(out.decode(errors="replace"))
sys.exit(p.returncode)
PY
python3 "$T/ttyrun.py" "$T/tty.json" "$LEAKWATCH" -r "$S" --profile "$LAB" > "$T/tty.err"
check_eq "on a terminal: exit 0" 0 $?
tr '\r' '\n' < "$T/tty.err" > "$T/summary"
check_grep "summary: packets read" "^$total packets read" "$T/summary"
counts=$(python3 -c '
import json, sys, collections
ev = [json.loads(l) for l in open(sys.argv[1])]
v = collections.Counter(e["verdict"] for e in ev if e["event_type"] == "privacy_leak")
flows = sum(1 for e in ev if e["event_type"] == "flow")
c = sum(1 for e in ev if e["event_type"] == "sdk_contact")
print("%d flows, %d SDK contacts, %d findings" % (flows, c, sum(v.values())))
for k, n in v.items(): print("%d %s" % (n, k))' "$T/tty.json")
check_grep "summary: flows, contacts, findings as in the JSON" "^$(echo "$counts" | head -1)" "$T/summary"
echo "$counts" | tail -n +2 | while read -r line; do
    grep -q "$line" "$T/summary" && echo "ok:   summary has '$line'" || echo "FAIL: summary lacks '$line'"
done > "$T/verdicts"
cat "$T/verdicts"
check_eq "summary: every verdict count" 0 "$(grep -c '^FAIL' "$T/verdicts")"
check_grep "summary: throughput" "packets/s" "$T/summary"
python3 "$T/ttyrun.py" "$T/q.json" "$LEAKWATCH" -q -r "$S" > "$T/q.err"
check_eq "-q on a terminal: no summary" "" "$(cat "$T/q.err")"
"$LEAKWATCH" -r "$S" > /dev/null 2> "$T/notty.err"
check_eq "stderr not a terminal: no summary" "" "$(cat "$T/notty.err")"

events() { grep -v '"event_type":"stats"' "$1"; }
NG="$LW_SOURCE_DIR/tests/data/pcaps/alexa-app.pcapng"
for f in "$S" "$NG"; do
    b=$(basename "$f")
    "$LEAKWATCH" -q -t 1 --profile "$LAB" -r "$f" > "$T/file.json"
    check_eq "$b from the file: exit 0" 0 $?
    # timeout: a second open of a pipe or FIFO waits for a writer that is gone
    timeout 120 "$LEAKWATCH" -q -t 1 --profile "$LAB" -r <(cat "$f") > "$T/pipe.json" \
        2> "$T/pipe.err"
    check_eq "$b through a pipe: exit 0" 0 $?
    check_eq "$b through a pipe: no message" "" "$(grep -v 'was in no packet' "$T/pipe.err")"
    check_gt "$b: events" "$(events "$T/file.json" | wc -l)" 10
    check_ok "$b through a pipe: the same events" "cmp -s <(events '$T/file.json') <(events '$T/pipe.json')"
    rm -f "$T/fifo"; mkfifo "$T/fifo"
    timeout 120 sh -c 'cat "$1" > "$2"' - "$f" "$T/fifo" &
    timeout 120 "$LEAKWATCH" -q -t 1 --profile "$LAB" -r "$T/fifo" > "$T/fifo.json"
    check_eq "$b through a FIFO: exit 0" 0 $?
    wait
    check_ok "$b through a FIFO: the same events" "cmp -s <(events '$T/file.json') <(events '$T/fifo.json')"
done
check_done
