#!/usr/bin/env python3
"""import-trackers.py - turn public tracker datasets into leakwatch SDK catalogue entries.

Run by hand when a dataset is refreshed; its output is committed (data/sdks/imported/).

    scripts/import-trackers.py --adguard DIR_OR_trackers.json --exodus trackers.json \
        --v2fly DIR --hand data/sdks --out data/sdks/imported/

Inputs (any subset):
  --adguard   AdGuard companiesdb: dist/trackers.json (and companies.json beside it, or
              --adguard-companies FILE). CC BY-SA 4.0.
  --exodus    Exodus Privacy tracker database as JSON ({"trackers": {id: {...}}}, the form
              bundled by TrackerControl as assets/trackers.json). ODbL 1.0.
  --v2fly     a folder of v2fly/domain-list-community data/<list> files. MIT.
  --hand      the hand-written catalogue (data/sdks): entries of the same SDK are merged into
              the hand-written id (leakwatch loads hand-written fields over imported ones).

Output: one YAML file per dataset (adguard.yaml, exodus.yaml, v2fly.yaml) so that the licence
of each file is that of one dataset. Entries describing the same SDK carry the same id in
every file and leakwatch merges them into one entry at load time. A short report of every
merge and every dropped domain goes to stderr (and to --report FILE).

What it does not do: it does not decide attribution order (leakwatch does: hand-written
entries first, then imported ones; CDN/cloud front ends never attribute), and it reads no
network. Python 3 standard library only, plus python3-yaml (Debian) to read --hand.
"""
import argparse
import json
import os
import re
import sys

# Category names leakwatch accepts (rules/catalog.c keeps the same list).
CATEGORIES = ["advertising", "analytics", "crash_reporting", "push", "social", "payment",
              "location", "profiling", "identification", "telemetry", "login", "messaging",
              "maps", "audio_video", "customer_interaction", "consent", "email", "cdn",
              "cloud", "misc", "unknown"]

ADGUARD_CAT = {
    "audio_video_player": "audio_video", "comments": "social",
    "customer_interaction": "customer_interaction", "pornvertising": "advertising",
    "advertising": "advertising", "essential": "misc", "site_analytics": "analytics",
    "social_media": "social", "misc": "misc", "cdn": "cdn", "hosting": "cloud",
    "unknown": "unknown", "extensions": "misc", "email": "email", "consent": "consent",
    "telemetry": "telemetry", "mobile_analytics": "analytics",
}
EXODUS_CAT = {
    "Analytics": "analytics", "Advertisement": "advertising", "Location": "location",
    "Profiling": "profiling", "Identification": "identification",
    "Crash reporting": "crash_reporting",
}
ADGUARD_URL = "https://github.com/AdguardTeam/companiesdb"
EXODUS_URL = "https://reports.exodus-privacy.eu.org/en/trackers/"
V2FLY_URL = "https://github.com/v2fly/domain-list-community"

DOMAIN_RE = re.compile(r"^(?=.{1,253}$)([a-z0-9-]+\.)+[a-z0-9-]+$")


def domain_ok(d):
    return bool(DOMAIN_RE.match(d)) and all(d.split("."))


def slug(s):
    s = re.sub(r"[^a-z0-9]+", "-", s.lower()).strip("-")
    return s or "x"


def suffixes(host):
    p = host.split(".")
    return [".".join(p[i:]) for i in range(len(p) - 1)]


def covered(host, doms):
    """The longest of doms (a set) covering host on a label boundary, or None."""
    for s in suffixes(host):
        if s in doms:
            return s
    return None


class Entry:
    def __init__(self, eid, name, vendor, category, source):
        self.id = eid
        self.name = name
        self.vendor = vendor
        self.company = vendor
        self.parent = None
        self.category = category
        self.aliases = []
        self.domains = []
        self.patterns = []
        self.code = []
        self.source = source
        self.note = None

    def add_alias(self, a):
        a = a.strip()
        if a and a != self.name and a not in self.aliases:
            self.aliases.append(a)


def q(s):
    # A JSON string is a valid YAML double-quoted scalar.
    return json.dumps(s, ensure_ascii=False)


def qlist(v):
    return "[" + ", ".join(q(x) for x in v) + "]"


