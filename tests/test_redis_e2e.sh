#!/usr/bin/env bash
# Through the binary into a real redis-server (started here on a free loopback port):
# every event of a generated capture arrives in the stream with its flat fields and
# the whole event in "json"; a wrong port is a clear start-up error.
set -u
. "$LW_SOURCE_DIR/tests/lib/check.sh"
. "$LW_SOURCE_DIR/tests/lib/redis.sh"
T=$(mktemp -d "${TMPDIR:-/tmp}/lw-redis-e2e.XXXXXX")
trap 'redis_stop "$T/r" >/dev/null 2>&1; rm -rf "$T"' EXIT
mkdir -p "$T/r"
port=$(redis_start "$T/r")
check_ok "redis started" "[ -n '$port' ]"
"$PCAPGEN" -o "$T/c.pcap" --flows 50 --seed 9 --hosts ulogs.umeng.com,app.adjust.com \
    --plant 'imei=869012045678914' 2>/dev/null
args=(-q -r "$T/c.pcap" --profile "$LW_SOURCE_DIR/docs/sample/lab.yaml")
"$LEAKWATCH" "${args[@]}" > "$T/lines.json"
check_eq "JSON lines run" 0 $?
"$LEAKWATCH" "${args[@]}" --redis "redis://127.0.0.1:$port/0" --redis-key lw:test \
    > "$T/stdout" 2> "$T/err"
check_eq "redis run exit" 0 $?
check_eq "nothing on stdout when --redis is given" 0 "$(wc -c < "$T/stdout")"
n=$(wc -l < "$T/lines.json")
check_gt "events in the JSON lines run" "$n" 100
check_eq "every event in the stream" "$n" "$(redis_cli "$T/r" XLEN lw:test)"
check_eq "privacy_leak events in the stream" "$(grep -c '"privacy_leak"' "$T/lines.json")" \
    "$(redis_cli "$T/r" XRANGE lw:test - + | grep -c '^privacy_leak$')"
redis_cli "$T/r" XRANGE lw:test - + COUNT 400 > "$T/range"
check_grep "flat field identifier.type" "^identifier.type$" "$T/range"
check_grep "verdict value" "^undeclared_sdk$" "$T/range"
check_grep "the whole event in json" '"event_type":"privacy_leak"' "$T/range"
"$LEAKWATCH" "${args[@]}" --redis "redis://127.0.0.1:$port/0" --redis-key lw:trim \
    --redis-maxlen 10 --spool "$T/sp.jsonl" --spool-max 1 > /dev/null 2> "$T/err"
check_eq "--redis-maxlen / --spool run exit" 0 $?
# MAXLEN ~ trims whole macro nodes (100 entries by default): fewer than all, not 10.
check_gt "--redis-maxlen trims the stream" "$n" "$(redis_cli "$T/r" XLEN lw:trim)"
check_ok "no spool left after a run with Redis up" "[ ! -e '$T/sp.jsonl' ]"
"$LEAKWATCH" "${args[@]}" --redis-maxlen x > /dev/null 2> "$T/err"
check_eq "--redis-maxlen x refused" 1 $?
"$LEAKWATCH" "${args[@]}" --redis "redis://127.0.0.1:1/0" > /dev/null 2> "$T/err"
check_eq "unreachable Redis: usage exit" 1 $?
check_grep "unreachable Redis: message" "127.0.0.1:1" "$T/err"
check_done
