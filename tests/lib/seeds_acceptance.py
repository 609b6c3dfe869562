"""Acceptance of the whole mission: for each of the five seed policies, a capture in
which that app's device talks to several SDKs its policy declares, to at least one it
does not, and to the app's own servers, leaking declared and undeclared identifiers
in several forms. Every expected verdict must be reported, and nothing else.

The expectations below were written from the seed policies' texts (the clauses quoted
in data/policies/*.yaml), not from leakwatch's output: each comment says why. Hashes and
encodings are computed here with Python's hashlib/base64, not by leakwatch.

Usage: seeds_acceptance.py LEAKWATCH WORKDIR  (exit 0 when every seed passes)"""
import base64
import hashlib
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import pcapmk  # noqa: E402

IMEI = "869012045678914"
OAID = "1f2e3d4c-aaaa-bbbb-cccc-0123456789ab"
AID = "9774d56d682e549c"
MAC = "3c:28:6d:11:22:33"
SSID = "LabNet-5G"
IMSI = "460001234567890"
BSSID = "a0:b1:c2:d3:e4:f5"
PHONE = "13812345678"
WIFI_PW = "correct horse"


def md5(s):
    return hashlib.md5(s.encode()).hexdigest()


def sha1(s):
    return hashlib.sha1(s.encode()).hexdigest()


def b64(s):
    return base64.b64encode(s.encode()).decode()


def js(d):
    return json.dumps(d).encode()


def form(d):
    return "&".join("%s=%s" % kv for kv in d).encode()


CT_JSON = ("Content-Type", "application/json")
CT_FORM = ("Content-Type", "application/x-www-form-urlencoded")

