"""event_schema - helpers of tests/test_event_schema.sh: validate leakwatch's JSON lines
against docs/events.schema.json, prove the schema rejects broken events, build the seed
captures, drive a run whose input arrives on stdin (periodic stats, SIGHUP reloads) and
list the event types the C sources emit.

Usage:
  event_schema.py validate SCHEMA FILE...     every line valid; prints counts per type
  event_schema.py mutants SCHEMA FILE...      every broken copy of real events rejected
  event_schema.py seeds WORKDIR               seed captures and profiles; prints "pcap profile"
  event_schema.py stream LEAKWATCH SAMPLE PROFILE WORKDIR OUT
  event_schema.py srctypes SCHEMA SRCDIR      event types in the C sources, all in the schema
Exit status 0 when the check holds."""
import copy
import json
import os
import re
import signal
import struct
import subprocess
import sys
import time

import jsonschema

HERE = os.path.dirname(os.path.abspath(__file__))


def validator(schema_path):
    with open(schema_path) as f:
        schema = json.load(f)
    cls = jsonschema.Draft202012Validator
    cls.check_schema(schema)
    return schema, cls(schema, format_checker=cls.FORMAT_CHECKER)


def events(path):
    with open(path) as f:
        for n, line in enumerate(f, 1):
            yield n, json.loads(line)


def cmd_validate(schema_path, files):
    _, v = validator(schema_path)
    bad, counts = 0, {}
    for path in files:
        for n, e in events(path):
            t = e.get("event_type")
            counts[t] = counts.get(t, 0) + 1
            for err in v.iter_errors(e):
                bad += 1
                if bad <= 20:
                    print("INVALID %s:%d (%s) at %s: %s" % (os.path.basename(path), n, t,
                          err.json_path, err.message[:300]))
    for t in sorted(counts, key=str):
        print("type %s %d" % (t, counts[t]))
    print("invalid %d" % bad)
    return 1 if bad else 0


def rename(obj, path, new):
    """Rename the key at dotted path (last component) to new."""
    *parents, last = path.split(".")
    for p in parents:
        obj = obj[p]
    obj[new] = obj.pop(last)


def setval(obj, path, value):
    *parents, last = path.split(".")
    for p in parents:
        obj = obj[p]
    if value is DELETE:
        del obj[last]
    else:
        obj[last] = value


DELETE = object()

