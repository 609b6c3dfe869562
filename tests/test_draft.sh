#!/usr/bin/env bash
# --draft-policy (docs/draft.md):
# - the five seed policy texts (tests/data/policies-text/) drafted and scored against
#   the hand-written data/policies/*.yaml: SDK recall/precision and per-SDK type
#   recall/precision printed, floors asserted (tests/lib/draft_score.py);
# - every draft loads with --check-rules as it is;
# - --against on a changed policy text names the SDK removed and the one added;
# - a Chinese text: SDK list, types, an MD5 promise scoped to its clause, 脱敏 kept
#   as an uncheckable promise; a catalogue alias (aliases:) resolves a Chinese name;
# - hostile input: 10 MB of text, binary junk, an HTML page with scripts, invalid UTF-8,
#   an empty file: a draft or a clear error, never a crash.
set -u
. "$LW_SOURCE_DIR/tests/lib/check.sh"
python3 -c 'import yaml' 2> /dev/null || { echo "SKIP: python3-yaml not installed"; exit 77; }
T=$(mktemp -d "${TMPDIR:-/tmp}/lw-draft.XXXXXX")
trap 'rm -rf "$T"' EXIT
S="$LW_SOURCE_DIR"
TEXTS="$S/tests/data/policies-text"
mkdir -p "$T/rules/policies" "$T/in"
cp -r "$S/data/ontology.yaml" "$S/data/sdks" "$T/rules/"

# Seeds: the draft of each hand-written policy's source text, under that policy's id.
for p in "$S"/data/policies/*.yaml; do
    id=$(sed -n 's/^id: *//p' "$p")
    src=$(sed -n 's/^source: *//p' "$p")
    "$LEAKWATCH" --draft-policy "$TEXTS/$src" --id "$id" > "$T/rules/policies/$id.yaml" 2> "$T/err"
    check_eq "seed $id drafted" 0 $?
done
"$LEAKWATCH" --check-rules "$T/rules" > "$T/check" 2>&1
check_eq "every seed draft loads with --check-rules" 0 $?
check_grep "five drafts checked" ", 5 policies" "$T/check"
python3 "$S/tests/lib/draft_score.py" "$S/data/policies" "$T/rules/policies" \
    "$S/data/ontology.yaml" --floors > "$T/score"
check_eq "seed scores at or above their floors" 0 $?
cat "$T/score"
# The scorer itself fails a draft under the floor: kago without its Tencent entry.
mkdir -p "$T/worse" && cp "$T/rules/policies/"*.yaml "$T/worse/"
python3 - "$T/worse/kago.yaml" << 'PY'
import sys, yaml
p = sys.argv[1]
d = yaml.safe_load(open(p, encoding="utf-8"))
d["sdks"] = [e for e in d["sdks"] if e.get("sdk") != "tencent-im"]
yaml.safe_dump(d, open(p, "w", encoding="utf-8"), allow_unicode=True)
PY
python3 "$S/tests/lib/draft_score.py" "$S/data/policies" "$T/worse" "$S/data/ontology.yaml" \
    --floors > "$T/score-worse"
check_eq "scorer fails a draft missing an SDK" 1 $?
check_grep "scorer names the figure under its floor" "FLOOR: kago: sdk_recall 0.75 under 0.90" \
    "$T/score-worse"
check_grep "MD5 promise of seed 002 drafted" "transforms: {imei: \[md5\], mac: \[md5\]}" \
    "$T/rules/policies/xiaoying-kankan.yaml"
check_grep "seed 004's linked SDK list quoted" '^linked: "Please click here' \
    "$T/rules/policies/kapi-action.yaml"

python3 "$S/tests/lib/draft_inputs.py" "$TEXTS" "$T/in"

# --against: what changed between the declared file and a new version of the text.
"$LEAKWATCH" --draft-policy "$T/in/changed.txt" --against "$S/data/policies/xiaoying-kankan.yaml" \
    > "$T/diff" 2>&1
