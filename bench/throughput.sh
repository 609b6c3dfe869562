#!/usr/bin/env bash
# Throughput against the floor and against nDPI's own reader, from ONE run (issue 16).
#   bench/throughput.sh [BUILD_DIR]     (default build/; needs leakwatch, pcapgen and
#                                        bench_capture_pcapread built)
# Environment: RUNS (default 5) rounds, SIZE (default 200M) per capture, BENCH_DIR
# (default /tmp/lw-bench), PROFILE (default docs/sample/lab.yaml: a lab always runs
# with one, and its values are what the matcher scans for), FLOWS_1M=0 to skip the
# 1 M-flow memory case, BASELINE=/path/to/an/older/leakwatch to time it too (-t 1,
# "base-t1": before/after a change from one run), LW_ARGS for extra leakwatch options
# (say "--inspect both").
#
# Two generated captures (>= SIZE each, page-cached):
#   download-heavy  one GET or POST per flow, JSON responses of 300 B..24 KiB
#   upload-heavy    two requests per flow, half of them POSTs with 6 KiB form bodies
# Each round runs, one after the other: the bare libpcap loop (bench_capture_pcapread),
# ndpiReader -q (Debian package libndpi-bin; skipped with a message when missing),
# leakwatch -t 1 and leakwatch -t 2. Rounds interleave the programs so that the load of
# this shared machine weighs on all of them alike; figures are medians over the rounds
# and are printed as ratios to the bare loop measured in the same round set, which is
# what to compare between commits (absolute seconds are only indicative). Under each
# table, the CPU time of each leakwatch thread in an untimed -t 1 and -t 2 run (the
# stats event's cpu_us): the thread near the wall time is the one the run waits on.
# Then peak RSS per open flow with payload (100,000 HTTP flows open at once), and of
# 1 million concurrent flows (one SYN each) against -V's figure for --max-flows.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
B=${1:-$top/build}
W=${BENCH_DIR:-/tmp/lw-bench}
RUNS=${RUNS:-5}
SIZE=${SIZE:-200M}
PROFILE=${PROFILE:-$top/docs/sample/lab.yaml}
LW="$B/cli/leakwatch"
GEN="$B/tests/gen/pcapgen"
LOOP="$B/bench/bench_capture_pcapread"
for x in "$LW" "$GEN" "$LOOP"; do
    [ -x "$x" ] || { echo "throughput.sh: $x is not built" >&2; exit 1; }
done
NDPI=$(command -v ndpiReader || true)
[ -n "$NDPI" ] || echo "throughput.sh: ndpiReader not found (apt-get install libndpi-bin);" \
                       "its column is skipped" >&2
mkdir -p "$W"
down="$W/down-$SIZE.pcap"
up="$W/up-$SIZE.pcap"
[ -s "$down" ] || "$GEN" -o "$down" --target-bytes "$SIZE" --requests-per-flow 1 --body 300 \
    --response-body 300-24k --seed 21
[ -s "$up" ] || "$GEN" -o "$up" --target-bytes "$SIZE" --requests-per-flow 2 --body 6k \
    --seed 22

# run NAME CMD...: one timed run; appends "name wall user sys maxrss_kib" to $W/times.
# Times come from bash's `time` in milliseconds: /usr/bin/time prints hundredths, and the
# bare loop takes about 0.1 s, so its rounding alone moved every ratio by up to 10%.
# /usr/bin/time is kept for the peak RSS only (its own CPU, about 1 ms, is counted).
run() {
    local name=$1; shift
    local TIMEFORMAT='%3R %3U %3S'
    { time /usr/bin/time -o "$W/t.one" -f "%M" "$@" > /dev/null 2> "$W/err.one"; } \
        2> "$W/t.bash" ||
        { echo "throughput.sh: $name failed:" >&2; cat "$W/err.one" >&2; exit 1; }
    echo "$name $(tail -n1 "$W/t.bash") $(tail -n1 "$W/t.one")" >> "$W/times"
}

