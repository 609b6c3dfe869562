#!/usr/bin/env bash
# The README's main job, asserted: the bundled sample (docs/sample/lab.yaml explains how
# it was generated) run with seed 002's policy. Expected verdicts are read from the
# policy text by hand: Umeng's appendix lists IMEI and OAID (declared); Tencent
# Youlianghui's lists Android_ID, IDFA, IDFV but not IMEI or OAID (undeclared_type);
# Adjust is not in the policy (undeclared_sdk); example-vendor.com is no SDK and no
# first-party domain (unknown_destination). Contacts: Umeng and Youlianghui are in the
# policy's SDK list (declared: true), Adjust is not. The planted "mac=" value is the MD5 of the
# IMEI: printf %s 869012045678914 | md5sum -> f011af5d83cb529768431fa2a9dbe5b6.
set -u
. "$LW_SOURCE_DIR/tests/lib/check.sh"
T=$(mktemp -d "${TMPDIR:-/tmp}/lw-sample.XXXXXX")
trap 'rm -rf "$T"' EXIT
check_eq "md5 of the IMEI" "f011af5d83cb529768431fa2a9dbe5b6" "$(printf %s 869012045678914 | md5sum | cut -d' ' -f1)"
for t in 1 2; do
    "$LEAKWATCH" -q -t $t -r "$LW_SOURCE_DIR/docs/sample/lab-sample.pcap" \
        --profile "$LW_SOURCE_DIR/docs/sample/lab.yaml" > "$T/out$t.json"
    check_eq "-t $t exit" 0 $?
done
summary() { python3 -c "
import json,sys
for l in open(sys.argv[1]):
    e=json.loads(l)
    if e['event_type']=='privacy_leak':
        i=e['identifier']
        print('leak', e['host'], e['sdk'], e['device'], e['app'], i['type'], i['form'], i['where'], i['key'], i['source'], i['count'], e['verdict'], e['policy'])
    elif e['event_type']=='sdk_contact':
        print('contact', e['device'], e['sdk'], e['declared'])
" "$1" | sort | uniq -c | sed 's/^ *//'; }
cat > "$T/expected" <<'X'
1 contact pixel6-a adjust False
1 contact pixel6-a tencent-gdt True
1 contact pixel6-a umeng True
2 leak api.example-vendor.com None pixel6-a com.weipai.xiaoyingkankan imei md5-hex http.uri mac profile 1 unknown_destination xiaoying-kankan
2 leak api.example-vendor.com None pixel6-a com.weipai.xiaoyingkankan imei plain http.uri imei profile 1 unknown_destination xiaoying-kankan
2 leak api.example-vendor.com None pixel6-a com.weipai.xiaoyingkankan oaid plain http.uri oaid profile 1 unknown_destination xiaoying-kankan
2 leak app.adjust.com adjust pixel6-a com.weipai.xiaoyingkankan imei md5-hex http.uri mac profile 1 undeclared_sdk xiaoying-kankan
2 leak app.adjust.com adjust pixel6-a com.weipai.xiaoyingkankan imei plain http.uri imei profile 1 undeclared_sdk xiaoying-kankan
2 leak app.adjust.com adjust pixel6-a com.weipai.xiaoyingkankan oaid plain http.uri oaid profile 1 undeclared_sdk xiaoying-kankan
2 leak mi.gdt.qq.com tencent-gdt pixel6-a com.weipai.xiaoyingkankan imei md5-hex http.uri mac profile 1 undeclared_type xiaoying-kankan
2 leak mi.gdt.qq.com tencent-gdt pixel6-a com.weipai.xiaoyingkankan imei plain http.uri imei profile 1 undeclared_type xiaoying-kankan
2 leak mi.gdt.qq.com tencent-gdt pixel6-a com.weipai.xiaoyingkankan oaid plain http.uri oaid profile 1 undeclared_type xiaoying-kankan
2 leak ulogs.umeng.com umeng pixel6-a com.weipai.xiaoyingkankan imei md5-hex http.uri mac profile 1 declared xiaoying-kankan
2 leak ulogs.umeng.com umeng pixel6-a com.weipai.xiaoyingkankan imei plain http.uri imei profile 1 declared xiaoying-kankan
2 leak ulogs.umeng.com umeng pixel6-a com.weipai.xiaoyingkankan oaid plain http.uri oaid profile 1 declared xiaoying-kankan
X
summary "$T/out1.json" > "$T/got1"
summary "$T/out2.json" > "$T/got2"
check_ok "every expected verdict and nothing else (-t 1)" "diff '$T/expected' '$T/got1'"
check_ok "the same with -t 2" "diff '$T/expected' '$T/got2'"
check_grep "evidence redacted by default" '"evidence":"8690\*\*\*\*\*\*\*\*914"' "$T/out1.json"
"$LEAKWATCH" -q -r "$LW_SOURCE_DIR/docs/sample/lab-sample.pcap" \
    --profile "$LW_SOURCE_DIR/docs/sample/lab.yaml" --evidence raw > "$T/raw.json"
check_grep "--evidence raw shows the value" '"evidence":"869012045678914"' "$T/raw.json"
"$LEAKWATCH" -q -r "$LW_SOURCE_DIR/docs/sample/lab-sample.pcap" > "$T/noprof.json"
check_eq "without a profile no profile finding" 0 "$(grep -c '"source":"profile"' "$T/noprof.json")"
check_gt "without a profile the keyed IMEI is still found (generic)" "$(grep -c '"type":"imei","category":"device_identifier","form":"plain","where":"http.uri","key":"imei","source":"generic"' "$T/noprof.json")" 0
printf 'devices:\n  - id: x\n    identifiers:\n      imei: "869012045678912"\n' > "$T/bad.yaml"
"$LEAKWATCH" -q -r "$LW_SOURCE_DIR/docs/sample/lab-sample.pcap" --profile "$T/bad.yaml" > /dev/null 2> "$T/err"
check_eq "profile with a bad IMEI refused" 1 $?
check_grep "message names file:line" "bad.yaml:4" "$T/err"
printf 'devices:\n  - id: x\n    app: y\n    policy: xiaoying-kankkan\n' > "$T/typo.yaml"
"$LEAKWATCH" -q -r "$LW_SOURCE_DIR/docs/sample/lab-sample.pcap" --profile "$T/typo.yaml" > /dev/null 2> "$T/err"
check_eq "profile naming an unknown policy refused" 1 $?
check_grep "message names file:line and the known ids" 'typo.yaml:4: devices\[0\].policy: no policy "xiaoying-kankkan".*known: .*xiaoying-kankan' "$T/err"
"$LEAKWATCH" --check-rules "$LW_SOURCE_DIR/data" > "$T/check"
check_eq "--check-rules on our rules: clean" 0 $?
"$LEAKWATCH" --check-rules "$LW_SOURCE_DIR/tests/data/rules_bad/dup_domain" > "$T/check"
check_eq "--check-rules on a bad dir fails" 1 $?
check_done
