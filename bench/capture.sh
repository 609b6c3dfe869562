#!/usr/bin/env bash
# Capture-path throughput and flow memory, as ratios against a baseline measured in
# the same run (these machines are noisy; absolute figures are only indicative).
#   bench/capture.sh [BUILD_DIR]      (default build/; needs leakwatch, pcapgen,
#                                      bench_capture_pcapread built)
# 1. a >= 300 MB generated HTTP capture, page-cached; bare libpcap loop vs
#    leakwatch -t 1 and -t 2 (best of 3 each): Gbit/s, packets/s, ratio to the loop.
# 2. peak RSS with 1 million concurrent flows (one SYN each, all open at once).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
B=${1:-$top/build}
W=${BENCH_DIR:-/tmp/lw-bench}
mkdir -p "$W"
cap="$W/http-300M.pcap"
[ -s "$cap" ] || "$B/tests/gen/pcapgen" -o "$cap" --target-bytes 300M --requests-per-flow 4 --body 800 --seed 11
cat "$cap" > /dev/null   # page cache
bytes=$(stat -c %s "$cap")

best() {  # command... -> best wall seconds of 3
    local b=999999 t0 t1
    for _ in 1 2 3; do
        t0=$(date +%s.%N)
        "$@" > /dev/null 2>&1
        t1=$(date +%s.%N)
        b=$(python3 -c "print(min($b, $t1 - $t0))")
    done
    echo "$b"
}
pkts=$("$B/bench/bench_capture_pcapread" "$cap" | sed 's/.*packets=\([0-9]*\).*/\1/')
base=$(best "$B/bench/bench_capture_pcapread" "$cap")
t1=$(best "$B/cli/leakwatch" -q -t 1 -r "$cap" -o /dev/null)
t2=$(best "$B/cli/leakwatch" -q -t 2 -r "$cap" -o /dev/null)
python3 - "$bytes" "$pkts" "$base" "$t1" "$t2" <<'PY'
import sys
by, pk, base, t1, t2 = int(sys.argv[1]), int(sys.argv[2]), *map(float, sys.argv[3:])
print(f"capture: {by/1e6:.0f} MB, {pk} packets")
for name, t in (("bare libpcap loop", base), ("leakwatch -t 1", t1), ("leakwatch -t 2", t2)):
    print(f"{name:18s} {t:7.3f} s  {by*8/t/1e9:6.2f} Gbit/s  {pk/t/1e6:6.2f} Mpkt/s  "
          f"time ratio to loop {t/base:5.2f}")
PY

flows="$W/syn-1M.pcap"
[ -s "$flows" ] || "$B/tests/gen/pcapgen" -o "$flows" --flows 1000000 --syn-only --concurrent --clients 50 --seed 5
/usr/bin/time -o "$W/rss" -f %M "$B/cli/leakwatch" -q -t 2 --max-flows 2000000 -r "$flows" -o "$W/syn.json"
rss=$(tail -n1 "$W/rss")
peak=$(tail -n1 "$W/syn.json" | python3 -c "import json,sys; print(json.load(sys.stdin)['stats']['flows']['peak_concurrent'])")
echo "1M concurrent flows: peak_concurrent=$peak, peak RSS $((rss / 1024)) MiB ($((rss * 1024 / (peak > 0 ? peak : 1))) bytes per flow, all included)"