def write_yaml(path, header, entries):
    with open(path, "w", encoding="utf-8") as f:
        f.write(header)
        if not entries:
            f.write("[]\n")
        for e in entries:
            f.write("- id: %s\n" % e.id)
            f.write("  name: %s\n" % q(e.name))
            f.write("  vendor: %s\n" % q(e.vendor))
            if e.company and e.company != e.vendor:
                f.write("  company: %s\n" % q(e.company))
            if e.parent:
                f.write("  parent: %s\n" % q(e.parent))
            f.write("  category: %s\n" % e.category)
            if e.aliases:
                f.write("  aliases: %s\n" % qlist(e.aliases))
            f.write("  domains: %s\n" % qlist(e.domains))
            if e.patterns:
                f.write("  host_patterns: %s\n" % qlist(e.patterns))
            if e.code:
                f.write("  code_signatures: %s\n" % qlist(e.code))
            f.write("  source: %s\n" % q(e.source))
            if e.note:
                f.write("  note: %s\n" % q(e.note))


class Importer:
    def __init__(self, hand, log):
        self.hand = hand              # id -> {"domains": [...], ...}
        self.hand_dom = {}            # domain -> hand id
        for hid, h in hand.items():
            for d in h.get("domains") or []:
                self.hand_dom[d] = hid
        self.owner = {}               # imported domain -> id that claims it
        self.log = log
        self.ids = set(hand)

    def hand_match(self, domains, key=None):
        """The hand-written id this set of domains describes, or None. Only domains equal
        to hand-written ones vote (a host merely under a hand-written domain, such as
        whisper.onelink.me under AppsFlyer's onelink.me, says nothing about the SDK); they
        must all name one SDK, and be two or more, or half the set, or come with the same
        name (key, slugged, equal to the hand-written id)."""
        votes = {}
        for d in domains:
            hid = self.hand_dom.get(d)
            if hid:
                votes[hid] = votes.get(hid, 0) + 1
        if len(votes) != 1:
            return None
        hid, n = next(iter(votes.items()))
        if n >= 2 or 2 * n >= len(domains) or (key and slug(key) == hid):
            return hid
        return None

    def claim(self, e, domains, what):
        """Give e the domains no other SDK holds. A domain equal to a hand-written one of
        another SDK, or to one an earlier imported entry of another id holds, is dropped."""
        for d in domains:
            if d in self.hand_dom and self.hand_dom[d] != e.id:
                self.log("drop %s %s: hand-written for %s" % (what, d, self.hand_dom[d]))
                continue
            if d in self.hand_dom:
                continue  # the hand entry lists it already
            o = self.owner.get(d)
            if o and o != e.id:
                self.log("drop %s %s: already imported for %s" % (what, d, o))
                continue
            if o == e.id or d in e.domains:
                continue
            self.owner[d] = e.id
            e.domains.append(d)

    def new_id(self, base):
        i, eid = 2, base
        while eid in self.ids:
            eid = "%s-%d" % (base, i)
            i += 1
        self.ids.add(eid)
        return eid


def load_hand(folder):
    import yaml  # python3-yaml; only needed to read the hand-written catalogue
    hand = {}
    for fn in sorted(os.listdir(folder)):
        if fn.startswith(".") or not fn.endswith((".yaml", ".yml")):
            continue
        for e in yaml.safe_load(open(os.path.join(folder, fn), encoding="utf-8")) or []:
            hand[e["id"]] = e
    return hand


def exodus_split(sig, log=None):
    """Exodus network_signature -> (domains, patterns). Alternatives that spell a plain
    host name (after dropping a leading "^", ".*" or "\\." and a trailing "$", and
    unescaping "\\-") become domains; the rest stay regular expressions, searched in the
    host name as Exodus does. Alternatives naming a URL (with "/" or ":") are dropped."""
    doms, pats = [], []
    for alt in sig.split("|"):
        a = alt.strip()
        if not a:
            continue
        if "/" in a or ":" in a:
            if log:
                log("drop exodus pattern %s: not a host name" % a)
            continue
        lit = re.sub(r"^(\^|\.\*)", "", a)
        lit = re.sub(r"\$$", "", lit)
        lit = re.sub(r"^(\\\.|\.)", "", lit).replace("\\-", "-")
        if re.fullmatch(r"[A-Za-z0-9-]+((\\\.|\.)[A-Za-z0-9-]+)+", lit):
            d = lit.replace("\\.", ".").lower()
            if domain_ok(d):
                doms.append(d)
                continue
        pats.append(a)
    return doms, pats


