#!/usr/bin/env bash
# --keylog wiring: the key log's counters reach the stats event, a missing file is
# refused with its name, and while capturing live, lines appended to the file later
# are read (followed). The counts come from the file this test writes.
set -u
. "$LW_SOURCE_DIR/tests/lib/check.sh"
T=$(mktemp -d "${TMPDIR:-/tmp}/lw-keylog.XXXXXX")
LWPID=
trap '[ -n "$LWPID" ] && kill "$LWPID" 2>/dev/null; rm -rf "$T"' EXIT
A64=$(printf 'a%.0s' $(seq 64)); B96=$(printf 'b%.0s' $(seq 96)); C64=$(printf 'c%.0s' $(seq 64))
kstat() { grep '"event_type":"stats"' "$1" | tail -n 1 | python3 -c "import json,sys; print(json.load(sys.stdin)['stats'].get('keylog',{}).get('$2'))"; }

"$PCAPGEN" -o "$T/a.pcap" --flows 3 2>/dev/null
printf 'CLIENT_RANDOM %s %s\nnot a key line\n' "$A64" "$B96" > "$T/keys.txt"
"$LEAKWATCH" -q -r "$T/a.pcap" --keylog "$T/keys.txt" > "$T/o.json"
check_eq "exit 0" 0 $?
check_eq "one secret read" 1 "$(kstat "$T/o.json" keylog_secrets)"
check_eq "one bad line counted" 1 "$(kstat "$T/o.json" keylog_bad_lines)"
"$LEAKWATCH" -q -r "$T/a.pcap" > "$T/n.json"
check_eq "no --keylog, classic pcap: no keylog in stats" None "$(kstat "$T/n.json" keylog_secrets)"
"$LEAKWATCH" -q -r "$T/a.pcap" --keylog "$T/missing.txt" > /dev/null 2> "$T/e"
check_eq "missing key log: exit 1" 1 $?
check_grep "missing key log named" "missing.txt" "$T/e"

echo "== live: appended lines are followed"
"$LEAKWATCH" -q -i lo --allow-root --keylog "$T/keys.txt" 'tcp port 9' > "$T/l.json" 2> "$T/l.err" &
LWPID=$!
sleep 1
if ! kill -0 "$LWPID" 2>/dev/null; then
    LWPID=
    echo "SKIP: cannot capture on lo here: $(cat "$T/l.err")"
    check_done
    exit 77
fi
printf 'CLIENT_RANDOM %s %s\n' "$C64" "$B96" >> "$T/keys.txt"
sleep 2.5
kill -INT "$LWPID"
wait "$LWPID"
check_eq "live run exit 0" 0 $?
LWPID=
check_eq "appended secret read while running" 2 "$(kstat "$T/l.json" keylog_secrets)"
check_done
