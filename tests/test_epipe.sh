#!/usr/bin/env bash
# Defect 8 of issue 15: `leakwatch -r x | head -1` ends quietly with status 0, as
# tcpdump and jq do: a reader that closes the pipe is not a lost output. Failures of a
# real output stay failures: a full disk (-o /dev/full) and a closed stdout (EBADF)
# exit 3 with a message.
set -u
. "$LW_SOURCE_DIR/tests/lib/check.sh"
T=$(mktemp -d "${TMPDIR:-/tmp}/lw-epipe.XXXXXX")
trap 'rm -rf "$T"' EXIT
# Far more output than a pipe buffer (64 KiB): head has exited long before the end,
# so the writes after it do fail with EPIPE.
"$PCAPGEN" -o "$T/many.pcap" --flows 3000 --seed 5 2> /dev/null
check_eq "capture made" 0 $?
( "$LEAKWATCH" -q -r "$T/many.pcap" 2> "$T/err"; echo $? > "$T/rc" ) | head -1 > "$T/first"
check_eq "| head -1: exit 0" 0 "$(cat "$T/rc")"
check_eq "| head -1: nothing on stderr" "" "$(cat "$T/err")"
check_ok "| head -1: head got one event" "python3 -c 'import json,sys; json.loads(open(sys.argv[1]).read())' '$T/first'"
# The same with output that fits the pipe, read whole: unchanged.
"$LEAKWATCH" -q -r "$T/many.pcap" > "$T/all.json"; check_eq "whole run: exit 0" 0 $?
check_gt "whole run: more than 3000 events" "$(wc -l < "$T/all.json")" 3000
check_ok "whole run: last line is the final stats" "tail -1 '$T/all.json' | grep -q '\"final\":true'"

if [ -w /dev/full ]; then
    "$LEAKWATCH" -q -r "$T/many.pcap" -o /dev/full 2> "$T/full.err"
    check_eq "-o /dev/full: exit 3" 3 $?
    check_grep "-o /dev/full: the message says what failed" "/dev/full" "$T/full.err"
fi
"$LEAKWATCH" -q -r "$T/many.pcap" >&- 2> "$T/closed.err"
check_eq "stdout closed (EBADF, not EPIPE): exit 3" 3 $?
check_grep "stdout closed: reported" "stdout" "$T/closed.err"
check_done