def import_adguard(imp, path, companies_path, date_override):
    if os.path.isdir(path):
        companies_path = companies_path or os.path.join(path, "companies.json")
        path = os.path.join(path, "trackers.json")
    if not companies_path:
        cand = os.path.join(os.path.dirname(path), "adguard-companies.json")
        companies_path = cand if os.path.exists(cand) else None
    data = json.load(open(path, encoding="utf-8"))
    comp = {}
    if companies_path:
        comp = json.load(open(companies_path, encoding="utf-8")).get("companies", {})
    date = date_override or data.get("timeUpdated", "")[:10] or "undated"
    cats = data.get("categories", {})
    doms = {}
    for d, tid in sorted(data.get("trackerDomains", {}).items()):
        doms.setdefault(tid, []).append(d.lower())
    out = []
    for tid in sorted(data.get("trackers", {})):
        t = data["trackers"][tid]
        c = comp.get(t.get("companyId") or "", {})
        company = c.get("name") or t.get("name") or tid
        parent = None
        if c.get("parent"):
            parent = comp.get(c["parent"], {}).get("name") or c["parent"]
        cat = ADGUARD_CAT.get(cats.get(str(t.get("categoryId")), "unknown"), "unknown")
        dl = [d for d in doms.get(tid, []) if domain_ok(d)]
        src = ("AdGuard companiesdb tracker \"%s\" (%s, dist/trackers.json, snapshot %s, "
               "CC BY-SA 4.0)" % (tid, ADGUARD_URL, date))
        hid = imp.hand_match(dl, tid) if dl else None
        eid = hid or imp.new_id(slug(tid))
        if hid:
            imp.log("merge adguard %s into hand-written %s" % (tid, hid))
        e = Entry(eid, t.get("name") or tid, company, cat, src)
        e.parent = parent
        # Merged into a hand-written SDK: leakwatch keeps the hand-written name and makes
        # this one an alias of it.
        imp.claim(e, dl, "adguard %s domain" % tid)
        if not dl:
            e.note = "AdGuard lists no domain for this tracker"
        elif not e.domains and not hid:
            e.note = "every domain AdGuard lists is held by another catalogue entry"
        out.append(e)
    return out, date


def import_exodus(imp, path, date, by_domain):
    data = json.load(open(path, encoding="utf-8"))
    trackers = data.get("trackers", data)
    items = trackers.values() if isinstance(trackers, dict) else trackers
    out = []
    for t in sorted(items, key=lambda t: int(t["id"])):
        n = int(t["id"])
        doms, pats = exodus_split(t.get("network_signature") or "", imp.log)
        code = [s for s in (t.get("code_signature") or "").split("|") if s]
        cats = [EXODUS_CAT.get(c, "unknown") for c in t.get("categories") or []]
        src = ("Exodus Privacy tracker #%d (%s%d/, via TrackerControl assets/trackers.json, "
               "snapshot %s, ODbL 1.0)" % (n, EXODUS_URL, n, date))
        # Same SDK as an entry already made (hand-written or AdGuard): the one that holds
        # most of its domains.
        votes = {}
        for d in doms:
            o = imp.hand_dom.get(d) or by_domain.get(d) or \
                imp.hand_dom.get(covered(d, imp.hand_dom) or "") or \
                by_domain.get(covered(d, by_domain) or "")
            if o:
                votes[o] = votes.get(o, 0) + 1
        best = max(votes.items(), key=lambda kv: kv[1])[0] if votes else None
        eid = best or imp.new_id("exodus-%d" % n)
        if best:
            imp.log("merge exodus #%d into %s" % (n, best))
        e = Entry(eid, t["name"], t["name"], cats[0] if cats else "unknown", src)
        e.code = code
        # Domains already covered by the merged entry add nothing.
        for d in doms:
            o = covered(d, by_domain) if d not in by_domain else d
            h = covered(d, imp.hand_dom) if d not in imp.hand_dom else d
            if (o and by_domain[o] == eid) or (h and imp.hand_dom[h] == eid):
                continue
            imp.claim(e, [d], "exodus #%d domain" % n)
        e.patterns = pats
        if not e.domains and not e.patterns and not best:
            e.note = ("Exodus lists code signatures only" if not doms and not pats else
                      "every host Exodus lists is held by another catalogue entry")
        out.append(e)
    return out


V2FLY_SDK_FILES = {"getui", "jiguang", "umeng", "qiniu"}  # lists of one SDK vendor


