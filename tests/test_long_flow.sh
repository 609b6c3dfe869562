#!/usr/bin/env bash
# A flow that stays open (a push channel) has its findings emitted while it is still
# open, once it is a minute old, not only when it ends; a repeat of a finding already
# sent is not sent again, and a new identifier later in the flow still is.
# Timeline (packet time): flow A to ulogs.umeng.com sends the IMEI at 0 s, a keep-alive
# at 70 s, the IMEI again plus the OAID at 110 s and never closes; flow B to
# app.adjust.com opens and closes at 80 s.
set -u
. "$LW_SOURCE_DIR/tests/lib/check.sh"
T=$(mktemp -d "${TMPDIR:-/tmp}/lw-long.XXXXXX")
trap 'rm -rf "$T"' EXIT
python3 - "$T/long.pcap" <<'PY'
import sys
sys.path.insert(0, __import__("os").environ["LW_SOURCE_DIR"] + "/tests/lib")
import pcapmk
IMEI, OAID = "869012045678914", "1f2e3d4c-aaaa-bbbb-cccc-0123456789ab"
MAC = "02:00:0a:00:00:02"
p = pcapmk.Pcap(sys.argv[1])
a = pcapmk.TcpConn(p, MAC, "10.0.0.2", 41000, "59.82.29.1", 80)
a.exchange(pcapmk.http_request("GET", "ulogs.umeng.com", "/a?imei=" + IMEI), pcapmk.HTTP_OK)
p.t += 70
a.exchange(pcapmk.http_request("GET", "ulogs.umeng.com", "/ping"), pcapmk.HTTP_OK)
p.t += 10
b = pcapmk.TcpConn(p, MAC, "10.0.0.2", 41002, "185.151.204.1", 80)
b.exchange(pcapmk.http_request("GET", "app.adjust.com", "/s?gps_adid=" + OAID), pcapmk.HTTP_OK)
b.close()
p.t += 30
a.exchange(pcapmk.http_request("GET", "ulogs.umeng.com", "/b?imei=%s&oaid=%s" % (IMEI, OAID)),
           pcapmk.HTTP_OK)
p.close()
PY
check_eq "capture written" 0 $?
for t in 1 2; do
    "$LEAKWATCH" -q -t $t -r "$T/long.pcap" --profile "$LW_SOURCE_DIR/docs/sample/lab.yaml" \
        > "$T/out$t.json"
    check_eq "-t $t exit" 0 $?
done
python3 - "$T/out1.json" > "$T/order" <<'PY'
import json, sys
ev = [json.loads(l) for l in open(sys.argv[1])]
def idx(pred):
    return [i for i, e in enumerate(ev) if pred(e)]
leak = lambda host, typ: lambda e: (e["event_type"] == "privacy_leak" and e["host"] == host
                                    and e["identifier"]["type"] == typ)
a_imei = idx(leak("ulogs.umeng.com", "imei"))
a_oaid = idx(leak("ulogs.umeng.com", "oaid"))
b_flow = idx(lambda e: e["event_type"] == "flow" and e.get("host") == "app.adjust.com")
a_flow = idx(lambda e: e["event_type"] == "flow" and e.get("host") == "ulogs.umeng.com")
print("imei_leaks", len(a_imei))
print("oaid_leaks", len(a_oaid))
print("imei_before_b", int(bool(a_imei and b_flow and a_imei[0] < b_flow[0])))
print("oaid_after_b", int(bool(a_oaid and b_flow and a_oaid[0] > b_flow[0])))
print("a_flow_reason", ev[a_flow[0]]["flow"]["reason"] if a_flow else "none")
e = ev[a_imei[0]] if a_imei else {}
print("early_fields", e.get("app_proto"), e.get("sdk"), e.get("device"), e.get("verdict"))
PY
check_grep "the IMEI is reported once (the repeat at 110 s is not re-sent)" "^imei_leaks 1$" "$T/order"
check_grep "the OAID that came later is reported" "^oaid_leaks 1$" "$T/order"
check_grep "the IMEI is emitted while flow A is open, before B ends" "^imei_before_b 1$" "$T/order"
check_grep "the OAID goes out with flow A's end, after B" "^oaid_after_b 1$" "$T/order"
check_grep "flow A never closed: ended at shutdown" "^a_flow_reason shutdown$" "$T/order"
check_grep "an early finding is fully attributed" "^early_fields HTTP umeng pixel6-a declared$" "$T/order"
summ() { python3 -c "
import json,sys
for l in open(sys.argv[1]):
    e=json.loads(l)
    if e['event_type']=='privacy_leak':
        print(e['host'], e['identifier']['type'], e['identifier']['where'], e['verdict'])
" "$1" | sort; }
check_eq "-t 1 and -t 2 give the same findings" "$(summ "$T/out1.json")" "$(summ "$T/out2.json")"
check_done