for cap in "$down" "$up"; do
    cat "$cap" > /dev/null   # page cache
    : > "$W/times"
    # flows as leakwatch counts them, for CPU per flow; and, from untimed runs, the CPU
    # time of each thread (the stats event's cpu_us): which one the run waits on
    threads=""
    for t in 1 2; do
        # shellcheck disable=SC2086
        "$LW" -q -t $t --profile "$PROFILE" -r "$cap" -o "$W/events.json" --truncate ${LW_ARGS:-}
        threads+=$(tail -n1 "$W/events.json" | python3 -c "
import json, sys
s = json.load(sys.stdin)['stats']
w = ' + '.join('%.3f' % (x['cpu_us'] / 1e6) for x in s['per_worker'])
print('-t $t CPU s by thread (one untimed run): reader %.3f, worker %s, output %.3f' %
      (s['reader_cpu_us'] / 1e6, w, s['output']['cpu_us'] / 1e6))")$'\n'
    done
    flows=$(tail -n1 "$W/events.json" |
            python3 -c "import json,sys; print(json.load(sys.stdin)['stats']['flows']['created'])")
    pkts=$("$LOOP" "$cap" | sed 's/.*packets=\([0-9]*\).*/\1/')
    for _ in $(seq "$RUNS"); do
        run loop "$LOOP" "$cap"
        [ -z "$NDPI" ] || run ndpiReader "$NDPI" -q -i "$cap"
        [ -z "${BASELINE:-}" ] ||
            run base-t1 "$BASELINE" -q -t 1 --profile "$PROFILE" -r "$cap" -o /dev/null
        # shellcheck disable=SC2086
        run lw-t1 "$LW" -q -t 1 --profile "$PROFILE" -r "$cap" -o /dev/null ${LW_ARGS:-}
        # shellcheck disable=SC2086
        run lw-t2 "$LW" -q -t 2 --profile "$PROFILE" -r "$cap" -o /dev/null ${LW_ARGS:-}
    done
    python3 - "$cap" "$(stat -c %s "$cap")" "$pkts" "$flows" "$W/times" <<'PY'
import statistics, sys
cap, by, pk, flows, path = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
runs = {}
for line in open(path):
    n, wall, usr, sys_, rss = line.split()
    runs.setdefault(n, []).append((float(wall), float(usr) + float(sys_), int(rss)))
med = {n: (statistics.median(r[0] for r in v), statistics.median(r[1] for r in v),
           max(r[2] for r in v)) for n, v in runs.items()}
base = med["loop"][0]
print(f"\n{cap}: {by/1e6:.0f} MB, {pk} packets, {flows} flows; medians of {len(runs['loop'])} rounds")
print(f"{'program':12s} {'wall s':>8s} {'CPU s':>8s} {'thr. vs loop':>12s} {'x loop time':>11s}"
      f" {'CPU us/flow':>11s} {'max RSS MiB':>11s}")
for n in ("loop", "ndpiReader", "base-t1", "lw-t1", "lw-t2"):
    if n not in med:
        continue
    w, c, rss = med[n]
    print(f"{n:12s} {w:8.3f} {c:8.3f} {base / w:12.3f} {w / base:11.2f} {c / flows * 1e6:11.1f}"
          f" {rss / 1024:11.0f}")
if "ndpiReader" in med:
    print(f"leakwatch -t 1 speed vs ndpiReader: {med['ndpiReader'][0] / med['lw-t1'][0]:.2f}x")
print(f"leakwatch -t 2 speed vs -t 1:       {med['lw-t1'][0] / med['lw-t2'][0]:.2f}x")
if "base-t1" in med:
    print(f"leakwatch -t 1 vs BASELINE -t 1:    {med['base-t1'][0] / med['lw-t1'][0]:.2f}x faster, "
          f"{med['base-t1'][1] / med['lw-t1'][1]:.2f}x less CPU")
PY
    printf '%s' "$threads"
done

# Open flows carrying payload: 100,000 HTTP flows open at once (each has sent its
# request and holds its dissector, matcher stream and names), against 1,000 such flows
# for the run's fixed part. nDPI's per-flow state is taken from -V.
open_rss() {
    local cap="$W/open-$1.pcap"
    [ -s "$cap" ] || "$GEN" -o "$cap" --flows "$1" --concurrent --response-body 300-2k --seed 5
    /usr/bin/time -o "$W/rss" -f "%M" "$LW" -q -t 1 --profile "$PROFILE" -r "$cap" -o /dev/null
    tail -n1 "$W/rss"
}
small=$(open_rss 1000)
big=$(open_rss 100000)
ndpi=$("$LW" -V | sed -n 's/.*, \([0-9]*\) of nDPI state.*/\1/p')
python3 - "$small" "$big" "${ndpi:-0}" <<'PY'
import sys
small, big, ndpi = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
per = (big - small) * 1024 / 99000
if ndpi:
    print(f"\n100,000 open HTTP flows (-t 1): {per:.0f} B of peak RSS per open flow, nDPI's "
          f"{ndpi} B included; {per - ndpi:.0f} B of our own")
else:
    print(f"\n100,000 open HTTP flows (-t 1): {per:.0f} B of peak RSS per open flow "
          f"(nDPI's part not found in -V's output)")
PY

[ "${FLOWS_1M:-1}" = 1 ] || exit 0
# 1 M concurrent flows (one SYN each) at the default --max-flows, against -V's figure
# for that --max-flows and -t. The run's fixed part is measured by the same command
# on a capture with no packet, plus the workers' packet rings, which 1 M flows fill
# and an empty run does not touch (-V names them apart from the flows). Flows beyond
# a worker's share of --max-flows are evicted: peak_concurrent says how many were held.
syn_rss() {
    /usr/bin/time -o "$W/rss" -f "%M %U %S" "$LW" -q -t 2 -r "$1" -o "$W/syn.json"
    echo "$(tail -n1 "$W/rss") $(tail -n1 "$W/syn.json" | python3 -c \
        "import json,sys; print(json.load(sys.stdin)['stats']['flows']['peak_concurrent'])")"
}
flows="$W/syn-1M.pcap"
[ -s "$flows" ] || "$GEN" -o "$flows" --flows 1000000 --syn-only --concurrent --clients 50 --seed 5
python3 -c "import struct,sys; open(sys.argv[1],'wb').write(struct.pack('<IHHiIII',
    0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))" "$W/empty.pcap"
