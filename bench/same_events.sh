#!/usr/bin/env bash
# Findings must not change with a performance change: compare two leakwatch binaries.
#   bench/same_events.sh OLD_LEAKWATCH NEW_LEAKWATCH [BUILD_DIR]   (default build/)
# 1. tests/test_seeds.sh, test_sample.sh and test_pipeline.sh run with a wrapper as
#    $LEAKWATCH: every run of theirs that writes events to stdout is made by both
#    binaries with the same arguments, and the two event sets are compared.
# 2. The real captures in tests/data/pcaps, the lab sample and two small generated
#    captures like bench/throughput.sh's (lab profile), -t 1 and -t 2.
# Compared: every event but "stats" (its counters and timings are allowed to move),
# as sorted lines; of an sdk_contact only what it says (device, app, SDK, verdict),
# not which flow said it first: with several workers that flow depends on thread
# timing, in any build (run one binary twice with -t 2 to see it).
# Prints each difference; exit 1 if there is any.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
OLD=$(realpath "$1") NEW=$(realpath "$2")
B=$(realpath "${3:-$top/build}")
T=$(mktemp -d "${TMPDIR:-/tmp}/lw-same.XXXXXX")
trap 'rm -rf "$T"' EXIT
export SE_OLD=$OLD SE_NEW=$NEW SE_DIR=$T/runs
mkdir -p "$SE_DIR"
cat > "$T/lw" <<'W'
#!/usr/bin/env bash
# both binaries, same arguments; the new one's output is what the test sees
for a in "$@"; do
    case $a in -o|--output|--output=*|-i|--interface|--interface=*|--check-rules*|-h|--help|-V)
        exec "$SE_NEW" "$@";; esac
done
n=$(mktemp "$SE_DIR/run.XXXXXX")
printf '%q ' "$@" > "$n.args"
"$SE_OLD" "$@" > "$n.old" 2> /dev/null
"$SE_NEW" "$@" > "$n.new" 2> "$n.err"
rc=$?
cat "$n.new"; cat "$n.err" >&2
exit $rc
W
chmod +x "$T/lw"
events() {
    python3 -c '
import json, sys
keep = ("device", "app", "sdk", "declared", "policy", "clause", "reason")
out = []
for line in open(sys.argv[1]):
    try:
        e = json.loads(line)
    except ValueError:
        out.append(line)
        continue
    if e.get("event_type") == "stats":
        continue
    if e.get("event_type") == "sdk_contact":
        line = json.dumps({k: e.get(k) for k in keep}, sort_keys=True) + "\n"
    out.append(line)
sys.stdout.writelines(sorted(out))' "$1"
}
fails=0 runs=0
compare() {  # NAME OLD_OUT NEW_OUT
    runs=$((runs + 1))
    if ! diff <(events "$2") <(events "$3") > "$T/diff"; then
        fails=$((fails + 1))
        echo "DIFFERENT: $1"; head -20 "$T/diff"
    fi
}
for t in test_seeds test_sample test_pipeline; do
    LEAKWATCH=$T/lw PCAPGEN=$B/tests/gen/pcapgen LW_SOURCE_DIR=$top LW_BUILD_DIR=$B \
        bash "$top/tests/$t.sh" > "$T/$t.log" 2>&1 || echo "note: $t failed (see above)"
done
for r in "$SE_DIR"/run.*.args; do
    r=${r%.args}
    compare "$(cat "$r.args")" "$r.old" "$r.new"
done
"$B/tests/gen/pcapgen" -o "$T/down.pcap" --target-bytes 8M --requests-per-flow 1 --body 300 \
    --response-body 300-24k --seed 21 2>/dev/null
"$B/tests/gen/pcapgen" -o "$T/up.pcap" --target-bytes 8M --requests-per-flow 2 --body 6k \
    --seed 22 2>/dev/null
for cap in "$top"/tests/data/pcaps/*.pcap* "$top/docs/sample/lab-sample.pcap" "$T/down.pcap" \
           "$T/up.pcap"; do
    for t in 1 2; do
        "$OLD" -q -t $t --profile "$top/docs/sample/lab.yaml" -r "$cap" > "$T/o.json" 2>/dev/null
        "$NEW" -q -t $t --profile "$top/docs/sample/lab.yaml" -r "$cap" > "$T/n.json" 2>/dev/null
        compare "$(basename "$cap") -t $t" "$T/o.json" "$T/n.json"
    done
done
echo "$runs runs compared, $fails different"
[ "$fails" = 0 ]
