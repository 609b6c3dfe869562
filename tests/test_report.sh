#!/usr/bin/env bash
# scripts/lw-report.py on the bundled sample: what it counts is checked against what
# tests/test_sample.sh established from the policy (3 SDKs, Adjust undeclared; 12
# distinct findings, each in 2 flows), --fail-on gates, garbage lines are skipped.
set -u
. "$LW_SOURCE_DIR/tests/lib/check.sh"
T=$(mktemp -d "${TMPDIR:-/tmp}/lw-report.XXXXXX")
trap 'rm -rf "$T"' EXIT
R="$LW_SOURCE_DIR/scripts/lw-report.py"
"$LEAKWATCH" -q -r "$LW_SOURCE_DIR/docs/sample/lab-sample.pcap" \
    --profile "$LW_SOURCE_DIR/docs/sample/lab.yaml" > "$T/ev.json"
python3 "$R" "$T/ev.json" > "$T/out.txt"
check_eq "report exit without --fail-on" 0 $?
check_grep "device, app and policy" "== pixel6-a  app com.weipai.xiaoyingkankan  policy xiaoying-kankan" "$T/out.txt"
check_grep "SDK count" "SDKs contacted: 3 (1 not declared)" "$T/out.txt"
check_grep "Adjust undeclared" "adjust  *UNDECLARED  *app.adjust.com" "$T/out.txt"
check_grep "violations first" "undeclared_sdk (3)  <- policy violation" "$T/out.txt"
python3 "$R" --format json "$T/ev.json" > "$T/out.json"
check_eq "json: 12 distinct findings, each in 2 flows" "12 [2]" "$(python3 -c "
import json,sys; a=json.load(open(sys.argv[1]))['apps'][0]['findings']
print(len(a), sorted({f['flows'] for f in a}))" "$T/out.json")"
python3 "$R" --fail-on undeclared_sdk "$T/ev.json" > /dev/null 2> "$T/err"
check_eq "--fail-on undeclared_sdk fails" 1 $?
check_grep "and says why" "3 finding(s) with verdict undeclared_sdk" "$T/err"
python3 "$R" --fail-on broken_transform "$T/ev.json" > /dev/null
check_eq "--fail-on broken_transform passes (none in the sample)" 0 $?
python3 "$R" --fail-on nonsense "$T/ev.json" > /dev/null 2>&1
check_eq "unknown verdict refused" 2 $?
{ echo 'not json'; head -c 100 "$T/ev.json"; echo; cat "$T/ev.json"; } > "$T/dirty.json"
python3 "$R" "$T/dirty.json" > "$T/dirty.txt" 2> "$T/dirty.err"
check_eq "garbage lines are not fatal" 0 $?
check_grep "garbage counted" "(2 input line(s) were not leakwatch events" "$T/dirty.txt"
check_grep "garbage named with file:line" "dirty.json:1: not a leakwatch event" "$T/dirty.err"
check_done
