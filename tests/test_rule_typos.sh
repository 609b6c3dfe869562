#!/usr/bin/env bash
# Defect 9 of issue 15: nothing in a rule file or a profile is ignored in silence.
# - An unknown key in a policy, a catalogue entry, the ontology or the profile is an
#   error at its file and line (the line found here with grep, independently), with
#   "did you mean" the key it is a typo of; the run refuses to start (exit 1), and
#   --check-rules reports it too.
# - --check-rules --profile P validates P against the rules: an unknown policy id (with
#   a suggestion), an IP or MAC given to two devices.
# - A device ip that no packet of the run carried is a warning at the end (stderr).
set -u
. "$LW_SOURCE_DIR/tests/lib/check.sh"
T=$(mktemp -d "${TMPDIR:-/tmp}/lw-typos.XXXXXX")
trap 'rm -rf "$T"' EXIT
DATA="$LW_SOURCE_DIR/data"
S="$LW_SOURCE_DIR/docs/sample/lab-sample.pcap"
LAB="$LW_SOURCE_DIR/docs/sample/lab.yaml"
lineof() { grep -n -- "$1" "$2" | head -1 | cut -d: -f1; }   # first line matching

"$LEAKWATCH" --check-rules > "$T/ok" 2>&1; check_eq "shipped rules: --check-rules exit 0" 0 $?
"$LEAKWATCH" --check-rules --profile "$LAB" > "$T/okp" 2>&1
check_eq "shipped rules + sample profile: exit 0" 0 $?
check_grep "the profile was read" "lab.yaml: 1 device" "$T/okp"

# One typo per kind of file, each in a layer over the shipped rules.
typo() {  # name, file to write (relative to layer), sed expression, source, key, expected suggestion
    local name=$1 rel=$2 expr=$3 src=$4 key=$5 want=$6 L="$T/layer-$1"
    mkdir -p "$L/$(dirname "$rel")"
    sed "$expr" "$src" > "$L/$rel"
    local line; line=$(lineof "^ *-\? *$key:" "$L/$rel")
    check_ok "$name: the typo is in the test file (line $line)" "[ -n '$line' ]"
    "$LEAKWATCH" --check-rules --rules "$DATA" --rules "$L" > "$T/$name.check" 2>&1
    check_eq "$name: --check-rules exit 1" 1 $?
    check_grep "$name: file:line, unknown field, did you mean" \
        "$L/$rel:$line: error: .*unknown field \"$key\" (did you mean \"$want\"?" "$T/$name.check"
    "$LEAKWATCH" -q -r "$S" --rules "$DATA" --rules "$L" > /dev/null 2> "$T/$name.run"
    check_eq "$name: a run refuses to start (exit 1)" 1 $?
    check_grep "$name: the run says the same" "$L/$rel:$line: .*did you mean \"$want\"" "$T/$name.run"
}
typo policy-top policies/xiaoying-kankan.yaml 's/^sdk_catalogue:/sdk_catalog:/' \
    "$DATA/policies/xiaoying-kankan.yaml" sdk_catalog sdk_catalogue
typo policy-fp policies/xiaoying-kankan.yaml 's/^  collects:/  collect:/' \
    "$DATA/policies/xiaoying-kankan.yaml" collect collects
typo policy-sdk policies/xiaoying-kankan.yaml '0,/^    declares:/s//    declare:/' \
    "$DATA/policies/xiaoying-kankan.yaml" declare declares
typo catalog sdks/alibaba.yaml '0,/^  vendor:/s//  vendr:/' "$DATA/sdks/alibaba.yaml" vendr vendor
typo ontology ontology.yaml '0,/^    synonyms:/s//    synonym:/' "$DATA/ontology.yaml" synonym synonyms
check_ok "the ontology typo was planted" "grep -q '^    synonym:' '$T/layer-ontology/ontology.yaml'"

echo "== profile"
sed 's/^    identifiers:/    identifers:/' "$LAB" > "$T/p-key.yaml"
line=$(lineof '^    identifers:' "$T/p-key.yaml")
"$LEAKWATCH" --check-rules --profile "$T/p-key.yaml" > "$T/pk" 2>&1
check_eq "profile key typo: --check-rules exit 1" 1 $?
check_grep "profile key typo: file:line and did you mean" "p-key.yaml:$line: error: devices\[0\].identifers: unknown device field (did you mean \"identifiers\"?" "$T/pk"
sed 's/^      imei:/      imie:/' "$LAB" > "$T/p-type.yaml"
"$LEAKWATCH" -q -r "$S" --profile "$T/p-type.yaml" > /dev/null 2> "$T/pt"
check_eq "identifier type typo: run refused" 1 $?
check_grep "identifier type typo: did you mean imei" 'unknown identifier type "imie" (did you mean "imei"?' "$T/pt"
sed 's/^    policy: xiaoying-kankan/    policy: xiaoying-kankam/' "$LAB" > "$T/p-pol.yaml"
line=$(lineof '^    policy:' "$T/p-pol.yaml")
"$LEAKWATCH" --check-rules --profile "$T/p-pol.yaml" > "$T/pp" 2>&1
check_eq "unknown policy id: --check-rules exit 1" 1 $?
check_grep "unknown policy id: file:line, did you mean" "p-pol.yaml:$line: error: devices\[0\].policy: no policy \"xiaoying-kankam\" .*did you mean \"xiaoying-kankan\"?" "$T/pp"
# A second device with the first one's ip, then with its MAC.
for what in ip mac; do
    python3 - "$LAB" "$T/p-dup-$what.yaml" "$what" <<'PY'
import sys
src = open(sys.argv[1]).read()
extra = {"ip": '  - id: second\n    ip: 10.0.0.2\n',
         "mac": '  - id: second\n    mac: "02:00:0A:00:00:02"\n'}[sys.argv[3]]
open(sys.argv[2], "w").write(src.rstrip("\n") + "\n" + extra)
PY
    "$LEAKWATCH" --check-rules --profile "$T/p-dup-$what.yaml" > "$T/dup-$what" 2>&1
    check_eq "$what given to two devices: --check-rules exit 1" 1 $?
    check_grep "$what given to two devices: said" "error: devices\[1\]: $what also used by devices\[0\] (pixel6-a)" "$T/dup-$what"
done

echo "== device ip never seen"
sed 's/^    ip: 10.0.0.2/    ip: 10.0.0.99/' "$LAB" > "$T/p-ip.yaml"
"$LEAKWATCH" -q -r "$S" --profile "$T/p-ip.yaml" > /dev/null 2> "$T/ip.err"
check_eq "unseen ip: the run goes on (exit 0)" 0 $?
check_grep "unseen ip: warned at the end" "warning: .*p-ip.yaml: device pixel6-a: ip 10.0.0.99 was in no packet" "$T/ip.err"
"$LEAKWATCH" -q -r "$S" --profile "$LAB" > /dev/null 2> "$T/ipok.err"
check_eq "ip seen: no warning" "" "$(cat "$T/ipok.err")"
check_done
