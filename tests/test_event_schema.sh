#!/usr/bin/env bash
# The user references hold for the binary they describe:
# - every event line leakwatch writes on the bundled sample, the seed acceptance
#   captures, the real captures of tests/data/pcaps, generated VLAN/IPv6 traffic, a
#   truncated capture, a run with a key log, and a run fed on stdin that produces
#   periodic stats and both kinds of reload event, validates against
#   docs/events.schema.json (Debian's python3-jsonschema, draft 2020-12);
# - all five event types were seen, and every event type named in the C sources is in
#   the schema;
# - the schema rejects broken copies of real events (a renamed field, a mistyped
#   value, an unknown verdict, form or where ...), so this test can fail;
# - docs/leakwatch.1 and docs/leakwatch-files.5 render without a warning, and every
#   long option of `leakwatch --help` is in leakwatch(1) and the other way round.
set -u
. "$LW_SOURCE_DIR/tests/lib/check.sh"
T=$(mktemp -d "${TMPDIR:-/tmp}/lw-schema.XXXXXX")
trap 'rm -rf "$T"' EXIT
SCHEMA="$LW_SOURCE_DIR/docs/events.schema.json"
SAMPLE="$LW_SOURCE_DIR/docs/sample/lab-sample.pcap"
LAB="$LW_SOURCE_DIR/docs/sample/lab.yaml"
HELPER="$LW_SOURCE_DIR/tests/lib/event_schema.py"
LW="$LEAKWATCH -q"

PY=""
for p in python3 /usr/bin/python3; do
    if "$p" -c 'import jsonschema' 2>/dev/null; then PY=$p; break; fi
done
check_ok "a python3 with jsonschema (Debian: python3-jsonschema, scripts/deps.sh)" '[ -n "$PY" ]'
[ -n "$PY" ] || { check_done; exit 1; }

echo "== runs"
$LW -r "$SAMPLE" --profile "$LAB" > "$T/sample.json"; check_eq "sample: exit" 0 $?
$LW -t 1 -r "$SAMPLE" --profile "$LAB" --evidence raw > "$T/sample-raw.json"
check_eq "sample --evidence raw: exit" 0 $?
# No profile: no device, no policy; generic detectors down to bare shapes.
$LW -r "$SAMPLE" --min-confidence 0.3 > "$T/noprofile.json"; check_eq "no profile: exit" 0 $?
check_grep "no profile: no_policy verdicts" '"verdict":"no_policy"' "$T/noprofile.json"
: > "$T/empty.keys"
$LW -r "$SAMPLE" --profile "$LAB" --keylog "$T/empty.keys" > "$T/keylog.json"
check_eq "empty key log: exit" 0 $?
check_grep "key log counters in the stats" '"keylog":{"keylog_lines":0' "$T/keylog.json"

$PY "$HELPER" seeds "$T" > "$T/seeds.list"; check_eq "seed captures built" 0 $?
check_eq "five seed captures" 5 "$(wc -l < "$T/seeds.list")"
n=0
while read -r pcap prof; do
    n=$((n + 1))
    $LW -r "$pcap" --profile "$prof" --stats-interval 1 > "$T/seed$n.json"
    check_eq "$(basename "$pcap"): exit" 0 $?
done < "$T/seeds.list"
for v in declared undeclared_type undeclared_sdk broken_transform first_party_declared \
         first_party_undeclared unknown_destination; do
    check_ok "seeds: a $v finding" "cat '$T'/seed*.json | grep -q '\"verdict\":\"$v\"'"
done

