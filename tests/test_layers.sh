#!/usr/bin/env bash
# The layering of docs/architecture.md holds in this tree, and scripts/check-layers.sh
# would notice if it did not: a copy of the tree with one planted upward include fails,
# naming the file and line.
set -u
. "$LW_SOURCE_DIR/tests/lib/check.sh"
T=$(mktemp -d "${TMPDIR:-/tmp}/lw-layers.XXXXXX")
trap 'rm -rf "$T"' EXIT
CHECK="$LW_SOURCE_DIR/scripts/check-layers.sh"

bash "$CHECK" "$LW_SOURCE_DIR" > "$T/out" 2>&1
check_eq "this tree keeps its layers" 0 $?
check_eq "nothing reported" "" "$(cat "$T/out")"

for d in common capture dissectors rules sinks engine cli; do
    mkdir -p "$T/tree/$d" && cp "$LW_SOURCE_DIR/$d"/*.[ch] "$T/tree/$d/"
done
bash "$CHECK" "$T/tree" > /dev/null 2>&1
check_eq "the copy is clean too" 0 $?
printf '#include "engine/worker.h"\n' >> "$T/tree/capture/flow.c"
n=$(wc -l < "$T/tree/capture/flow.c")
bash "$CHECK" "$T/tree" > "$T/out" 2>&1
check_eq "capture/ including engine/ fails" 1 $?
check_grep "the violation names file and line" "^capture/flow.c:$n: capture/ may not include engine/" "$T/out"
printf '#include "sinks/sink.h"\n' >> "$T/tree/common/lwerr.h"
bash "$CHECK" "$T/tree" > "$T/out" 2>&1
check_grep "common/ may include nothing of ours" "^common/lwerr.h:[0-9]*: common/ may not include sinks/" "$T/out"
check_done