read -r small _ _ _ < <(syn_rss "$W/empty.pcap")
read -r rss usr sys_ peak < <(syn_rss "$flows")
rm -f "$W/syn.json"
vline=$("$LW" -t 2 -V | grep '^memory for --max-flows')
python3 - "$rss" "$usr" "$sys_" "$peak" "$small" "$vline" <<'PY'
import re, sys
rss, usr, sys_, peak, small = (int(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3]),
                               int(sys.argv[4]), int(sys.argv[5]))
m = re.search(r"--max-flows (\d+).*?: (\d+) MiB while no flow.*packet ring \((\d+) MiB\)",
              sys.argv[6])
print(f"\n1 M concurrent flows (-t 2): peak_concurrent={peak}, peak RSS {rss/1024:.0f} MiB = "
      f"{rss*1024/peak:.0f} B per flow, all included; CPU {(usr+sys_)/peak*1e6:.2f} us per flow")
if not m:
    print("-V's --max-flows figure not found in its output: not compared")
    sys.exit(0)
maxf, vmib, ring = int(m.group(1)), int(m.group(2)), int(m.group(3))
flows = (rss - small) / 1024 - 2 * ring
print(f"beyond an empty run ({small/1024:.1f} MiB) and the two {ring} MiB packet rings: "
      f"{flows:.1f} MiB ({flows*2**20/peak:.0f} B per flow); -V for --max-flows {maxf}: "
      f"{vmib} MiB -> {'within' if flows <= vmib else 'OVER'} ({flows/vmib*100:.1f}%)")
PY
