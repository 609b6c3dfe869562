#!/usr/bin/env bash
# Defect 11 of issue 15: options that change nothing in a run are said on stderr (and
# the run goes on, exit 0): a --keylog file with no key line, --snaplen (and the other
# live-only options) with -r, --redis-key / --redis-maxlen / --spool / --spool-max
# without --redis. Options that do work give no warning.
set -u
. "$LW_SOURCE_DIR/tests/lib/check.sh"
T=$(mktemp -d "${TMPDIR:-/tmp}/lw-idle.XXXXXX")
trap 'rm -rf "$T"' EXIT
S="$LW_SOURCE_DIR/docs/sample/lab-sample.pcap"
run() { "$LEAKWATCH" -q -r "$S" "$@" > "$T/out" 2> "$T/err"; echo $?; }

check_eq "plain run: exit 0" 0 "$(run)"
check_eq "plain run: no warning" "" "$(cat "$T/err")"

printf '# a comment only\nnot a key line\n' > "$T/nokeys.log"
check_eq "--keylog without keys: exit 0" 0 "$(run --keylog "$T/nokeys.log")"
check_grep "--keylog without keys: warned, file named" "warning: --keylog $T/nokeys.log: no key line" "$T/err"
# A key line (a random secret: it decrypts nothing here, but it is a key line).
printf 'CLIENT_RANDOM %064d %096d\n' 1 2 > "$T/keys.log"
check_eq "--keylog with a key line: exit 0" 0 "$(run --keylog "$T/keys.log")"
check_eq "--keylog with a key line: no warning" "" "$(cat "$T/err")"

for o in "--snaplen 128" "--buffer-size 8" "--no-promisc"; do
    check_eq "$o with -r: exit 0" 0 "$(run $o)"
    check_grep "$o with -r: warned" "warning: .*apply to live capture (-i) only" "$T/err"
done
for o in "--redis-key k" "--redis-maxlen 10" "--spool $T/s.jsonl" "--spool-max 1"; do
    check_eq "$o without --redis: exit 0" 0 "$(run $o)"
    check_grep "$o without --redis: warned" "warning: .*apply to --redis only" "$T/err"
done
check_ok "the run itself is unchanged by ignored options" "grep -q '\"final\":true' '$T/out'"
check_done