# A flow: ("http", host, server ip, request bytes) or ("tls", sni, server ip) or
# ("dns", name, ip) for a resolver answer that precedes an IP-literal request.
# A finding: (host, sdk, sdk_match, type, form, where, key, verdict).
SEEDS = [
    {
        "policy": "xiaoying-kankan", "seed": "002", "device": "phone-002",
        "app": "com.weipai.xiaoyingkankan",
        # The policy names no domain of its own; the lab names the app's API host.
        "first_party_domains": ["api.xiaoying-kankan.example"],
        "flows": [
            ("http", "ulogs.umeng.com", "59.82.29.1", pcapmk.http_request(
                "POST", "ulogs.umeng.com", "/app_logs", [CT_JSON],
                js({"imei": IMEI, "oaid": OAID}), gzip_body=True)),
            ("http", "mi.gdt.qq.com", "109.244.1.2", pcapmk.http_request(
                "GET", "mi.gdt.qq.com", "/gdt_mview.fcg?android_id=%s&muid=%s" % (AID, md5(IMEI)))),
            ("http", "sdk.open.phone.igexin.com", "122.14.1.3", pcapmk.http_request(
                "POST", "sdk.open.phone.igexin.com", "/api.php", [CT_FORM],
                form([("mac", MAC.upper().replace(":", "-")), ("ssid", SSID)]))),
            ("dns", "xmpush.xiaomi.com", "198.18.2.10"),
            ("http", "198.18.2.10", "198.18.2.10", pcapmk.http_request(
                "POST", "198.18.2.10", "/v2/register", [CT_JSON], js({"d": b64(IMEI)}))),
            ("http", "app.adjust.com", "185.151.204.1", pcapmk.http_request(
                "GET", "app.adjust.com", "/session", [("X-Imsi", IMSI), ("Cookie", "gps_adid=" + OAID)])),
            ("http", "api.xiaoying-kankan.example", "203.0.113.20", pcapmk.http_request(
                "GET", "api.xiaoying-kankan.example", "/v1/bind?imei=" + IMEI)),
            ("http", "api.xiaoying-kankan.example", "203.0.113.20", pcapmk.http_request(
                "POST", "api.xiaoying-kankan.example", "/v1/report", [CT_JSON],
                js({"imei_md5": md5(IMEI), "mac_md5": md5(MAC), "ssid": SSID, "androidId": AID}))),
            ("tls", "api-access.pangle.cn", "121.5.1.4"),
        ],
        "findings": [
            # Appendix II, Umeng: "IMEI/MAC/Android ID/OAID/..."
            ("ulogs.umeng.com", "umeng", "host", "imei", "plain", "http.body", "imei", "declared"),
            ("ulogs.umeng.com", "umeng", "host", "oaid", "plain", "http.body", "oaid", "declared"),
            # Youlianghui: Android_ID yes; IMEI not listed (an MD5 of it is still the IMEI).
            ("mi.gdt.qq.com", "tencent-gdt", "host", "android_id", "plain", "http.uri", "android_id", "declared"),
            ("mi.gdt.qq.com", "tencent-gdt", "host", "imei", "md5-hex", "http.uri", "muid", "undeclared_type"),
            # Getui: "MAC", "Wi-Fi information (ssid, bssid)".
            ("sdk.open.phone.igexin.com", "getui", "host", "mac", "mac-dash", "http.body", "mac", "declared"),
            ("sdk.open.phone.igexin.com", "getui", "host", "ssid", "plain", "http.body", "ssid", "declared"),
            # Xiaomi: "unique device identifier" is the category, which covers IMEI; the
            # host is an IP literal named only by the earlier DNS answer.
            ("xmpush.xiaomi.com", "xiaomi-push", "dns", "imei", "base64", "http.body", "d", "declared"),
            # Adjust is not in Appendix II.
            ("app.adjust.com", "adjust", "host", "imsi", "plain", "http.header", "X-Imsi", "undeclared_sdk"),
            ("app.adjust.com", "adjust", "host", "oaid", "plain", "http.cookie", "gps_adid", "undeclared_sdk"),
            # Section IV promises MD5 for IMEI and MAC: a raw IMEI breaks it, the MD5s keep it.
            ("api.xiaoying-kankan.example", None, None, "imei", "plain", "http.uri", "imei", "broken_transform"),
            ("api.xiaoying-kankan.example", None, None, "imei", "md5-hex", "http.body", "imei_md5", "first_party_declared"),
            ("api.xiaoying-kankan.example", None, None, "mac", "md5-hex", "http.body", "mac_md5", "first_party_declared"),
            # "Wi-Fi name (SSID)" is collected; Android ID is not in the first party's list.
            ("api.xiaoying-kankan.example", None, None, "ssid", "plain", "http.body", "ssid", "first_party_declared"),
            ("api.xiaoying-kankan.example", None, None, "android_id", "plain", "http.body", "androidId", "first_party_undeclared"),
        ],
        "contacts": {"umeng": True, "tencent-gdt": True, "getui": True, "xiaomi-push": True,
                     "adjust": False, "pangle": True},
    },
    {
        "policy": "kandao", "seed": "000", "device": "cam-000", "app": "com.kandao.qoocam",
        "first_party_domains": [],  # the policy's own kandaovr.com is used
        "flows": [
            ("http", "android.bugly.qq.com", "119.29.1.5", pcapmk.http_request(
                "POST", "android.bugly.qq.com", "/rqd/async", [CT_JSON],
                js({"deviceId": IMEI, "model": "Pixel 6"}))),
            ("http", "alog.umeng.com", "59.82.29.2", pcapmk.http_request(
                "GET", "alog.umeng.com", "/app_logs?oaid=" + OAID)),
            ("tls", "graph.facebook.com", "157.240.1.6"),
            ("http", "app-measurement.com", "142.250.1.7", pcapmk.http_request(
                "POST", "app-measurement.com", "/a", [CT_JSON], js({"app_instance": sha1(AID)}))),
            ("tls", "sdk.open.phone.igexin.com", "122.14.1.3"),
            ("http", "api.kandaovr.com", "203.0.113.30", pcapmk.http_request(
                "POST", "api.kandaovr.com", "/device/register", [CT_FORM],
                form([("imei", IMEI), ("ssid", SSID), ("phone", PHONE)]))),
            ("http", "api.kandaovr.com", "203.0.113.30", pcapmk.http_request(
                "GET", "api.kandaovr.com", "/ap?bssid=" + BSSID.upper().replace(":", "-"))),
        ],
        "findings": [
            # Annex I lists Bugly and Umeng with a purpose but no data fields.
            ("android.bugly.qq.com", "tencent-bugly", "host", "imei", "plain", "http.body", "deviceId", "undeclared_type"),
            ("alog.umeng.com", "umeng", "host", "oaid", "plain", "http.uri", "oaid", "undeclared_type"),
            # Firebase / Google Analytics is not in Annex I.
            ("app-measurement.com", "firebase", "host", "android_id", "sha1-hex", "http.body", "app_instance", "undeclared_sdk"),
            # Section I.3 lists IMEI, "SSID, BSSID", and registration collects the phone number.
            ("api.kandaovr.com", None, None, "imei", "plain", "http.body", "imei", "first_party_declared"),
            ("api.kandaovr.com", None, None, "ssid", "plain", "http.body", "ssid", "first_party_declared"),
            ("api.kandaovr.com", None, None, "phone", "plain", "http.body", "phone", "first_party_declared"),
            ("api.kandaovr.com", None, None, "bssid", "mac-dash", "http.uri", "bssid", "first_party_declared"),
        ],
        "contacts": {"tencent-bugly": True, "umeng": True, "facebook": True, "firebase": False,
                     "getui": False},
    },
    {
        "policy": "kago", "seed": "001", "device": "phone-001", "app": "com.kago.community",
        "first_party_domains": ["api.kago.example"],
        "flows": [
            ("http", "cn-shanghai.log.aliyuncs.com", "47.100.1.8", pcapmk.http_request(
                "POST", "cn-shanghai.log.aliyuncs.com", "/logstores/app/track", [CT_JSON],
                js({"payload": b64(IMEI), "topic": "startup"}), chunked=True)),
            ("tls", "webliveroom-api.zego.im", "47.100.1.9"),
            ("http", "graph.facebook.com", "157.240.1.6", pcapmk.http_request(
                "GET", "graph.facebook.com", "/v12.0/activities?advertiser_id=" + OAID)),
            ("http", "webim.tim.qq.com", "109.244.1.10", pcapmk.http_request(
                "POST", "webim.tim.qq.com", "/v4/openim/login", [CT_FORM], form([("imsi", IMSI)]))),
            ("http", "ulogs.umeng.com", "59.82.29.1", pcapmk.http_request(
                "GET", "ulogs.umeng.com", "/?imei=" + md5(IMEI))),
            ("tls", "android.bugly.qq.com", "119.29.1.5"),
            ("http", "api.kago.example", "203.0.113.40", pcapmk.http_request(
                "GET", "api.kago.example", "/user?phone=%s&imei=%s" % (PHONE, IMEI))),
        ],
        "findings": [
            # Ali Cloud SDK: only the vague "device information, log information".
            ("cn-shanghai.log.aliyuncs.com", "aliyun-sls", "host", "imei", "base64", "http.body", "payload", "undeclared_type"),
            # Facebook SDK: "network status" only.
            ("graph.facebook.com", "facebook", "host", "oaid", "plain", "http.uri", "advertiser_id", "undeclared_type"),
            # Tencent SDK (IM): "network status, read storage space, camera, ...".
            ("webim.tim.qq.com", "tencent-im", "host", "imsi", "plain", "http.body", "imsi", "undeclared_type"),
            # Umeng is not in Kago's SDK directory.
            ("ulogs.umeng.com", "umeng", "host", "imei", "md5-hex", "http.uri", "imei", "undeclared_sdk"),
            # Device information lists IMEI; the phone number is not in it.
            ("api.kago.example", None, None, "phone", "plain", "http.uri", "phone", "first_party_undeclared"),
            ("api.kago.example", None, None, "imei", "plain", "http.uri", "imei", "first_party_declared"),
        ],
        "contacts": {"aliyun-sls": True, "zego": True, "facebook": True, "tencent-im": True,
                     "umeng": False, "tencent-bugly": False},
    },
    {
        "policy": "seed-003", "seed": "003", "device": "tv-003", "app": "com.example.seed003",
        "first_party_domains": ["api.seed003.example"],
        "flows": [
            ("http", "ulogs.umeng.com", "59.82.29.1", pcapmk.http_request(
                "GET", "ulogs.umeng.com", "/?imei=" + IMEI)),
            ("tls", "sdk.open.phone.igexin.com", "122.14.1.3"),
            ("http", "app.adjust.com", "185.151.204.1", pcapmk.http_request(
                "POST", "app.adjust.com", "/event", [CT_JSON], js({"gps_adid": OAID}))),
            ("http", "api.seed003.example", "203.0.113.50", pcapmk.http_request(
                "POST", "api.seed003.example", "/login", [CT_JSON], js({"phone": PHONE, "imei": IMEI}))),
            ("http", "api.example-vendor.com", "203.0.113.99", pcapmk.http_request(
                "GET", "api.example-vendor.com", "/?aid=" + AID)),
        ],
        "findings": [
            # The policy names no SDK at all: every SDK is undeclared.
            ("ulogs.umeng.com", "umeng", "host", "imei", "plain", "http.uri", "imei", "undeclared_sdk"),
            ("app.adjust.com", "adjust", "host", "oaid", "plain", "http.body", "gps_adid", "undeclared_sdk"),
            # It collects "telephone numbers, e-mail" and location, nothing about devices.
            ("api.seed003.example", None, None, "phone", "plain", "http.body", "phone", "first_party_declared"),
            ("api.seed003.example", None, None, "imei", "plain", "http.body", "imei", "first_party_undeclared"),
            # Neither an SDK nor the app's own server.
            ("api.example-vendor.com", None, None, "android_id", "plain", "http.uri", "aid", "unknown_destination"),
        ],
        "contacts": {"umeng": False, "getui": False, "adjust": False},
    },
    {
        "policy": "kapi-action", "seed": "004", "device": "phone-004", "app": "com.sensetime.kapi",
        "first_party_domains": [],  # the policy's own sensetime.com is used
        "flows": [
            ("http", "api-access.pangle.cn", "121.5.1.4", pcapmk.http_request(
                "POST", "api-access.pangle.cn", "/api/ad/union/sdk/get_ads/", [CT_JSON],
                js({"oaid": OAID, "mac": MAC.upper()}), gzip_body=True, chunked=True)),
            ("http", "mi.gdt.qq.com", "109.244.1.2", pcapmk.http_request(
                "GET", "mi.gdt.qq.com", "/gdt_mview.fcg?muid=" + md5(IMEI))),
            ("tls", "ulogs.umeng.com", "59.82.29.1"),
            ("http", "api.sensetime.com", "203.0.113.60", pcapmk.http_request(
                "POST", "api.sensetime.com", "/kapi/v1/device", [CT_JSON],
                js({"imei": IMEI, "wifi": WIFI_PW}))),
        ],
        "findings": [
            # The SDK catalogue is only linked: every SDK is undeclared.
            ("api-access.pangle.cn", "pangle", "host", "oaid", "plain", "http.body", "oaid", "undeclared_sdk"),
            ("api-access.pangle.cn", "pangle", "host", "mac", "upper", "http.body", "mac", "undeclared_sdk"),
            ("mi.gdt.qq.com", "tencent-gdt", "host", "imei", "md5-hex", "http.uri", "muid", "undeclared_sdk"),
            # 2.1.a lists IMEI; a Wi-Fi password is nowhere in it.
            ("api.sensetime.com", None, None, "imei", "plain", "http.body", "imei", "first_party_declared"),
            ("api.sensetime.com", None, None, "wifi_password", "plain", "http.body", "wifi", "first_party_undeclared"),
        ],
        "contacts": {"pangle": False, "tencent-gdt": False, "umeng": False},
    },
]