# (event type, description, function building the broken copy from a valid event)
MUTANTS = [
    ("privacy_leak", "dest_ip renamed dst_ip", lambda e: rename(e, "dest_ip", "dst_ip")),
    ("privacy_leak", "identifier.form renamed forms", lambda e: rename(e, "identifier.form", "forms")),
    ("privacy_leak", "verdict misspelt", lambda e: setval(e, "verdict", "undeclared")),
    ("privacy_leak", "unknown form", lambda e: setval(e, "identifier.form", "md5")),
    ("privacy_leak", "unknown where", lambda e: setval(e, "identifier.where", "http.query")),
    ("privacy_leak", "confidence as a string", lambda e: setval(e, "identifier.confidence", "1.0")),
    ("privacy_leak", "tls as a string", lambda e: setval(e, "tls", "false")),
    ("privacy_leak", "reason missing", lambda e: setval(e, "reason", DELETE)),
    ("privacy_leak", "src_port out of range", lambda e: setval(e, "src_port", 70000)),
    ("privacy_leak", "event_type misspelt", lambda e: setval(e, "event_type", "privacy-leak")),
    ("privacy_leak", "timestamp without microseconds",
     lambda e: setval(e, "timestamp", e["timestamp"][:19] + "Z")),
    ("privacy_leak", "event_id missing", lambda e: setval(e, "event_id", DELETE)),
    ("privacy_leak", "community_id missing", lambda e: setval(e, "community_id", DELETE)),
    ("privacy_leak", "community_id without its version", lambda e: setval(e, "community_id", e["community_id"][2:])),
    ("flow", "pcap_cnt and in_iface both", lambda e: setval(e, "in_iface", "eth0")),
    ("flow", "ports on an ICMP flow", lambda e: (setval(e, "proto", "ICMP"), e.pop("community_id", None))),
    ("sdk_contact", "declared as a string", lambda e: setval(e, "declared", "true")),
    ("sdk_contact", "declared null beside a policy",
     lambda e: setval(e, "declared", None)),
    ("sdk_contact", "sdk_match renamed match", lambda e: rename(e, "sdk_match", "match")),
    ("sdk_contact", "sdk_match null", lambda e: setval(e, "sdk_match", None)),
    ("flow", "flow.reason unknown", lambda e: setval(e, "flow.reason", "timedout")),
    ("flow", "flow.pkts_toserver renamed", lambda e: rename(e, "flow.pkts_toserver", "pkts_to_server")),
    ("flow", "flow_id as a string", lambda e: setval(e, "flow_id", str(e["flow_id"]))),
    ("flow", "src_ip not an address", lambda e: setval(e, "src_ip", "10.0.0")),
    ("stats", "stats.final as a number", lambda e: setval(e, "stats.final", 1)),
    ("stats", "stats.flows.created renamed", lambda e: rename(e, "stats.flows.created", "new")),
    ("stats", "a periodic stats event without seq",
     lambda e: (setval(e, "stats.final", False), e["stats"].pop("seq", None))),
    ("stats", "negative counter", lambda e: setval(e, "stats.packets", -1)),
    ("reload", "reload.generation renamed", lambda e: rename(e, "reload.generation", "gen")),
    ("reload", "ok reload with an error",
     lambda e: (setval(e, "reload.ok", True), e["reload"].setdefault("compile_ms", 1),
                setval(e, "reload.error", "x"))),
    ("reload", "failed reload without an error",
     lambda e: (setval(e, "reload.ok", False), e["reload"].pop("error", None))),
]


def cmd_mutants(schema_path, files):
    _, v = validator(schema_path)
    first = {}
    for path in files:
        for _, e in events(path):
            first.setdefault(e.get("event_type"), e)
    fails = 0
    for t, what, fn in MUTANTS:
        if t not in first:
            print("FAIL: no %s event to break (%s)" % (t, what))
            fails += 1
            continue
        good = first[t]
        if not v.is_valid(good):
            print("FAIL: the %s event to break is itself invalid" % t)
            fails += 1
            continue
        bad = copy.deepcopy(good)
        fn(bad)
        if v.is_valid(bad):
            print("FAIL: %s: %s accepted" % (t, what))
            fails += 1
        else:
            print("rejected: %s: %s" % (t, what))
    print("mutants %d, accepted %d" % (len(MUTANTS), fails))
    return 1 if fails else 0


def cmd_seeds(work):
    sys.path.insert(0, HERE)
    import seeds_acceptance
    for n, seed in enumerate(seeds_acceptance.SEEDS):
        pcap, prof = seeds_acceptance.write_case(seed, n + 1, work)
        print(pcap, prof)
    return 0


def complete_lines(path):
    try:
        with open(path) as f:
            data = f.read()
    except FileNotFoundError:
        return []
    return [json.loads(line) for line in data.split("\n")[:-1] if line]


