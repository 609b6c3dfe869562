#!/usr/bin/env bash
# check-layers.sh [TOP] - fails when a layer includes one above it (docs/architecture.md).
# Every '#include "dir/file.h"' in a layer's .c and .h files must name a folder that
# layer may use; each violation is printed as file:line. Exit 0 clean, 1 violations.
set -euo pipefail
top=${1:-$(cd "$(dirname "$0")/.." && pwd)}
# layer: the folders it may include from (itself included). Lowest first.
declare -A allowed=(
    [common]="common"
    [capture]="common capture"
    [dissectors]="common dissectors"
    [rules]="common rules"
    [sinks]="common sinks"
    [engine]="common capture dissectors rules sinks engine"
    [cli]="common capture dissectors rules sinks engine cli"
)
bad=0
for layer in "${!allowed[@]}"; do
    [ -d "$top/$layer" ] || continue
    while IFS=: read -r file line inc; do
        dir=${inc#*\"}
        dir=${dir%%/*}
        case " ${allowed[$layer]} " in
        *" $dir "*) ;;
        *)
            echo "${file#"$top"/}:$line: $layer/ may not include $dir/ (${inc#\#include })"
            bad=1
            ;;
        esac
    done < <(grep -Hn '^[[:space:]]*#[[:space:]]*include[[:space:]]*"[a-z_]*/' \
                 "$top/$layer"/*.[ch] 2>/dev/null || true)
done
exit $bad
