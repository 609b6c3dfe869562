#!/usr/bin/env bash
# scripts/import-trackers.py on excerpts of the real datasets (tests/data/trackers/README.md):
# the entries it writes, which hand-written SDK each tracker merges into, what it drops,
# and what `leakwatch --check-rules` then says about the result (clean), about a stale
# import (a warning, exit 0) and about a real conflict (an error, exit 1).
set -u
. "$LW_SOURCE_DIR/tests/lib/check.sh"
T=$(mktemp -d "${TMPDIR:-/tmp}/lw-import.XXXXXX")
trap 'rm -rf "$T"' EXIT
F="$LW_SOURCE_DIR/tests/data/trackers"
mkdir -p "$T/rules/sdks" "$T/rules/policies"
cp "$LW_SOURCE_DIR/data/ontology.yaml" "$T/rules/"
cp "$F/hand/sdks.yaml" "$T/rules/sdks/"
python3 "$LW_SOURCE_DIR/scripts/import-trackers.py" \
    --adguard "$F/adguard-trackers.json" --adguard-companies "$F/adguard-companies.json" \
    --exodus "$F/exodus-trackers.json" --exodus-date 2026-08-22 \
    --v2fly "$F/v2fly" --v2fly-date 2026-08-01 \
    --hand "$T/rules/sdks" --out "$T/rules/sdks/imported" --report "$T/report" 2> "$T/stderr"
check_eq "importer exit" 0 $?
check_grep "summary" "imported: adguard 6 entries, exodus 6 entries, v2fly 3 entries" "$T/stderr"

# The entries, read back (one line per id, merged over the three files as leakwatch does).
python3 - "$T/rules/sdks/imported" > "$T/entries" <<'PY'
import sys, os, yaml
d = sys.argv[1]
ent = {}
for fn in sorted(os.listdir(d)):
    if not fn.endswith('.yaml'):
        continue
    for e in yaml.safe_load(open(os.path.join(d, fn), encoding='utf-8')):
        m = ent.setdefault(e['id'], {'files': [], 'domains': [], 'pat': [], 'code': [], 'alias': [], 'src': []})
        m['files'].append(fn.split('.')[0])
        m['domains'] += e['domains']
        m['pat'] += e.get('host_patterns', [])
        m['code'] += e.get('code_signatures', [])
        m['alias'] += e.get('aliases', [])
        m['src'].append(e['source'])
        m.setdefault('cat', e.get('category'))
        m.setdefault('vendor', e.get('vendor'))
        m.setdefault('note', e.get('note'))
for i, m in sorted(ent.items()):
    print(i, '|', ','.join(m['files']), '|', m['cat'], '|', m['vendor'], '|', ' '.join(sorted(m['domains'])),
          '|', ' '.join(m['pat']), '|', ' '.join(m['code']), '|', ' / '.join(m['alias']), '|', m['note'] or '')
    for s in m['src']:
        print('  src', i, s)
PY
cat "$T/entries"
# Same SDK as a hand-written entry: the hand-written id, only what the hand entry lacks.
check_grep "AdGuard cnzz.com and Exodus #119 merged into umeng (no domain repeated)" \
    '^umeng | adguard,exodus,v2fly | analytics | Umeng | mobmore.com new-aaid.umeng.com.gds.alibabadns.com puata.info shujupie.com umsns.com umtrack.com uyunad.com whalecloud.com |  | com.umeng.analytics |  |' "$T/entries"
check_grep "AdGuard firebase merged into firebase, with the domains it adds" \
    '^firebase | adguard | analytics | Google | firebase.google.com firebase.googleapis.com firebaseapp.com ' "$T/entries"
check_grep "Exodus #190 merged into tencent-bugly, code signature kept" \
    '^tencent-bugly | exodus | unknown | Bugly |  |  | com.tencent.bugly. |  |' "$T/entries"
check_grep "Exodus #312 merged into google-admob: new hosts, the regex as a host pattern" \
    '^google-admob | exodus | advertising | Google AdMob | ads.google.com adservice.g.cn dmtry.com doubleclick.com mng-ads.com mobileads.google.com | adservice\\.google\\..\* |' "$T/entries"
check_grep "Exodus #118 merged into AdGuard's mixpanel (domains already covered)" \
    '^mixpanel | adguard,exodus | analytics | Mixpanel | mixpanel.com mxpnl.com mxpnl.net |  | com.mixpanel. |  |' "$T/entries"
