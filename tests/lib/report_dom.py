"""Check the DOM Chromium rendered from a leakwatch-report page against the raw events.

The expectations are computed here from the JSON lines alone, following the contract
in docs/report.md (an app's verdict, counts of distinct findings per verdict, the
matrix row of a finding and the worst state of a cell), not by calling the report.

Usage: report_dom.py EVENTS DOM [--open APP_INDEX ROW TYPE TEXT...]
  --open: the evidence panel of that app shows the cell ROW x TYPE (opened through the
  URL fragment) and contains every TEXT.
  --unseen APP_INDEX ROW TYPE: that cell is 'declared, not seen'.
Prints one line per check; exit 1 if any failed."""
import html.parser
import json
import sys
from collections import defaultdict

WORST = ["broken", "undeclared", "nopolicy", "unknown", "declared"]
STATE = {"broken_transform": "broken", "undeclared_sdk": "undeclared",
         "undeclared_type": "undeclared", "first_party_undeclared": "undeclared",
         "no_policy": "nopolicy", "unknown_destination": "unknown", "declared": "declared",
         "first_party_declared": "declared"}
VIOLATION = {"broken_transform", "undeclared_sdk", "undeclared_type", "first_party_undeclared"}


def expected(path):
    apps = {}
    for line in open(path, encoding="utf-8"):
        try:
            e = json.loads(line)
        except ValueError:
            continue
        if not isinstance(e, dict) or e.get("event_type") not in ("privacy_leak", "sdk_contact"):
            continue
        k = (e.get("device") or e.get("src_ip"), e.get("app") or "-")
        a = apps.setdefault(k, {"policy": None, "findings": set(), "cells": defaultdict(set),
                                "undeclared_contact": False})
        a["policy"] = e.get("policy") or a["policy"]
        if e["event_type"] == "sdk_contact":
            a["undeclared_contact"] |= e.get("declared") is False and bool(e.get("policy"))
            continue
        i, v = e["identifier"], e["verdict"]
        a["findings"].add((v, i["type"], e.get("sdk"), e.get("host"), i["form"], i["where"]))
        row = e.get("sdk") or ("(other destinations)" if v in ("unknown_destination", "no_policy")
                               else "(first party)")
        a["cells"][(row, i["type"])].add(STATE[v])
    for a in apps.values():
        counts = defaultdict(int)
        for f in a["findings"]:
            counts[f[0]] += 1
        a["counts"] = dict(counts)
        a["verdict"] = ("no_policy" if not a["policy"] else "violations"
                        if set(counts) & VIOLATION or a["undeclared_contact"] else "compliant")
        a["cells"] = {c: min(s, key=WORST.index) for c, s in a["cells"].items()}
    return apps


class Dom(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.apps, self.app, self.errors, self.ready = [], None, None, None
        self.capture, self.panel_depth = None, 0

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        cls = (a.get("class") or "").split()
        if tag == "body":
            self.ready = a.get("data-ready")
        if a.get("id") == "lw-errors":
            self.errors = int(a.get("data-count", "-1"))
        if tag == "section" and "app" in cls:
            self.app = {"device": a["data-device"], "app": a["data-app"],
                        "verdict": a["data-verdict"], "counts": {}, "cells": {}, "panel": "",
                        "panel_hidden": True}
            self.apps.append(self.app)
        if self.app is None:
            return
        if tag == "li" and "vcount" in cls:
            self.capture = ("count", a["data-verdict"])
        if tag == "td" and "cell" in cls and a.get("data-state") not in (None, "none"):
            self.app["cells"][(a["data-row"], a["data-type"])] = a["data-state"]
        if tag == "div" and "evidence-panel" in cls:
            self.panel_depth = 1
            self.app["panel_hidden"] = "hidden" in a
        elif self.panel_depth and tag == "div":
            self.panel_depth += 1

    def handle_endtag(self, tag):
        if tag == "div" and self.panel_depth:
            self.panel_depth -= 1
        if tag == "li":
            self.capture = None
        if tag == "main":
            self.app = None

    def handle_data(self, data):
        if self.capture and self.capture[0] == "count" and data.strip().isdigit():
            self.app["counts"][self.capture[1]] = int(data)
            self.capture = None
        if self.panel_depth and self.app is not None:
            self.app["panel"] += data + " "


def main():
    want = expected(sys.argv[1])
    dom = Dom()
    dom.feed(open(sys.argv[2], encoding="utf-8").read())
    fails = []

    def check(name, ok, detail=""):
        print("%s %s%s" % ("ok:  " if ok else "FAIL:", name, "" if ok else ": " + detail))
        if not ok:
            fails.append(name)

    check("page script ran", dom.ready == "1", "body data-ready=%r" % dom.ready)
    check("no script error", dom.errors == 0, "lw-errors data-count=%r" % dom.errors)
    check("one section per app", len(dom.apps) == len(want),
          "%d sections, %d apps in events" % (len(dom.apps), len(want)))
    for got in dom.apps:
        k = (got["device"], got["app"])
        w = want.get(k)
        if w is None:
            check("app %s/%s in events" % k, False, "not in events")
            continue
        check("%s verdict %s" % (k[1], w["verdict"]), got["verdict"] == w["verdict"], got["verdict"])
        counts = {v: n for v, n in got["counts"].items() if v != "undeclared_sdk_contact"}
        check("%s verdict counts %s" % (k[1], w["counts"]), counts == w["counts"], str(counts))
        sent = {c: s for c, s in got["cells"].items() if s != "unseen"}
        check("%s matrix: %d sent cells, states from the events" % (k[1], len(w["cells"])),
              sent == w["cells"], "diff: dom-only %s, events-only %s" % (
                  sorted(set(sent.items()) - set(w["cells"].items())),
                  sorted(set(w["cells"].items()) - set(sent.items()))))
    args = sys.argv[3:]
    while args:
        if args[0] == "--unseen":
            ai, row, typ = int(args[1]), args[2], args[3]
            got = dom.apps[ai]["cells"].get((row, typ))
            check("cell %s x %s declared, not seen" % (row, typ), got == "unseen", str(got))
            args = args[4:]
        elif args[0] == "--open":
            ai, texts = int(args[1]), []
            rest = args[4:]
            while rest and not rest[0].startswith("--"):
                texts.append(rest.pop(0))
            panel = dom.apps[ai]["panel"]
            check("evidence panel open on %s x %s" % (args[2], args[3]),
                  not dom.apps[ai]["panel_hidden"] and "Evidence: %s · %s" % (args[2], args[3])
                  in panel, panel[:200])
            for t in texts:
                check("evidence shows %r" % t, t in panel, panel[:300])
            args = rest
        else:
            raise SystemExit("report_dom.py: bad argument %r" % args[0])
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
