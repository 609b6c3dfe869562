#!/usr/bin/env bash
# From a fresh Debian 12 machine: install what is missing, build, and run leakwatch on
# the bundled sample capture. Findings go to stdout as JSON lines; no Redis needed.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
bash scripts/deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j "$(nproc)" --target leakwatch >/dev/null
exec ./build/cli/leakwatch -q -r docs/sample/lab-sample.pcap --profile docs/sample/lab.yaml "$@"
