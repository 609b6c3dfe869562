#!/usr/bin/env bash
# On the real captures of tests/data/pcaps/, every host that a public dataset names is
# attributed to it (through the imported catalogue), hand-written attributions are
# unchanged, and hosts the datasets know only as CDN/cloud front ends stay unattributed.
# Expected lists: the host of each flow event, its sdk, and its host_owner - who runs
# the host: the SDK, else the front end that names it (attributes no SDK, but the
# dataset's entry is still named), looked up by hand in data/sdks/ (the closing note of
# issue 17 gives the same lists before and after the import).
set -u
. "$LW_SOURCE_DIR/tests/lib/check.sh"
T=$(mktemp -d "${TMPDIR:-/tmp}/lw-catcap.XXXXXX")
trap 'rm -rf "$T"' EXIT
P="$LW_SOURCE_DIR/tests/data/pcaps"
hosts() {  # capture -> "host sdk owner" lines ("-" when none), one per host
    "$LEAKWATCH" -q --rules "$LW_SOURCE_DIR/data" -r "$1" > "$T/ev.json"
    python3 -c "
import json, sys
h = {}
for l in open(sys.argv[1]):
    e = json.loads(l)
    if e['event_type'] == 'flow' and e.get('host'):
        old = h.get(e['host'], ('-', '-'))
        h[e['host']] = (e.get('sdk') or old[0], e.get('host_owner') or old[1])
for k in sorted(h): print(k, *h[k])
" "$T/ev.json"
}
expect() {  # capture expected-lines
    hosts "$P/$1" > "$T/got"
    printf '%s\n' "$2" > "$T/want"
    if diff -u "$T/want" "$T/got" > "$T/diff"; then check_eq "$1: hosts attributed" 0 0
    else cat "$T/diff"; check_eq "$1: hosts attributed" same different; fi
}
# hand-written SDKs (as before the import): mads.amazon-adsystem.com, mobileanalytics...,
# mtalk.google.com; AdGuard companiesdb: amazon.com (amazon), connectivitycheck.android.com
# (android); front ends: cognito-identity...amazonaws.com, and www.google.com (AdGuard's
# catch-all "google" is marked a front end in data/sdks/frontends.yaml: Google's own
# services, not an SDK of the app).
expect alexa-app.pcapng "alexa.amazon.com amazon amazon
android-1c1335ec95a27318 - -
cognito-identity.us-east-1.amazonaws.com - amazon-web-services
connectivitycheck.android.com android android
firs-ta-g7g.amazon.com amazon amazon
mads.amazon-adsystem.com amazon-ads amazon-ads
mobileanalytics.us-east-1.amazonaws.com amazon-mobile-analytics amazon-mobile-analytics
mtalk.google.com google-play-services google-play-services
pitangui.amazon.com amazon amazon
www.amazon.com amazon amazon
www.google.com - google"
# googleapis.com is a front end (AdGuard "Google APIs", category cdn): datasaver and
# semanticlocation stay unattributed; play/android.googleapis.com are hand-written. So
# are google.com, googlezip.net (the "google" catch-all) and gstatic.com (AdGuard cdn):
# the connectivity checks and Chrome's data-saver proxy name no SDK.
expect android.pcap "_spotify-connect._tcp.local - -
accounts.google.com google-auth google-auth
android.clients.google.com google-play-services google-play-services
android.googleapis.com google-play-services google-play-services
app-measurement.com firebase firebase
captive.apple.com apple apple
check.googlezip.net - google
clients1.google.com - google
connectivitycheck.gstatic.com - gstatic
datasaver.googleapis.com - googleapis-com
lucas-imac - -
mtalk.google.com google-play-services google-play-services
play.googleapis.com google-play-services google-play-services
proxy.googlezip.net - google
semanticlocation-pa.googleapis.com - googleapis-com
time.android.com android android
www.google.com - google"
# quickplay.com is in no dataset.
expect quickplay.pcap "api-singtelhawk.quickplay.com - -
api.account.xiaomi.com xiaomi xiaomi
clients3.google.com - google
hkextshort.weixin.qq.com wechat wechat
hkminorshort.weixin.qq.com wechat wechat
play-singtelhawk.quickplay.com - -
vod-singtelhawk.quickplay.com - -
www.facebook.com facebook facebook"
# Entity grouping on the contacts: company, parent and category of the SDK.
"$LEAKWATCH" -q --rules "$LW_SOURCE_DIR/data" -r "$P/quickplay.pcap" > "$T/q.json"
check_grep "sdk_contact carries company, parent, category" \
    '"sdk":"wechat",.*"sdk_company":"Tencent","sdk_parent":"Tencent","sdk_category":"social"' "$T/q.json"
check_grep "imported SDK contact (AdGuard xiaomi)" '"event_type":"sdk_contact".*"sdk":"xiaomi"' "$T/q.json"
# The "google" catch-all no longer judges: an IMEI sent to www.google.com goes to an
# unknown destination, not to an undeclared SDK; Google's ad SDK still attributes.
verdict() {  # host -> "sdk verdict" of the IMEI finding, under the sample profile
    "$PCAPGEN" -o "$T/g.pcap" --flows 1 --hosts "$1" --plant "imei=869012045678914" 2>/dev/null
    "$LEAKWATCH" -q --rules "$LW_SOURCE_DIR/data" --profile "$LW_SOURCE_DIR/docs/sample/lab.yaml" \
        -r "$T/g.pcap" | python3 -c "
import json, sys
for l in sys.stdin:
    e = json.loads(l)
    if e['event_type'] == 'privacy_leak' and e['identifier']['type'] == 'imei':
        print(e['sdk'], e['verdict'])" | sort -u
}
check_eq "www.google.com: unknown_destination" "None unknown_destination" "$(verdict www.google.com)"
check_eq "googleads.g.doubleclick.net: still Google's ad SDK" "google-admob undeclared_sdk" \
    "$(verdict googleads.g.doubleclick.net)"
check_done
