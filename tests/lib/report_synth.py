"""Synthetic leakwatch events for the report's scale test and bench/report.sh: N lines
in the field layout of README "## Output", a realistic mix (about 74 % findings, 26 %
flows, one sdk_contact per device and SDK, a final stats event), deterministic.

Usage: report_synth.py N > events.json"""
import json
import random
import sys

TYPES = ["imei", "oaid", "android_id", "mac", "ssid", "imsi", "phone", "bssid", "ip",
         "location", "gaid", "iccid", "serial", "idfa", "email"]
FORMS = ["plain", "md5-hex", "sha1-hex", "base64", "upper"]
WHERES = ["http.uri", "http.body", "http.header", "http.cookie", "tls.payload"]
VERDICTS = ["declared", "declared", "declared", "undeclared_type", "undeclared_sdk",
            "broken_transform", "first_party_declared", "unknown_destination"]


def main():
    n = int(sys.argv[1])
    rnd = random.Random(19)
    out = sys.stdout
    devices = [("dev-%02d" % d, "com.example.app%02d" % d, "pol-%02d" % (d % 5)) for d in range(20)]
    sdks = ["sdk-%02d" % s for s in range(30)]
    contacted = set()
    base = {"timestamp": "", "event_type": "", "flow_id": 0, "src_ip": "10.0.0.1",
            "src_port": 40000, "dest_ip": "198.51.100.1", "dest_port": 80, "proto": "TCP"}
    # Each app talks to 8 SDKs and sends each of them up to 6 types, in 2 forms and 2
    # places: about 4 000 distinct findings, the order of a long lab capture.
    uses = {d: (rnd.sample(sdks, 8), rnd.sample(TYPES, 6)) for d in range(20)}
    verdict = {}
    for i in range(n - 1):
        dev, app, pol = devices[i % 20]
        mine, types = uses[i % 20]
        sdk = mine[rnd.randrange(8)]
        ev = dict(base, timestamp="2026-01-01T%02d:%02d:%02d.%06dZ" % (
            i // 3600000 % 24, i // 60000 % 60, i // 1000 % 60, i % 1000 * 1000),
            flow_id=100000 + i // 2, src_port=1024 + i % 60000)
        if (dev, sdk) not in contacted:
            contacted.add((dev, sdk))
            ev.update(event_type="sdk_contact", host=sdk + ".example", device=dev, app=app,
                      sdk=sdk, sdk_name=sdk.upper(), sdk_vendor="Vendor " + sdk[-2:],
                      sdk_match="host", declared=rnd.random() < 0.7, policy=pol,
                      clause=None, reason="synthetic")
        elif rnd.random() < 0.26:
            ev.update(event_type="flow", app_proto="HTTP", host=sdk + ".example", device=dev,
                      flow={"pkts_toserver": 5, "pkts_toclient": 4, "reason": "closed"})
        else:
            t = types[rnd.randrange(6)]
            v = verdict.setdefault((dev, sdk, t), VERDICTS[rnd.randrange(len(VERDICTS))])
            ev.update(event_type="privacy_leak", app_proto="HTTP", host=sdk + ".example",
                      device=dev, app=app, sdk=None if v.startswith("first") else sdk,
                      sdk_match="host", identifier={
                          "type": t, "category": "device_identifier",
                          "form": FORMS[rnd.randrange(2)], "where": WHERES[rnd.randrange(2)],
                          "key": t, "source": "profile", "confidence": 1.0,
                          "evidence": "86901*****8914", "count": 1},
                      tls=False, verdict=v, policy=pol, clause="synthetic clause " + v,
                      reason="synthetic")
        out.write(json.dumps(ev, separators=(",", ":")))
        out.write("\n")
    out.write(json.dumps({"timestamp": "2026-01-01T23:59:59.000000Z", "event_type": "stats",
                          "stats": {"final": True, "packets": n * 5, "input_errors": 0,
                                    "rules_generation": 1, "flows": {"created": n // 4}}}))
    out.write("\n")


if __name__ == "__main__":
    main()
