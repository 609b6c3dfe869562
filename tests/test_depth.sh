#!/usr/bin/env bash
# Issue 13's acceptance: identifiers inside the layers SDKs wrap them in, found with the
# right type, where, key and encoding chain, and look-alike values never reported; -t 1
# and -t 2 identical (the cases and the real formats they follow:
# tests/lib/depth_acceptance.py).
set -u
T=$(mktemp -d "${TMPDIR:-/tmp}/lw-depth.XXXXXX")
trap 'rm -rf "$T"' EXIT
python3 "$LW_SOURCE_DIR/tests/lib/depth_acceptance.py" "$LEAKWATCH" "$T"
rc=$?
# Every event of those captures (encoding chains, new forms, new counters) fits the
# contract in docs/events.schema.json.
"$LEAKWATCH" -q -t 2 -r "$T/depth.pcap" --profile "$T/depth.yaml" > "$T/depth.json" &&
    python3 "$LW_SOURCE_DIR/tests/lib/event_schema.py" validate \
        "$LW_SOURCE_DIR/docs/events.schema.json" "$T/depth.json" || rc=1
exit $rc