def cmd_stream(lw, sample, profile, work, out):
    """The sample capture, then one UDP datagram every 0.25 s whose timestamp is 1 s after
    the previous one, on leakwatch's stdin (-r -), until the events asked for appear:
    a periodic stats event (--stats-interval 1), then after SIGHUP a successful reload,
    then after SIGHUP with a broken profile a failed one. Then end of input."""
    prof = os.path.join(work, "stream.yaml")
    with open(profile) as f:
        good = f.read()
    with open(prof, "w") as f:
        f.write(good)
    with open(sample, "rb") as f:
        cap = f.read()
    magic, _, _, _, _, _, link = struct.unpack("<IHHiIII", cap[:24])
    if magic != 0xA1B2C3D4 or link != 1:
        print("FAIL: %s is not a little-endian microsecond Ethernet pcap" % sample)
        return 1
    off, last = 24, 0
    while off < len(cap):
        sec, usec, incl, _ = struct.unpack("<IIII", cap[off:off + 16])
        last = max(last, sec)
        off += 16 + incl
    p = subprocess.Popen([lw, "-q", "-t", "2", "-r", "-", "--profile", prof,
                          "--stats-interval", "1", "-o", out], stdin=subprocess.PIPE)
    p.stdin.write(cap)
    p.stdin.flush()
    t = last

    def filler():
        nonlocal t
        t += 1
        udp = struct.pack("!HHHH", 40000, 9, 9, 0) + b"x"
        ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), t & 0xFFFF, 0, 64, 17, 0,
                         bytes([10, 0, 0, 2]), bytes([10, 0, 0, 1]))
        fr = bytes.fromhex("020000000001") + bytes.fromhex("02000a000002") + b"\x08\x00" + ip + udp
        p.stdin.write(struct.pack("<IIII", t, 0, len(fr), len(fr)) + fr)
        p.stdin.flush()

    def wait_for(what, cond, limit=90):
        end = time.monotonic() + limit
        while time.monotonic() < end:
            filler()
            time.sleep(0.25)
            if any(cond(e) for e in complete_lines(out)):
                print("seen: %s" % what)
                return True
            if p.poll() is not None:
                break
        print("FAIL: no %s within %d s (leakwatch exit %s)" % (what, limit, p.poll()))
        return False

    ok = wait_for("periodic stats event", lambda e: e.get("event_type") == "stats"
                  and e["stats"].get("final") is False)
    if ok:
        p.send_signal(signal.SIGHUP)
        ok = wait_for("successful reload event", lambda e: e.get("event_type") == "reload"
                      and e["reload"].get("ok") is True)
    if ok:
        with open(prof, "w") as f:
            f.write(good.replace("identifiers:", "identifers:"))
        p.send_signal(signal.SIGHUP)
        ok = wait_for("failed reload event", lambda e: e.get("event_type") == "reload"
                      and e["reload"].get("ok") is False)
    p.stdin.close()
    try:
        rc = p.wait(timeout=60)
    except subprocess.TimeoutExpired:
        p.kill()
        rc = p.wait()
        print("FAIL: leakwatch did not end at the end of its input")
        return 1
    print("leakwatch exit %d" % rc)
    return 0 if ok and rc == 0 else 1


def cmd_srctypes(schema_path, srcdir):
    schema, _ = validator(schema_path)
    known = set(schema["properties"]["event_type"]["enum"])
    found = set()
    pats = [re.compile(r'event_(?:flow_base|new)\([^;]*?"([a-z_]+)"\s*[,)]'),
            re.compile(r'"event_type"\s*,\s*json_string\(\s*"([a-z_]+)"\s*\)')]
    for root, _, names in os.walk(srcdir):
        if "/build" in root or "/.git" in root:
            continue
        for n in names:
            if n.endswith(".c"):
                with open(os.path.join(root, n), errors="replace") as f:
                    text = f.read()
                for rx in pats:
                    found.update(rx.findall(text))
    print("in the sources: %s" % " ".join(sorted(found)))
    if not found:
        print("FAIL: no event_type found in the C sources: update the patterns of srctypes")
        return 1
    missing = found - known
    if missing:
        print("FAIL: event types emitted but not in the schema: %s" % " ".join(sorted(missing)))
        return 1
    return 0


def main():
    a = sys.argv[1:]
    if not a:
        print(__doc__)
        return 2
    if a[0] == "validate":
        return cmd_validate(a[1], a[2:])
    if a[0] == "mutants":
        return cmd_mutants(a[1], a[2:])
    if a[0] == "seeds":
        return cmd_seeds(a[1])
    if a[0] == "stream":
        return cmd_stream(*a[1:6])
    if a[0] == "srctypes":
        return cmd_srctypes(a[1], a[2])
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main())
