#!/usr/bin/env bash
# leakwatch-report at scale: N synthetic events (default 1 000 000, the issue's target
# is under 30 s), the HTML page and the JSON summary written; prints wall time, events
# per second, peak RSS and the sizes. Figures only: these machines are noisy, so no
# test asserts a time (tests/test_report.sh checks 100 k events for bounded memory).
#   bench/report.sh [N]
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
N=${1:-1000000}
W=${BENCH_DIR:-/tmp/lw-bench}
mkdir -p "$W"
ev="$W/report-$N.json"
[ -s "$ev" ] || python3 "$top/tests/lib/report_synth.py" "$N" > "$ev"
cat "$ev" > /dev/null   # page cache
python3 - "$top/scripts/leakwatch-report" "$ev" "$W/report.html" "$W/report.sum.json" "$N" <<'PY'
import os, resource, subprocess, sys, time
rep, ev, html, js, n = sys.argv[1:]
t0 = time.monotonic()
subprocess.run([sys.executable, rep, "--html", html, "--json", js, ev], check=True)
dt = time.monotonic() - t0
rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
print("events %s (%.0f MB): %.1f s, %.0f events/s, peak RSS %.0f MB, page %.1f MB, "
      "summary %.1f MB" % (n, os.path.getsize(ev) / 1e6, dt, int(n) / dt, rss,
                           os.path.getsize(html) / 1e6, os.path.getsize(js) / 1e6))
PY