check_eq "--against runs" 0 $?
check_grep "--against: removed SDK named" "^- sdk qiniu " "$T/diff"
check_grep "--against: added SDK with its types" "^+ sdk jpush .*types \[imei, imsi\]" "$T/diff"
check_ok "--against: unchanged SDKs not listed" "! grep -q 'sdk alipay' '$T/diff'"

# Chinese: names the catalogue lacks are kept by name; an alias resolves one.
"$LEAKWATCH" --rules "$T/rules" --draft-policy "$T/in/zh.txt" --id zh > "$T/zh.yaml"
check_eq "Chinese text drafted" 0 $?
check_grep "unknown Chinese SDK kept by name" 'name: "某某统计SDK"' "$T/zh.yaml"
check_grep "Chinese types of an entry" "declares: \[imei, oaid, mac, location\]" "$T/zh.yaml"
check_grep "MD5 promise scoped to its clause" "transforms: {imei: \[md5\]}" "$T/zh.yaml"
check_grep "脱敏 kept as an uncheckable promise" "# promised without a named hash.*types: mac" \
    "$T/zh.yaml"
mkdir -p "$T/alias/policies" && cp -r "$S/data/ontology.yaml" "$S/data/sdks" "$T/alias/"
python3 - "$T/alias/sdks/alibaba.yaml" << 'PY'
import sys
p = sys.argv[1]
s = open(p, encoding="utf-8").read()
s = s.replace("- id: umeng\n", "- id: umeng\n  aliases: [\"友盟\", \"友盟+\"]\n", 1)
open(p, "w", encoding="utf-8").write(s)
PY
"$LEAKWATCH" --rules "$T/alias" --draft-policy "$T/in/zh.txt" --id zh > "$T/alias/policies/zh.yaml"
check_grep "catalogue alias resolves 友盟SDK" "^  - sdk: umeng" "$T/alias/policies/zh.yaml"
"$LEAKWATCH" --check-rules "$T/alias" > /dev/null 2>&1
check_eq "Chinese drafts load with --check-rules" 0 $?

# Hostile input. Exit 0 with a loadable draft, or exit 2 with "leakwatch: FILE: why".
for f in big.txt long.txt bad-utf8.txt page.html empty.txt junk.bin; do
    "$LEAKWATCH" --draft-policy "$T/in/$f" --id "h-${f%%.*}" > "$T/out" 2> "$T/err"
    rc=$?
    check_ok "$f: no crash (exit $rc)" "[ $rc -eq 0 ] || [ $rc -eq 2 ]"
    if [ $rc -eq 0 ]; then
        rm -f "$T/rules/policies/"*.yaml && cp "$T/out" "$T/rules/policies/h.yaml"
        "$LEAKWATCH" --check-rules "$T/rules" > "$T/check" 2>&1
        check_eq "$f: draft loads with --check-rules" 0 $?
        cp "$T/out" "$T/$f.yaml"
    else
        check_grep "$f: error names the file" "leakwatch: .*$f: " "$T/err"
    fi
done
check_grep "junk.bin refused as not text" "not text" "$T/err"
check_grep "invalid UTF-8: SDK list still read" "^  - sdk: umeng" "$T/bad-utf8.txt.yaml"
check_grep "HTML: table row's SDK with its types" "declares: \[imei, oaid, android_id\]" \
    "$T/page.html.yaml"
check_grep "HTML: entities decoded" "mobile phone number & e-mail" "$T/page.html.yaml"
check_ok "HTML: scripts, styles, comments, noscript dropped" \
    "! grep -Eq 'pangle|getui|bugly|kuaishou|baidu-vr|youtui' '$T/page.html.yaml'"
check_grep "empty text: no SDK list" "^sdk_catalogue: missing" "$T/empty.txt.yaml"
"$LEAKWATCH" --draft-policy "$T/in/none.txt" > /dev/null 2> "$T/err"
check_eq "missing file: exit 2" 2 $?
check_grep "missing file: says so" "none.txt: No such file" "$T/err"
"$LEAKWATCH" -r x.pcap --id foo > /dev/null 2> "$T/err"
check_eq "--id without --draft-policy: exit 1" 1 $?
check_grep "--id without --draft-policy: says so" "go with --draft-policy" "$T/err"
check_done
