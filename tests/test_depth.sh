#!/usr/bin/env bash
# Issue 13's acceptance: identifiers inside the layers SDKs wrap them in, found with the
# right type, where, key and encoding chain, and look-alike values never reported; -t 1
# and -t 2 identical (the cases and the real formats they follow:
# tests/lib/depth_acceptance.py).
set -u
T=$(mktemp -d "${TMPDIR:-/tmp}/lw-depth.XXXXXX")
trap 'rm -rf "$T"' EXIT
python3 "$LW_SOURCE_DIR/tests/lib/depth_acceptance.py" "$LEAKWATCH" "$T"
