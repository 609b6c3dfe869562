#!/usr/bin/env bash
# Defect 5 of issue 15: an sdk_contact with no policy to ask says neither true nor false.
# `declared` is null, `policy` null and the reason says "no policy" when the run has no
# profile, and when the profile's device names no policy; with a policy it stays a
# boolean (true for an SDK the policy lists, false for one it does not).
set -u
. "$LW_SOURCE_DIR/tests/lib/check.sh"
T=$(mktemp -d "${TMPDIR:-/tmp}/lw-declared.XXXXXX")
trap 'rm -rf "$T"' EXIT
SAMPLE="$LW_SOURCE_DIR/docs/sample/lab-sample.pcap"
contacts() {  # events -> "sdk declared policy reason" per sdk_contact, sorted
    python3 -c '
import json, sys
for l in open(sys.argv[1]):
    e = json.loads(l)
    if e["event_type"] == "sdk_contact":
        print(e["sdk"], json.dumps(e["declared"]), json.dumps(e["policy"]), e["reason"])
' "$1" | sort
}
"$LEAKWATCH" -q -r "$SAMPLE" > "$T/noprof.json"; check_eq "no profile: exit 0" 0 $?
contacts "$T/noprof.json" > "$T/noprof.c"
check_gt "no profile: sdk_contact events" "$(wc -l < "$T/noprof.c")" 2
check_eq "no profile: every declared is null" "$(wc -l < "$T/noprof.c")" "$(grep -c '^[^ ]* null null .*no policy' "$T/noprof.c")"

# The sample profile's device without its policy line.
grep -v '^ *policy:' "$LW_SOURCE_DIR/docs/sample/lab.yaml" > "$T/nopolicy.yaml"
"$LEAKWATCH" -q -r "$SAMPLE" --profile "$T/nopolicy.yaml" > "$T/nopol.json"; check_eq "device without policy: exit 0" 0 $?
contacts "$T/nopol.json" > "$T/nopol.c"
check_eq "device without policy: every declared is null" "$(wc -l < "$T/nopol.c")" "$(grep -c '^[^ ]* null null .*no policy' "$T/nopol.c")"
check_gt "device without policy: contacts seen" "$(wc -l < "$T/nopol.c")" 2

"$LEAKWATCH" -q -r "$SAMPLE" --profile "$LW_SOURCE_DIR/docs/sample/lab.yaml" > "$T/pol.json"
contacts "$T/pol.json" > "$T/pol.c"
check_grep "with a policy: a listed SDK is true" '^umeng true "xiaoying-kankan"' "$T/pol.c"
check_grep "with a policy: an unlisted SDK is false" '^adjust false "xiaoying-kankan"' "$T/pol.c"
check_eq "with a policy: no null" 0 "$(grep -c ' null ' "$T/pol.c")"
check_done