def write_case(seed, n, work):
    mac = "02:00:0a:00:01:%02x" % n
    ip = "10.0.1.%d" % (10 + n)
    pcap_path = os.path.join(work, "seed-%s.pcap" % seed["seed"])
    p = pcapmk.Pcap(pcap_path)
    port = 40000
    for fl in seed["flows"]:
        port += 1
        if fl[0] == "dns":
            p.dns_answer(mac, ip, "10.0.1.1", fl[1], fl[2])
        elif fl[0] == "tls":
            p.tcp_flow(mac, ip, port, fl[2], 443, [(pcapmk.tls_client_hello(fl[1]), b"")])
        else:
            p.tcp_flow(mac, ip, port, fl[2], 80, [(fl[3], pcapmk.HTTP_OK)])
    p.close()
    prof = os.path.join(work, "seed-%s.yaml" % seed["seed"])
    with open(prof, "w") as f:
        f.write("devices:\n  - id: %s\n    mac: \"%s\"\n    ip: %s\n    app: %s\n"
                "    policy: %s\n" % (seed["device"], mac, ip, seed["app"], seed["policy"]))
        if seed["first_party_domains"]:
            f.write("    first_party_domains: [%s]\n" % ", ".join(seed["first_party_domains"]))
        f.write("    identifiers:\n")
        for k, v in [("imei", IMEI), ("oaid", OAID), ("android_id", AID), ("mac", MAC),
                     ("ssid", SSID), ("imsi", IMSI), ("bssid", BSSID), ("phone", PHONE),
                     ("wifi_password", WIFI_PW)]:
            f.write("      %s: \"%s\"\n" % (k, v))
    return pcap_path, prof