for p in "$LW_SOURCE_DIR"/tests/data/pcaps/*.pcap*; do
    b=$(basename "$p")
    $LW -r "$p" > "$T/real-$b.json"; check_eq "$b: exit" 0 $?
done
"$PCAPGEN" -o "$T/v6.pcap" --flows 10 --ipv6 --vlan 100,200 --seed 3 2>/dev/null
$LW -r "$T/v6.pcap" --profile "$LAB" > "$T/v6.json"; check_eq "IPv6 QinQ: exit" 0 $?
check_grep "IPv6 QinQ: vlan list" '"vlan":\[100,200\]' "$T/v6.json"
"$PCAPGEN" -o "$T/http.pcap" --flows 50 --seed 7 2>/dev/null
size=$(stat -c %s "$T/http.pcap")
head -c $((size / 2 + 7)) "$T/http.pcap" > "$T/trunc.pcap"
$LW -r "$T/trunc.pcap" > "$T/trunc.json" 2> /dev/null; check_eq "truncated capture: exit 2" 2 $?
check_grep "truncated capture: input_errors counted" '"input_errors":1' "$T/trunc.json"
# CPU time per thread: each thread that did work says so; none says more than the
# whole process could have used (bash's times, as an independent clock).
children=$( ($LW -r "$T/http.pcap" --profile "$LAB" -t 2 > "$T/cpu.json"; times) | tail -n 1)
check_eq "cpu_us: reader, both workers and the output thread ran, within the process's time" \
    "ok" "$($PY -c '
import json, re, sys
s = json.loads(open(sys.argv[1]).read().splitlines()[-1])["stats"]
t = [s["reader_cpu_us"], s["output"]["cpu_us"]] + [w["cpu_us"] for w in s["per_worker"]]
proc = sum(int(m) * 60e6 + float(x) * 1e6 for m, x in re.findall(r"(\d+)m([\d.]+)s", sys.argv[2]))
ok = len(t) == 4 and all(v > 0 for v in t) and sum(t) <= proc + 20000
print("ok" if ok else (t, proc))' "$T/cpu.json" "$children")"

# Periodic stats and reloads need time to pass during the run: the input arrives on
# stdin, one datagram every 0.25 s, until each awaited event has been written.
$PY "$HELPER" stream "$LEAKWATCH" "$SAMPLE" "$LAB" "$T" "$T/stream.json" > "$T/stream.log" 2>&1
check_eq "stdin run: periodic stats, reload ok, reload failed, exit 0" 0 $?
sed 's/^/    /' "$T/stream.log"
check_grep "stdin run: final stats counts both reloads" '"reloads":1,"reload_failures":1' "$T/stream.json"

echo "== every line against docs/events.schema.json"
$PY "$HELPER" validate "$SCHEMA" "$T"/*.json > "$T/valid.log" 2>&1
check_eq "every event valid" 0 $?
sed 's/^/    /' "$T/valid.log" | head -40
for t in privacy_leak sdk_contact flow stats reload; do
    check_grep "events of type $t seen" "^type $t [0-9]" "$T/valid.log"
done
check_eq "no other event type" 5 "$(grep -c '^type ' "$T/valid.log")"
$PY "$HELPER" srctypes "$SCHEMA" "$LW_SOURCE_DIR" > "$T/src.log" 2>&1
check_eq "every event type in the C sources is in the schema" 0 $?
sed 's/^/    /' "$T/src.log"

echo "== the schema rejects broken events"
$PY "$HELPER" mutants "$SCHEMA" "$T/sample.json" "$T/stream.json" > "$T/mutants.log" 2>&1
check_eq "every broken copy rejected" 0 $?
grep -v '^rejected' "$T/mutants.log" | sed 's/^/    /'
check_gt "broken copies tried" "$(grep -c '^rejected' "$T/mutants.log")" 20

echo "== man pages"
for page in leakwatch.1 leakwatch-files.5; do
    f="$LW_SOURCE_DIR/docs/$page"
    check_ok "$page exists" "[ -s '$f' ]"
    LC_ALL=C.UTF-8 groff -ww -man -Tutf8 -z "$f" > "$T/groff.err" 2>&1
    check_eq "$page: groff -ww renders it" 0 $?
    check_eq "$page: no groff warning" "" "$(cat "$T/groff.err")"
    if command -v man > /dev/null; then
        MANWIDTH=80 LC_ALL=C.UTF-8 man --warnings -l "$f" > "$T/man.out" 2> "$T/man.err"
        check_eq "$page: man -l renders it" 0 $?
        check_eq "$page: no man warning" "" "$(cat "$T/man.err")"
        check_gt "$page: rendered lines" "$(wc -l < "$T/man.out")" 30
    fi
done
# Options as the page prints them (ASCII hyphens), against those --help names.
groff -man -Tascii -P-c -P-b -P-u "$LW_SOURCE_DIR/docs/leakwatch.1" 2>/dev/null > "$T/man.txt"
"$LEAKWATCH" --help > "$T/help.txt"; check_eq "--help: exit 0" 0 $?
grep -oE -- '--[a-z][a-z-]*' "$T/help.txt" | sort -u > "$T/help.opts"
grep -oE -- '--[a-z][a-z-]*' "$T/man.txt" | sort -u > "$T/man.opts"
check_gt "--help lists long options" "$(wc -l < "$T/help.opts")" 20
check_eq "every --help option is in leakwatch(1)" "" "$(comm -23 "$T/help.opts" "$T/man.opts" | tr '\n' ' ')"
check_eq "every option of leakwatch(1) is in --help" "" "$(comm -13 "$T/help.opts" "$T/man.opts" | tr '\n' ' ')"
grep -oE -- '(^|[ ,])-[a-zA-Z]([ ,]|$)' "$T/help.txt" | tr -d ' ,' | sort -u > "$T/help.short"
missing=""
while read -r o; do
    grep -qE -- "(^|[^a-zA-Z-])$o([^a-zA-Z-]|$)" "$T/man.txt" || missing="$missing $o"
done < "$T/help.short"
check_gt "--help lists short options" "$(wc -l < "$T/help.short")" 5
check_eq "every short option of --help is in leakwatch(1)" "" "$missing"
check_grep "leakwatch(1) names leakwatch-files(5)" 'leakwatch-files(5)' "$T/man.txt"

check_done
