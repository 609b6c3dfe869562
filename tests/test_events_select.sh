#!/usr/bin/env bash
# --events LIST: only the chosen types are written, and those exactly as a run with
# every type writes them (same lines, same order, same event_id); an unknown type is an
# error naming the valid ones.
set -u
. "$LW_SOURCE_DIR/tests/lib/check.sh"
T=$(mktemp -d "${TMPDIR:-/tmp}/lw-evsel.XXXXXX")
trap 'rm -rf "$T"' EXIT
run() { "$LEAKWATCH" -q -t 1 --profile "$LW_SOURCE_DIR/docs/sample/lab.yaml" \
    -r "$LW_SOURCE_DIR/docs/sample/lab-sample.pcap" "$@"; }
run > "$T/all.jsonl"
check_eq "default run exit" 0 $?
only() {  # the lines of all.jsonl whose type is in the list, in order, stats aside
    python3 -c '
import json, sys
want = set(sys.argv[2].split(","))
for l in open(sys.argv[1]):
    t = json.loads(l)["event_type"]
    if t in want and t != "stats":
        sys.stdout.write(l)' "$T/all.jsonl" "$1"
}
for list in privacy_leak sdk_contact flow privacy_leak,sdk_contact sdk_contact,flow; do
    run --events "$list" | grep -v '"event_type":"stats"' > "$T/got"
    only "$list" > "$T/want"
    check_gt "--events $list writes some events" "$(wc -l < "$T/want")" 0
    check_ok "--events $list: the same lines as the full run, nothing else" \
        "cmp -s '$T/want' '$T/got'"
done
run --events stats > "$T/stats"
check_eq "--events stats: one line" 1 "$(wc -l < "$T/stats")"
check_grep "--events stats: the final stats event" '"event_type":"stats"' "$T/stats"
check_grep "--events stats: findings still counted" '"privacy_leaks":24' "$T/stats"
check_eq "--events all: as the default" "$(grep -cv '"event_type":"stats"' "$T/all.jsonl")" \
    "$(run --events all | grep -cv '"event_type":"stats"')"
run --events privacy_leak,bogus > "$T/out" 2> "$T/err"
check_eq "unknown type: exit 1" 1 $?
check_grep "unknown type named" "unknown event type 'bogus'" "$T/err"
check_grep "valid types listed" "privacy_leak, sdk_contact, flow, stats, reload, all" "$T/err"
check_eq "unknown type: nothing written" 0 "$(wc -c < "$T/out")"
check_done
