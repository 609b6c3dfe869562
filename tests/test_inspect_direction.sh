#!/usr/bin/env bash
# --inspect out (default) scans what devices send and skips what they receive;
# --inspect both scans both (cases and oracle: tests/lib/inspect_direction.py).
set -u
T=$(mktemp -d "${TMPDIR:-/tmp}/lw-inspect.XXXXXX")
trap 'rm -rf "$T"' EXIT
python3 "$LW_SOURCE_DIR/tests/lib/inspect_direction.py" "$LEAKWATCH" "$T"
