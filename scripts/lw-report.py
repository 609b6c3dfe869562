#!/usr/bin/env python3
"""lw-report - one audit summary per app from leakwatch's JSON lines.

Reads the events leakwatch wrote (a file, several, or stdin) and prints, per device
and app: the policy judged against, every SDK contacted (declared in the policy or
not), and every identifier finding grouped by verdict, most serious first. With
--fail-on it exits 1 when a finding has one of the given verdicts, so a lab's CI can
gate an app build on its privacy report.

  leakwatch -r run.pcap --profile lab.yaml -o events.json
  scripts/lw-report.py events.json
  scripts/lw-report.py --format json events.json          # the same, machine-readable
  scripts/lw-report.py --fail-on undeclared_sdk,broken_transform events.json

Lines that are not JSON objects are counted and reported, never fatal: a report from
a run cut short is still a report."""
import argparse
import json
import sys
from collections import OrderedDict, defaultdict

# Most serious first: what a reader of the report must see at the top.
VERDICT_ORDER = ["broken_transform", "undeclared_sdk", "undeclared_type",
                 "first_party_undeclared", "unknown_destination", "no_policy",
                 "declared", "first_party_declared"]
VIOLATIONS = {"broken_transform", "undeclared_sdk", "undeclared_type", "first_party_undeclared"}


def load(paths):
    events, bad = [], 0
    files = paths or ["-"]
    for p in files:
        f = sys.stdin if p == "-" else open(p, encoding="utf-8", errors="replace")
        with f:
            for n, line in enumerate(f, 1):
                line = line.strip()
                if not line:
                    continue
                try:
                    ev = json.loads(line)
                except ValueError:
                    ev = None
                if not isinstance(ev, dict) or "event_type" not in ev:
                    bad += 1
                    if bad <= 3:
                        print("lw-report: %s:%d: not a leakwatch event, skipped" % (p, n),
                              file=sys.stderr)
                    continue
                events.append(ev)
    return events, bad


def summarise(events):
    apps = OrderedDict()

    def app_of(ev):
        k = (ev.get("device") or ev.get("src_ip") or "?", ev.get("app") or "-")
        if k not in apps:
            apps[k] = {"device": k[0], "app": k[1], "policy": None, "sdks": OrderedDict(),
                       "findings": OrderedDict()}
        a = apps[k]
        if ev.get("policy"):
            a["policy"] = ev["policy"]
        return a

    for ev in events:
        t = ev["event_type"]
        if t == "sdk_contact":
            a = app_of(ev)
            s = a["sdks"].setdefault(ev.get("sdk"), {"declared": ev.get("declared"),
                                                     "hosts": [], "reason": ev.get("reason")})
            if ev.get("host") and ev["host"] not in s["hosts"]:
                s["hosts"].append(ev["host"])
        elif t == "privacy_leak":
            a = app_of(ev)
            i = ev.get("identifier") or {}
            key = (ev.get("verdict"), i.get("type"), ev.get("sdk"), ev.get("host"),
                   i.get("form"), i.get("where"))
            f = a["findings"].get(key)
            if not f:
                f = a["findings"][key] = {
                    "verdict": ev.get("verdict"), "type": i.get("type"),
                    "sdk": ev.get("sdk"), "host": ev.get("host"), "form": i.get("form"),
                    "where": i.get("where"), "key": i.get("key"), "flows": 0, "count": 0,
                    "tls": bool(ev.get("tls")), "clause": ev.get("clause"),
                    "reason": ev.get("reason")}
            f["flows"] += 1
            f["count"] += int(i.get("count") or 1)
    for a in apps.values():
        a["findings"] = sorted(
            a["findings"].values(),
            key=lambda f: (VERDICT_ORDER.index(f["verdict"]) if f["verdict"] in VERDICT_ORDER
                           else len(VERDICT_ORDER), f["type"] or "", f["sdk"] or "",
                           f["host"] or ""))
    return list(apps.values())


def text(apps, bad, out):
    if not apps:
        out.write("No privacy_leak or sdk_contact events.\n")
    for a in apps:
        out.write("== %s  app %s  policy %s\n" % (a["device"], a["app"], a["policy"] or "(none)"))
        out.write("SDKs contacted: %d (%d not declared)\n" % (
            len(a["sdks"]), sum(1 for s in a["sdks"].values() if not s["declared"])))
        for sdk, s in a["sdks"].items():
            out.write("  %-22s %-12s %s\n" % (sdk, "declared" if s["declared"] else "UNDECLARED",
                                             ", ".join(s["hosts"])))
        by = defaultdict(list)
        for f in a["findings"]:
            by[f["verdict"]].append(f)
        out.write("Findings: %d\n" % len(a["findings"]))
        for v in sorted(by, key=lambda v: VERDICT_ORDER.index(v) if v in VERDICT_ORDER else 99):
            out.write("  %s (%d)%s\n" % (v, len(by[v]), "  <- policy violation" if v in VIOLATIONS else ""))
            for f in by[v]:
                out.write("    %-14s %-14s -> %-14s %-30s %s%s, %d flow(s)\n" % (
                    f["type"], f["form"], f["sdk"] or "-", f["host"] or "-",
                    f["where"], " (decrypted TLS)" if f["tls"] else "", f["flows"]))
        out.write("\n")
    if bad:
        out.write("(%d input line(s) were not leakwatch events and were skipped)\n" % bad)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("files", nargs="*", help="JSON lines from leakwatch (default: stdin)")
    ap.add_argument("--format", choices=["text", "json"], default="text")
    ap.add_argument("--fail-on", default="",
                    help="comma-separated verdicts that make the exit status 1 "
                         "(e.g. undeclared_sdk,broken_transform; 'violations' = %s)"
                         % ",".join(sorted(VIOLATIONS)))
    args = ap.parse_args()
    fail_on = set()
    for v in filter(None, args.fail_on.split(",")):
        if v == "violations":
            fail_on |= VIOLATIONS
        elif v not in VERDICT_ORDER:
            ap.error("--fail-on: unknown verdict %r (known: %s)" % (v, ", ".join(VERDICT_ORDER)))
        else:
            fail_on.add(v)
    try:
        events, bad = load(args.files)
    except OSError as e:
        print("lw-report: %s" % e, file=sys.stderr)
        return 2
    apps = summarise(events)
    if args.format == "json":
        json.dump({"apps": apps, "skipped_lines": bad}, sys.stdout, indent=1)
        sys.stdout.write("\n")
    else:
        text(apps, bad, sys.stdout)
    hits = [f for a in apps for f in a["findings"] if f["verdict"] in fail_on]
    if hits:
        print("lw-report: %d finding(s) with verdict %s" % (
            len(hits), ", ".join(sorted({f["verdict"] for f in hits}))), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