def import_v2fly(imp, folder, date, by_domain):
    out = []
    for fn in sorted(os.listdir(folder)):
        p = os.path.join(folder, fn)
        if fn.startswith(".") or fn == "LICENSE" or not os.path.isfile(p):
            continue
        whole = fn in V2FLY_SDK_FILES
        doms = []
        for line in open(p, encoding="utf-8"):
            line = line.split("#", 1)[0].strip()
            if not line or line.startswith(("include:", "regexp:", "keyword:")):
                continue
            parts = line.split()
            d, attrs = parts[0], parts[1:]
            for pre in ("full:", "domain:"):
                if d.startswith(pre):
                    d = d[len(pre):]
            d = d.lower()
            if (whole or "@ads" in attrs) and domain_ok(d):
                doms.append(d)
        if not doms:
            continue
        # Ads hosts of a vendor covered by an entry already made add nothing.
        new = [d for d in doms if not covered(d, imp.hand_dom) and d not in imp.hand_dom
               and not covered(d, by_domain) and d not in by_domain]
        own = set(new)
        new = [d for d in new if not covered(d.split(".", 1)[1], own)]  # under a listed one
        if not new:
            continue
        hid = imp.hand_match(doms) if whole else None
        eid = hid or imp.new_id("v2fly-%s%s" % (fn, "" if whole else "-ads"))
        name = ("%s (v2fly list)" % fn) if whole else ("%s ads and tracking hosts" % fn)
        e = Entry(eid, name, fn, "advertising" if not whole else "unknown",
                  "v2fly domain-list-community data/%s%s (%s, snapshot %s, MIT)" %
                  (fn, "" if whole else " @ads", V2FLY_URL, date))
        imp.claim(e, new, "v2fly %s domain" % fn)
        if e.domains:
            out.append(e)
    return out


HEADER = """# GENERATED by scripts/import-trackers.py from %s; do not edit by hand (edit the
# hand-written files in data/sdks/, which win over this one, or re-run the importer).
# Licence of this file: %s. Attribution and licence text: LICENSES.md in this folder.
"""


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--adguard")
    ap.add_argument("--adguard-companies")
    ap.add_argument("--adguard-date")
    ap.add_argument("--exodus")
    ap.add_argument("--exodus-date", default="undated")
    ap.add_argument("--v2fly")
    ap.add_argument("--v2fly-date", default="undated")
    ap.add_argument("--hand", help="hand-written catalogue folder (data/sdks)")
    ap.add_argument("--out", required=True)
    ap.add_argument("--report", help="write the merge/drop report here too")
    a = ap.parse_args()

    lines = []
    hand = load_hand(a.hand) if a.hand else {}
    imp = Importer(hand, lines.append)
    os.makedirs(a.out, exist_ok=True)
    by_domain = {}
    counts = {}
    if a.adguard:
        ents, date = import_adguard(imp, a.adguard, a.adguard_companies, a.adguard_date)
        for e in ents:
            for d in e.domains:
                by_domain[d] = e.id
        write_yaml(os.path.join(a.out, "adguard.yaml"),
                   HEADER % ("AdGuard companiesdb (%s), snapshot %s" % (ADGUARD_URL, date),
                             "CC BY-SA 4.0"), ents)
        counts["adguard"] = len(ents)
    if a.exodus:
        ents = import_exodus(imp, a.exodus, a.exodus_date, by_domain)
        for e in ents:
            for d in e.domains:
                by_domain.setdefault(d, e.id)
        write_yaml(os.path.join(a.out, "exodus.yaml"),
                   HEADER % ("the Exodus Privacy tracker database (%s), snapshot %s" %
                             (EXODUS_URL, a.exodus_date), "ODbL 1.0"), ents)
        counts["exodus"] = len(ents)
    if a.v2fly:
        ents = import_v2fly(imp, a.v2fly, a.v2fly_date, by_domain)
        write_yaml(os.path.join(a.out, "v2fly.yaml"),
                   HEADER % ("v2fly/domain-list-community (%s), snapshot %s" %
                             (V2FLY_URL, a.v2fly_date), "MIT"), ents)
        counts["v2fly"] = len(ents)
    summary = "imported: %s; %d merge/drop decisions" % (
        ", ".join("%s %d entries" % kv for kv in counts.items()), len(lines))
    lines.append(summary)
    if a.report:
        with open(a.report, "w", encoding="utf-8") as f:
            f.write("\n".join(lines) + "\n")
    print(summary, file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