def run(leakwatch, pcap_path, prof, threads):
    r = subprocess.run([leakwatch, "-q", "-t", str(threads), "-r", pcap_path, "--profile", prof],
                       capture_output=True, text=True)
    if r.returncode != 0:
        raise SystemExit("leakwatch exit %d: %s" % (r.returncode, r.stderr))
    return [json.loads(line) for line in r.stdout.splitlines()]


def check(seed, events, label):
    fails = []
    got, contacts = [], {}
    for e in events:
        if e["event_type"] == "privacy_leak":
            i = e["identifier"]
            got.append((e["host"], e["sdk"], e["sdk_match"], i["type"], i["form"], i["where"],
                        i["key"], e["verdict"]))
            for fld, want in (("device", seed["device"]), ("app", seed["app"]),
                              ("policy", seed["policy"])):
                if e.get(fld) != want:
                    fails.append("%s: %s is %r, expected %r" % (label, fld, e.get(fld), want))
            if i["source"] != "profile" or i["confidence"] != 1.0:
                fails.append("%s: %s not a profile match: %s" % (label, i["type"], i))
            # A clause is quoted for every verdict but these: an unknown destination has
            # none, and an SDK missing from an included catalogue has nothing to quote
            # (a policy without a catalogue quotes its note saying so).
            no_clause = e["verdict"] == "unknown_destination" or (
                e["verdict"] == "undeclared_sdk" and seed["policy"] not in ("seed-003", "kapi-action"))
            if bool(e.get("clause")) == no_clause:
                fails.append("%s: clause %r for %s" % (label, e.get("clause"), got[-1]))
        elif e["event_type"] == "sdk_contact":
            if e["sdk"] in contacts:
                fails.append("%s: second sdk_contact for %s" % (label, e["sdk"]))
            contacts[e["sdk"]] = e["declared"]
    want = sorted(seed["findings"], key=repr)
    got_sorted = sorted(got, key=repr)
    for w in want:
        if w not in got_sorted:
            fails.append("%s: MISSING %s" % (label, w))
    for g in got_sorted:
        if g not in want:
            fails.append("%s: UNEXPECTED %s" % (label, g))
    if len(set(got)) != len(got):
        fails.append("%s: duplicate findings %s" % (label, got))
    if contacts != seed["contacts"]:
        fails.append("%s: contacts %s, expected %s" % (label, contacts, seed["contacts"]))
    return fails


def main():
    leakwatch, work = sys.argv[1], sys.argv[2]
    os.makedirs(work, exist_ok=True)
    failed = 0
    for n, seed in enumerate(SEEDS):
        pcap_path, prof = write_case(seed, n + 1, work)
        for t in (1, 2):
            label = "seed %s (%s) -t %d" % (seed["seed"], seed["policy"], t)
            fails = check(seed, run(leakwatch, pcap_path, prof, t), label)
            print("%s %s: %d findings, %d contacts" % ("FAIL" if fails else "ok", label,
                  len(seed["findings"]), len(seed["contacts"])))
            for f in fails:
                print("   ", f)
            failed += bool(fails)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
