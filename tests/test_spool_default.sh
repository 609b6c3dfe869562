#!/usr/bin/env bash
# Defect 6 of issue 15 (default path only): with --redis and no --spool, events that
# Redis refuses wait in a per-user spool, $XDG_STATE_HOME/leakwatch/spool.jsonl, else
# ~/.local/state/leakwatch/spool.jsonl, in a directory leakwatch makes with mode 0700;
# no longer in the /var/tmp file all users shared. Redis refuses the writes here
# because it has no memory for them (maxmemory 1, noeviction): the sink spools them.
set -u
. "$LW_SOURCE_DIR/tests/lib/check.sh"
. "$LW_SOURCE_DIR/tests/lib/redis.sh"
command -v redis-server > /dev/null || { echo "no redis-server"; exit 77; }
T=$(mktemp -d "${TMPDIR:-/tmp}/lw-spooldef.XXXXXX")
trap 'redis_stop "$T/r" 2>/dev/null; rm -rf "$T"' EXIT
port=$(redis_start "$T/r" --maxmemory 1 --maxmemory-policy noeviction)
check_ok "redis started" "[ -n '$port' ]"
S="$LW_SOURCE_DIR/docs/sample/lab-sample.pcap"

mkdir -p "$T/home"
env -u XDG_STATE_HOME HOME="$T/home" "$LEAKWATCH" -q -r "$S" --redis "redis://127.0.0.1:$port" > /dev/null 2> "$T/err1"
check_eq "redis refusing writes: exit 3 (events kept in the spool)" 3 $?
spool="$T/home/.local/state/leakwatch/spool.jsonl"
check_ok "spool under ~/.local/state/leakwatch" "[ -s '$spool' ]"
check_eq "its directory is 0700" 700 "$(stat -c %a "$T/home/.local/state/leakwatch")"
check_grep "the message names the per-user spool" "$spool" "$T/err1"
check_ok "nothing in /var/tmp/leakwatch-spool.jsonl is named" "! grep -q /var/tmp '$T/err1'"

env XDG_STATE_HOME="$T/state" HOME="$T/home2" "$LEAKWATCH" -q -r "$S" --redis "redis://127.0.0.1:$port" > /dev/null 2> "$T/err2"
check_eq "XDG_STATE_HOME: exit 3" 3 $?
check_ok "spool under \$XDG_STATE_HOME/leakwatch" "[ -s '$T/state/leakwatch/spool.jsonl' ]"
check_ok "and not under HOME" "[ ! -e '$T/home2/.local' ]"

"$LEAKWATCH" -q -r "$S" --redis "redis://127.0.0.1:$port" --spool "$T/mine.jsonl" > /dev/null 2> "$T/err3"
check_eq "--spool FILE: exit 3" 3 $?
check_ok "--spool FILE wins" "[ -s '$T/mine.jsonl' ]"
"$LEAKWATCH" --help > "$T/help"
check_grep "--help gives the per-user default" "XDG_STATE_HOME/leakwatch/spool.jsonl" "$T/help"
check_done
