#!/usr/bin/env bash
# The cache through the binary (rules/diskcache.c): the first run stores three
# Hyperscan databases (the matcher's two and the catalogue's host patterns) and the
# parsed SDK catalogue (0600, in a 0700 directory), the second loads them, and
# both report exactly what a --no-cache run reports; damaged files are replaced and
# change nothing; --no-cache writes nothing; without XDG_CACHE_HOME, ~/.cache is used.
set -u
. "$LW_SOURCE_DIR/tests/lib/check.sh"
T=$(mktemp -d "${TMPDIR:-/tmp}/lw-cache.XXXXXX")
trap 'rm -rf "$T"' EXIT
S=$LW_SOURCE_DIR/docs/sample
# events but the final stats line, whose counters may differ
run() { "$LEAKWATCH" -q -t 1 --profile "$S/lab.yaml" -r "$S/lab-sample.pcap" "$@" |
        grep -v '"event_type":"stats"'; }
C=$T/xdg/leakwatch

XDG_CACHE_HOME=$T/none run --no-cache > "$T/ref.json"
check_gt "reference run has findings" "$(grep -c privacy_leak "$T/ref.json")" 0
check_ok "--no-cache writes nothing" "[ ! -e '$T/none' ]"

XDG_CACHE_HOME=$T/xdg run > "$T/first.json"
check_eq "first run: same events as --no-cache" "$(md5sum < "$T/ref.json")" "$(md5sum < "$T/first.json")"
check_eq "three databases stored (matcher two, catalogue hosts one)" 3 "$(ls "$C" | grep -c '\.hsdb$')"
check_eq "one catalogue stored" 1 "$(ls "$C" | grep -c '\.catalog$')"
check_eq "no temporary file left" 0 "$(ls "$C" | grep -Evc '\.(hsdb|catalog)$')"
check_eq "files are 0600" "600 600 600 600" "$(stat -c %a "$C"/* | tr '\n' ' ' | sed 's/ $//')"
check_eq "directory is 0700" 700 "$(stat -c %a "$C")"
before=$(stat -c '%i %Y' "$C"/* | md5sum)

XDG_CACHE_HOME=$T/xdg run > "$T/second.json"
check_eq "second run: same events" "$(md5sum < "$T/ref.json")" "$(md5sum < "$T/second.json")"
check_eq "second run loads, rewrites nothing" "$before" "$(stat -c '%i %Y' "$C"/* | md5sum)"

set -- "$C"/*.hsdb
size1=$(stat -c %s "$1")
truncate -s 1000 "$1"
printf 'garbage' | dd of="$2" bs=1 seek=300 conv=notrunc 2>/dev/null
cat=$(ls "$C"/*.catalog)
cp "$cat" "$T/cat.saved"
printf 'garbage' | dd of="$cat" bs=1 seek=5000 conv=notrunc 2>/dev/null
XDG_CACHE_HOME=$T/xdg run > "$T/third.json"
check_eq "damaged cache: same events" "$(md5sum < "$T/ref.json")" "$(md5sum < "$T/third.json")"
check_eq "truncated file rebuilt" "$size1" "$(stat -c %s "$1")"
check_eq "damaged catalogue rebuilt as it was" same \
    "$(cmp -s "$cat" "$T/cat.saved" && echo same || echo differs)"
check_eq "still three databases" 3 "$(ls "$C" | grep -c '\.hsdb$')"

mkdir -p "$T/home"
(unset XDG_CACHE_HOME; HOME=$T/home run > "$T/home.json")
check_eq "HOME run: same events" "$(md5sum < "$T/ref.json")" "$(md5sum < "$T/home.json")"
check_eq "~/.cache/leakwatch used without XDG_CACHE_HOME" 3 \
    "$(ls "$T/home/.cache/leakwatch" 2>/dev/null | grep -c '\.hsdb$')"
check_done
