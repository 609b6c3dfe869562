#!/usr/bin/env bash
# Periodic stats (--stats-interval 1) while two workers are busy: each worker publishes
# a snapshot of its counters on every tick and the stats events read only snapshots
# (engine/stats.h). The periodic events must count up, and the final one must add up
# exactly. Under ThreadSanitizer (scripts/test.sh's tsan build) any unsynchronised
# read of a worker's counters fails the run.
set -u
. "$LW_SOURCE_DIR/tests/lib/check.sh"
T=$(mktemp -d "${TMPDIR:-/tmp}/lw-stats-live.XXXXXX")
trap 'rm -rf "$T"' EXIT

FLOWS=400
"$PCAPGEN" -o "$T/c.pcap" --flows $FLOWS --requests-per-flow 2 --seed 21 \
    --hosts ulogs.umeng.com,app.adjust.com --plant 'imei=869012045678914' 2>/dev/null
python3 "$LW_SOURCE_DIR/tests/lib/stats_feed.py" "$LEAKWATCH" "$T/c.pcap" "$T/out.json" 3 \
    -t 2 --stats-interval 1 --profile "$LW_SOURCE_DIR/docs/sample/lab.yaml"
check_eq "fed to the end, periodic stats seen" 0 $?

grep '"event_type":"stats"' "$T/out.json" > "$T/stats.json"
python3 - "$T/stats.json" $FLOWS > "$T/verdict" <<'PY'
import json, sys
ev = [json.loads(l)["stats"] for l in open(sys.argv[1])]
periodic, final = [s for s in ev if not s["final"]], ev[-1]
flows = int(sys.argv[2])
bad = []
if not final["final"] or sum(1 for s in ev if s["final"]) != 1:
    bad.append("exactly one final stats event, the last")
if [s["seq"] for s in periodic] != list(range(1, len(periodic) + 1)):
    bad.append("periodic seq 1..n: %s" % [s["seq"] for s in periodic])
for k in ("packets", ("flows", "created"), ("detection", "privacy_leaks")):
    vals = [s[k[0]][k[1]] if isinstance(k, tuple) else s[k] for s in periodic + [final]]
    if vals != sorted(vals):
        bad.append("%s never goes down: %s" % (k, vals))
if not any(s["flows"]["created"] > 0 for s in periodic):
    bad.append("a periodic event sees the workers' flows (snapshots published on ticks)")
if final["flows"]["created"] != flows:
    bad.append("final flows.created %d != %d" % (final["flows"]["created"], flows))
if sum(w["packets"] for w in final["per_worker"]) != final["ip_packets"]:
    bad.append("per-worker packets add up to ip_packets")
if final["detection"]["privacy_leaks"] < flows:
    bad.append("a leak per flow at least: %d" % final["detection"]["privacy_leaks"])
print("\n".join(bad) if bad else "ok")
PY
check_eq "periodic and final stats add up" "ok" "$(cat "$T/verdict")"
check_done
