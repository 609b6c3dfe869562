#!/usr/bin/env bash
# The mission's acceptance: every seed policy, every expected verdict, nothing else
# (the cases and why each verdict is expected: tests/lib/seeds_acceptance.py).
set -u
T=$(mktemp -d "${TMPDIR:-/tmp}/lw-seeds.XXXXXX")
trap 'rm -rf "$T"' EXIT
python3 "$LW_SOURCE_DIR/tests/lib/seeds_acceptance.py" "$LEAKWATCH" "$T"