check_grep "AdGuard hosting -> a cloud front end" \
    '^amazon-web-services | adguard | cloud | Amazon | amazonaws.com amazonwebservices.com awsstatic.com |' "$T/entries"
check_grep "AdGuard tracker without domains says so" \
    '^shopifycdn-com | adguard | cdn | .* | AdGuard lists no domain for this tracker$' "$T/entries"
check_grep "Exodus-only tracker: own id, code signatures" \
    '^exodus-1 | exodus | analytics | Teemo | databerries.com |  | com.databerries. com.geolocstation. |' "$T/entries"
check_grep "Exodus URL signature dropped, hosts kept" \
    '^exodus-80 | exodus | analytics | SilverPush | silverpush.co silverpush.com |  |' "$T/entries"
check_grep "URL signature reported" 'drop exodus pattern 54\\\.243' "$T/report"
check_grep "v2fly single-SDK list -> own entry" \
    '^v2fly-getui | v2fly | unknown | getui | gepush.com getui.cn getui.com getui.net igehuo.com igetui.com igexin.com |' "$T/entries"
check_grep "v2fly @ads hosts of a vendor -> one entry" \
    '^v2fly-kuaishou-ads | v2fly | advertising | kuaishou | adbkwai.com adkwai.com adukwai.com e.kuaishou.cn e.kuaishou.com log-sdk.gifshow.com wlog.kuaishou.com |' "$T/entries"
check_grep "provenance: dataset, entry id, snapshot date (AdGuard)" \
    '  src qq-com AdGuard companiesdb tracker "qq.com" (https://github.com/AdguardTeam/companiesdb, dist/trackers.json, snapshot 2026-07-20, CC BY-SA 4.0)' "$T/entries"
check_grep "provenance (Exodus)" \
    '  src tencent-bugly Exodus Privacy tracker #190 (https://reports.exodus-privacy.eu.org/en/trackers/190/, via TrackerControl assets/trackers.json, snapshot 2026-08-22, ODbL 1.0)' "$T/entries"
check_grep "provenance (v2fly)" \
    '  src v2fly-getui v2fly domain-list-community data/getui (https://github.com/v2fly/domain-list-community, snapshot 2026-08-01, MIT)' "$T/entries"
check_grep "merge decisions reported" "^merge adguard cnzz.com into hand-written umeng" "$T/report"
check_ok "one licence per output file" \
    "grep -q 'Licence of this file: CC BY-SA 4.0' '$T/rules/sdks/imported/adguard.yaml' && grep -q 'Licence of this file: ODbL 1.0' '$T/rules/sdks/imported/exodus.yaml' && grep -q 'Licence of this file: MIT' '$T/rules/sdks/imported/v2fly.yaml'"

# leakwatch reads the result: clean, one entry per SDK.
"$LEAKWATCH" --check-rules "$T/rules" > "$T/check" 2>&1
check_eq "--check-rules on the import: exit" 0 $?
cat "$T/check"
check_grep "no errors, 12 SDKs (4 hand-written + 8 new)" ": 0 errors; 22 identifier types, 12 SDKs," "$T/check"
check_grep "no warnings, the AdMob regex compiled" ": 0 warnings; 1 host patterns" "$T/check"

# A hand-written file edited after the import: expected overlap, a warning.
cat >> "$T/rules/sdks/sdks.yaml" <<'EOF'
- id: mixpanel-hand
  name: Mixpanel
  vendor: Mixpanel
  domains: [mxpnl.com]
  source: "fixture"
EOF
"$LEAKWATCH" --check-rules "$T/rules" > "$T/check2" 2>&1
check_eq "stale import: still exit 0" 0 $?
check_grep "stale import: warning with file:line" \
    "imported/adguard.yaml:[0-9]*: warning: imported domain mxpnl.com of sdk mixpanel is hand-written for sdk mixpanel-hand (.*sdks.yaml:[0-9]*), which wins" "$T/check2"

# Two imported SDKs on one domain: a real conflict, an error.
cat > "$T/rules/sdks/imported/zz-local.yaml" <<'EOF'
- id: other-tracker
  name: Other
  vendor: Other
  domains: [silverpush.com]
  source: "fixture"
EOF
"$LEAKWATCH" --check-rules "$T/rules" > "$T/check3" 2>&1
check_eq "conflict: exit 1" 1 $?
check_grep "conflict: error with file:line" \
    "zz-local.yaml:4: error: domain silverpush.com of sdk other-tracker is already listed for sdk exodus-80" "$T/check3"
check_done
