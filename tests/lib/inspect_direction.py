"""--inspect out (the default) against --inspect both: which direction of a flow is
scanned. Each flow plants one identifier in what the device sends and another in what
it receives; the expected findings follow from where each value was planted, not from
leakwatch. Flows: a profile device as client (HTTP/1 with a gzip, chunked response),
a profile device as server (its responses are what it sends), a device's UDP
datagrams, and a flow between two hosts outside the profile (its client counts as the
device).

Usage: inspect_direction.py LEAKWATCH WORKDIR"""
import gzip
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import pcapmk  # noqa: E402

IMEI = "869012045678914"
OAID = "1f2e3d4c-aaaa-bbbb-cccc-0123456789ab"
AID = "9774d56d682e549c"
IMSI = "460001234567890"
MAC = "3c:28:6d:11:22:33"
DEV_MAC, DEV_IP = "02:00:0a:00:02:0a", "10.0.2.10"
OTHER_MAC = "02:00:0a:00:09:09"


def resp(body, headers=()):
    h = ["HTTP/1.1 200 OK", "Content-Type: application/json"] + list(headers)
    return ("\r\n".join(h) + "\r\n\r\n").encode() + body


def chunked(b):
    return b"%x\r\n%s\r\n0\r\n\r\n" % (len(b), b)


# (client port, planted by the device, planted toward the device), per flow
FLOWS = {
    41001: ("imei", "oaid"),   # device is the client
    41002: ("android_id", "imsi"),  # device is the server
    41003: ("mac", "imei"),    # UDP from the device, and the answer
    41004: ("android_id", "oaid"),  # neither end in the profile: the client sends
}


def write(work):
    path = os.path.join(work, "dir.pcap")
    p = pcapmk.Pcap(path)
    body = gzip.compress(json.dumps({"oaid": OAID}).encode(), mtime=0)
    p.tcp_flow(DEV_MAC, DEV_IP, 41001, "198.18.0.1", 80,
               [(pcapmk.http_request("GET", "a.example", "/a?imei=" + IMEI),
                 resp(chunked(body), ["Content-Encoding: gzip", "Transfer-Encoding: chunked"]))])
    # A client outside the profile asks the device (a camera's web server, say).
    req = pcapmk.http_request("POST", DEV_IP, "/cfg", [("Content-Type", "application/json")],
                              json.dumps({"imsi": IMSI}).encode())
    out = json.dumps({"android_id": AID}).encode()
    p.tcp_flow(OTHER_MAC, "198.18.0.2", 41002, DEV_IP, 8080,
               [(req, resp(out, ["Content-Length: %d" % len(out)]))])
    p.udp(DEV_MAC, DEV_IP, 41003, "02:00:00:00:00:01", "198.18.0.3", 9999,
          ("mac=" + MAC).encode())
    p.udp("02:00:00:00:00:01", "198.18.0.3", 9999, DEV_MAC, DEV_IP, 41003,
          ("imei=" + IMEI).encode())
    body = json.dumps({"oaid": OAID}).encode()
    p.tcp_flow(OTHER_MAC, "192.168.9.9", 41004, "198.18.0.4", 80,
               [(pcapmk.http_request("GET", "b.example", "/b?aid=" + AID),
                 resp(body, ["Content-Length: %d" % len(body)]))])
    p.close()
    prof = os.path.join(work, "dir.yaml")
    with open(prof, "w") as f:
        f.write("devices:\n  - id: phone\n    mac: \"%s\"\n    ip: %s\n    identifiers:\n"
                "      imei: \"%s\"\n      oaid: \"%s\"\n      android_id: \"%s\"\n"
                "      imsi: \"%s\"\n      mac: \"%s\"\n" % (DEV_MAC, DEV_IP, IMEI, OAID, AID,
                                                          IMSI, MAC))
    return path, prof


def found(leakwatch, pcap, prof, *extra):
    r = subprocess.run([leakwatch, "-q", "-r", pcap, "--profile", prof, *extra],
                       capture_output=True, text=True)
    if r.returncode != 0:
        raise SystemExit("leakwatch %s: exit %d: %s" % (extra, r.returncode, r.stderr))
    got = {}
    for line in r.stdout.splitlines():
        e = json.loads(line)
        if e["event_type"] == "privacy_leak" and e["identifier"]["source"] == "profile":
            port = e["src_port"] if e["src_port"] in FLOWS else e["dst_port"]
            got.setdefault(port, set()).add(e["identifier"]["type"])
    return got


def main():
    leakwatch, work = sys.argv[1], sys.argv[2]
    pcap, prof = write(work)
    fails = 0
    for label, extra, want in (
            ("default", (), {k: {v[0]} for k, v in FLOWS.items()}),
            ("--inspect out -t 2", ("--inspect", "out", "-t", "2"),
             {k: {v[0]} for k, v in FLOWS.items()}),
            ("--inspect both", ("--inspect", "both"), {k: set(v) for k, v in FLOWS.items()})):
        got = found(leakwatch, pcap, prof, *extra)
        for port in FLOWS:
            ok = got.get(port, set()) == want[port]
            fails += not ok
            print("%s %s: flow %d: found %s, planted %s" % (
                "ok:  " if ok else "FAIL:", label, port, sorted(got.get(port, set())),
                sorted(want[port])))
    r = subprocess.run([leakwatch, "-q", "-r", pcap, "--inspect", "in"], capture_output=True,
                       text=True)
    ok = r.returncode != 0 and "--inspect" in r.stderr and "'in'" in r.stderr
    fails += not ok
    print("%s --inspect in refused: exit %d, %s" % ("ok:  " if ok else "FAIL:", r.returncode,
                                                   r.stderr.strip()))
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
