#!/usr/bin/env bash
# scripts/leakwatch-report (docs/report.md):
# - text on the bundled sample, checked against what tests/test_sample.sh established
#   from the policy (3 SDKs, Adjust undeclared; 12 distinct findings, each in 2 flows);
# - the --fail-on gates of issue 15 (undeclared sdk_contact, unreadable input,
#   stats.input_errors, no_policy) and the exit statuses;
# - the HTML page of the seed acceptance captures in headless Chromium: verdicts,
#   counts and matrix cells in the DOM against the raw events (tests/lib/report_dom.py),
#   no script error, evidence opened, and the printed PDF has the matrix on page 1;
# - empty input, only stats, unknown fields, --follow, Redis, 100 k events in bounded
#   memory (the 1 M timing is bench/report.sh).
# Artefacts (screenshots, PDF, pages) are kept in $LW_BUILD_DIR/test-artifacts/report.
set -u
. "$LW_SOURCE_DIR/tests/lib/check.sh"
for tool in chromium pdftotext pdftoppm; do
    command -v $tool > /dev/null || { echo "SKIP: $tool not installed (scripts/deps.sh)"; exit 77; }
done
python3 -c 'import jinja2' 2> /dev/null || { echo "SKIP: python3-jinja2 not installed"; exit 77; }
T=$(mktemp -d "${TMPDIR:-/tmp}/lw-report.XXXXXX")
ART="${LW_BUILD_DIR:-$T}/test-artifacts/report"
mkdir -p "$ART"
FOLLOW_PID=
trap '[ -n "$FOLLOW_PID" ] && kill "$FOLLOW_PID" 2> /dev/null; redis_stop "$T/r" > /dev/null 2>&1; rm -rf "$T"' EXIT
R="$LW_SOURCE_DIR/scripts/leakwatch-report"
LIB="$LW_SOURCE_DIR/tests/lib"

# A fresh profile per run: nothing shared between tests running in parallel.
chrome() {
    timeout 120 chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
        --disable-background-networking --disable-component-update --disable-sync \
        --disable-extensions --user-data-dir="$(mktemp -d "$T/chrome.XXXXXX")" \
        --enable-logging=stderr --v=0 "$@"
}
# Script errors reach Chromium's log as console messages ("Uncaught ...").
no_console_errors() {  # name logfile
    check_ok "$1: no console error" "! grep -E 'Uncaught|CONSOLE.*(Error|error)' '$2'"
}

"$LEAKWATCH" -q -r "$LW_SOURCE_DIR/docs/sample/lab-sample.pcap" \
    --profile "$LW_SOURCE_DIR/docs/sample/lab.yaml" > "$T/ev.json"
python3 "$R" "$T/ev.json" > "$T/out.txt"
check_eq "report exit without --fail-on" 0 $?
check_grep "device, app and policy" "== pixel6-a  app com.weipai.xiaoyingkankan  policy xiaoying-kankan" "$T/out.txt"
check_grep "app verdict" "^Verdict: VIOLATIONS FOUND" "$T/out.txt"
check_grep "SDK count" "SDKs contacted: 3 (1 not declared)" "$T/out.txt"
check_grep "Adjust undeclared" "adjust  *UNDECLARED  *app.adjust.com" "$T/out.txt"
check_grep "violations first" "undeclared_sdk (3)  <- policy violation" "$T/out.txt"
python3 "$R" --format json "$T/ev.json" > "$T/out.json"
check_eq "json: 12 distinct findings, each in 2 flows" "12 [2]" "$(python3 -c "
import json,sys; a=json.load(open(sys.argv[1]))['apps'][0]['findings']
print(len(a), sorted({f['flows'] for f in a}))" "$T/out.json")"
python3 "$R" --json "$T/sum.json" "$T/ev.json" > "$T/none.txt"
check_eq "--json FILE: the same summary, nothing on stdout" "$(python3 -c "
import json,sys; a,b=(json.load(open(p)) for p in sys.argv[1:]); a.pop('generated'); b.pop('generated'); print(a==b)
" "$T/out.json" "$T/sum.json") 0" "True $(wc -c < "$T/none.txt")"
check_eq "json: schema id, packets from the stats event" "leakwatch-report/1 $(grep -o '"packets":[0-9]*' "$T/ev.json" | head -1 | cut -d: -f2)" \
    "$(python3 -c "import json,sys; s=json.load(open(sys.argv[1])); print(s['schema'], s['run']['packets'])" "$T/sum.json")"

# --fail-on (issue 15, defect 4)
python3 "$R" --fail-on undeclared_sdk "$T/ev.json" > /dev/null 2> "$T/err"
check_eq "--fail-on undeclared_sdk fails" 1 $?
check_grep "and says why" "3 finding(s) with verdict undeclared_sdk; 1 undeclared sdk_contact" "$T/err"
python3 "$R" --fail-on broken_transform "$T/ev.json" > /dev/null
check_eq "--fail-on broken_transform passes (none in the sample)" 0 $?
python3 "$R" --fail-on nonsense "$T/ev.json" > /dev/null 2>&1
check_eq "unknown gate refused" 2 $?
grep '"event_type":"sdk_contact"' "$T/ev.json" > "$T/contacts.json"
python3 "$R" --fail-on undeclared_sdk "$T/contacts.json" > /dev/null 2> "$T/err"
check_eq "an undeclared sdk_contact alone fails undeclared_sdk" 1 $?
check_grep "named as a contact" "^leakwatch-report: 1 undeclared sdk_contact" "$T/err"
python3 "$R" --fail-on violations "$T/contacts.json" > /dev/null 2>&1
check_eq "... and violations" 1 $?
grep -v -e '"verdict":"undeclared' -e '"verdict":"broken' -e '"verdict":"first_party_undeclared' \
    -e '"declared":false' "$T/ev.json" > "$T/clean.json"
python3 "$R" --fail-on violations "$T/clean.json" > "$T/clean.txt"
check_eq "--fail-on violations passes without violations" 0 $?
check_grep "and the app reads compliant" "^Verdict: compliant" "$T/clean.txt"
python3 "$R" --fail-on violations "$T/clean.json" "$T/missing.json" > "$T/miss.txt" 2> "$T/err"
check_eq "--fail-on violations fails when an input cannot be read" 1 $?
check_grep "unreadable input said on stderr" "cannot read $T/missing.json" "$T/err"
check_grep "and in the report" "INPUT ERRORS: 1" "$T/miss.txt"
python3 "$R" "$T/clean.json" "$T/missing.json" > /dev/null 2>&1
check_eq "an unreadable input without gate: exit 3" 3 $?
"$LEAKWATCH" -q -r "$T/missing.pcap" > "$T/noin.json" 2> /dev/null
check_eq "leakwatch on a missing capture: input error exit" 2 $?
cat "$T/clean.json" "$T/noin.json" > "$T/noin2.json"
python3 "$R" --fail-on violations "$T/noin2.json" > /dev/null 2> "$T/err"
check_eq "--fail-on violations fails on stats.input_errors" 1 $?
check_grep "counted" "1 input error" "$T/err"
python3 "$R" --fail-on input_errors "$T/noin2.json" > /dev/null 2>&1
check_eq "--fail-on input_errors alone" 1 $?
"$LEAKWATCH" -q -r "$LW_SOURCE_DIR/docs/sample/lab-sample.pcap" > "$T/nopol.json"
python3 "$R" --fail-on no_policy "$T/nopol.json" > "$T/nopol.txt" 2> "$T/err"
check_eq "--fail-on no_policy fails on a run without profile" 1 $?
check_grep "no-policy findings counted" "finding(s) with verdict no_policy" "$T/err"
check_grep "no policy, not UNDECLARED (issue 15 defect 5)" "adjust  *no policy  *app.adjust.com" "$T/nopol.txt"
check_grep "app verdict no policy" "^Verdict: no policy" "$T/nopol.txt"
python3 "$R" --json "$T/nopol.sum" "$T/nopol.json"
check_eq "no policy: the matrix says null, not false" "[None, None, None]" "$(python3 -c "
import json,sys; print([r['declared'] for r in json.load(open(sys.argv[1]))['apps'][0]['matrix']['rows'] if r['contacted']])" "$T/nopol.sum")"
python3 "$R" --fail-on violations "$T/nopol.json" > /dev/null 2>&1
check_eq "violations includes no_policy (a gate that cannot judge fails)" 1 $?
python3 "$R" --fail-on undeclared_sdk "$T/nopol.json" > /dev/null 2>&1
check_eq "no policy is not an undeclared SDK" 0 $?

# Lines that are not events are counted, never fatal.
{ echo 'not json'; head -c 100 "$T/ev.json"; echo; cat "$T/ev.json"; } > "$T/dirty.json"
python3 "$R" "$T/dirty.json" > "$T/dirty.txt" 2> "$T/dirty.err"
check_eq "garbage lines are not fatal" 0 $?
check_grep "garbage counted" "(2 input line(s) were not leakwatch events" "$T/dirty.txt"
check_grep "garbage named with file:line" "dirty.json:1: not a leakwatch event" "$T/dirty.err"
python3 "$R" - < "$T/ev.json" > "$T/stdin.txt"
check_eq "- reads stdin" "$(cat "$T/out.txt")" "$(cat "$T/stdin.txt")"

# Empty input, a run with only stats, unknown fields.
: > "$T/empty.json"
python3 "$R" --html "$T/empty.html" --json "$T/empty.sum" "$T/empty.json"
check_eq "empty input: exit 0" 0 $?
check_grep "empty input: page says so" 'id="no-findings"' "$T/empty.html"
check_eq "empty input: no apps, no packets" "0 None" "$(python3 -c "
import json,sys; s=json.load(open(sys.argv[1])); print(len(s['apps']), s['run']['packets'])" "$T/empty.sum")"
grep '"event_type":"stats"' "$T/ev.json" > "$T/stats.json"
python3 "$R" --html "$T/stats.html" "$T/stats.json"
check_eq "only stats: exit 0" 0 $?
pk=$(python3 -c "import json,sys; print(json.loads(open(sys.argv[1]).readline())['stats']['packets'])" "$T/stats.json")
check_grep "only stats: the run's packets shown" "id=\"run-packets\">$pk<" "$T/stats.html"
python3 - "$T/ev.json" > "$T/future.json" <<'EOF'
# Fields a later leakwatch may add: they must pass through or be shown, never break.
import json, sys
for line in open(sys.argv[1]):
    e = json.loads(line)
    e["future_field"] = {"nested": [1, 2]}
    if e["event_type"] == "privacy_leak":
        e["identifier"]["encoding"] = ["gzip", "base64"]
        e["quic"] = False
    if e["event_type"] == "flow":
        e["dark_reason"] = "quic_without_keys"
    if e["event_type"] == "stats":
        e["stats"]["dark_flows"] = {"tls_without_keys": 3}
    print(json.dumps(e))
print(json.dumps({"event_type": "anomaly_of_the_future", "timestamp": "2026-01-01T00:00:00Z"}))
EOF
python3 "$R" --html "$T/future.html" --json "$T/future.sum" "$T/future.json" > /dev/null 2> "$T/err"
check_eq "unknown fields and event types: exit 0, nothing skipped" "0 0" "$? $(grep -c skipped "$T/err")"
check_grep "dark-flow reasons from flow events shown" "8 flow(s) quic without keys" "$T/future.html"
check_grep "dark-flow counts from stats shown" "3 flow(s) tls without keys" "$T/future.html"
check_eq "encoding chain kept with the evidence" "gzip → base64" "$(python3 -c "
import json,sys; s=json.load(open(sys.argv[1])); print(s['apps'][0]['findings'][0]['evidence'][0]['encoding'])" "$T/future.sum")"

# The seed acceptance captures, all five apps in one page, in a real browser.
python3 - "$LEAKWATCH" "$T" "$LIB" <<'EOF'
import subprocess, sys
sys.path.insert(0, sys.argv[3])
import seeds_acceptance as sa
with open(sys.argv[2] + "/seeds.json", "wb") as out:
    for n, seed in enumerate(sa.SEEDS):
        pcap, prof = sa.write_case(seed, n + 1, sys.argv[2])
        ev = subprocess.run([sys.argv[1], "-q", "-r", pcap, "--profile", prof], check=True,
                            capture_output=True).stdout
        out.write(ev)
        if seed["seed"] == "002":
            open(sys.argv[2] + "/seed-002.json", "wb").write(ev)
EOF
check_eq "seed captures and events made" 0 $?
python3 "$R" --html "$T/seeds.html" "$T/seeds.json"
check_eq "seeds report written" 0 $?
check_ok "self-contained: no URL to fetch" "! grep -Eiq '(src|href)=\"?(https?:)?//|@import|url\\(' '$T/seeds.html'"
# The fragment opens a cell's evidence, as a click does: the panel's script runs.
chrome --dump-dom "file://$T/seeds.html#cell%3A0%3Aadjust%3Aimsi" > "$T/seeds.dom" 2> "$T/chrome.log"
check_eq "chromium --dump-dom" 0 $?
no_console_errors "seeds page" "$T/chrome.log"
imsi_ev=$(python3 -c "
import json,sys
for l in open(sys.argv[1]):
    e=json.loads(l)
    if e['event_type']=='privacy_leak' and e['identifier']['type']=='imsi' and e['sdk']=='adjust':
        print(e['flow_id'], e['identifier']['evidence']); break" "$T/seed-002.json")
# xiaoying-kankan's Appendix II lists MAC for Umeng; the capture sends Umeng no MAC.
python3 "$LIB/report_dom.py" "$T/seeds.json" "$T/seeds.dom" \
    --open 0 adjust imsi "${imsi_ev% *}" "${imsi_ev#* }" "X-Imsi" "undeclared_sdk" \
    --unseen 0 umeng mac > "$T/dom.txt"
check_eq "DOM matches the events ($(grep -c '^ok' "$T/dom.txt") checks)" 0 $?
grep FAIL "$T/dom.txt"
cp "$T/seeds.html" "$ART/seeds.html"
chrome --screenshot="$ART/seeds.png" --window-size=1280,1000 "file://$T/seeds.html" > /dev/null 2> "$T/chrome2.log"
check_ok "screenshot kept: $ART/seeds.png" "[ -s '$ART/seeds.png' ]"

# A page that throws must fail these checks (the error channel works).
sed 's|"use strict";|"use strict"; null.boom;|' "$T/seeds.html" > "$T/broken.html"
chrome --dump-dom "file://$T/broken.html" > "$T/broken.dom" 2> "$T/broken.log"
python3 "$LIB/report_dom.py" "$T/seeds.json" "$T/broken.dom" > /dev/null
check_eq "a script error is caught by the DOM check" 1 $?
check_ok "... and in Chromium's console log" "grep -q Uncaught '$T/broken.log'"

# Printed: the matrix of seed 002 on page 1, the evidence after it.
python3 "$R" --html "$T/s002.html" "$T/seed-002.json"
chrome --print-to-pdf="$ART/seed-002.pdf" --no-pdf-header-footer "file://$T/s002.html" > /dev/null 2> "$T/pdf.log"
check_ok "PDF printed" "[ -s '$ART/seed-002.pdf' ]"
pdftotext -f 1 -l 1 -layout "$ART/seed-002.pdf" "$T/page1.txt"
check_grep "page 1 has the matrix title" "Identifier matrix — com.weipai.xiaoyingkankan" "$T/page1.txt"
check_grep "page 1 has the matrix's last row" "(first party)" "$T/page1.txt"
check_ok "the evidence is not on page 1" "! grep -q '^Evidence$' '$T/page1.txt'"
pdftotext -f 2 -l 2 "$ART/seed-002.pdf" "$T/page2.txt"
check_grep "the evidence starts on page 2" "^Evidence$" "$T/page2.txt"
check_grep "with a clause quoted" "IV. How We Protect Your Personal" "$T/page2.txt"
pdftoppm -f 1 -l 1 -r 60 -png "$ART/seed-002.pdf" "$ART/seed-002-page"
check_ok "page 1 rendered to PNG" "ls '$ART'/seed-002-page*1.png > /dev/null"

# --follow: a growing file, the page rewritten and reloading itself. Each rewrite is
# reported on stderr; the test waits for lines, never for time.
half=$(( $(wc -l < "$T/ev.json") / 2 ))
head -n "$half" "$T/ev.json" > "$T/grow.json"
mkfifo "$T/fifo"
python3 "$R" --follow --interval 0.05 --max-updates 100000 --html "$T/live.html" \
    "$T/grow.json" 2> "$T/fifo" &
FOLLOW_PID=$!
exec 3< "$T/fifo"
read -r first <&3
check_eq "first rewrite has the first half" "leakwatch-report: update 1, $half events" "$first"
tail -n +"$((half + 1))" "$T/ev.json" >> "$T/grow.json"
all=$(wc -l < "$T/ev.json")
seen=
while read -r line <&3; do
    case $line in *", $all events") seen=1; break ;; esac
done
kill "$FOLLOW_PID"; wait "$FOLLOW_PID" 2> /dev/null; FOLLOW_PID=
exec 3<&-
check_eq "a later rewrite has every appended event" 1 "$seen"
check_grep "the page reloads itself" '<meta http-equiv="refresh" content="1">' "$T/live.html"
check_grep "and holds the whole run" "id=\"run-packets\">$pk<" "$T/live.html"
python3 "$R" --follow --interval 0 --max-updates 2 --json "$T/f.json" "$T/ev.json" 2> "$T/err"
check_eq "--max-updates ends --follow" "0 1" "$? $(grep -c update "$T/err")"
python3 "$R" --follow "$T/ev.json" > /dev/null 2>&1
check_eq "--follow without an output file refused" 2 $?

# Redis: the stream leakwatch wrote gives the same report as its JSON lines.
if command -v redis-server > /dev/null; then
    . "$LIB/redis.sh"
    port=$(redis_start "$T/r")
    url="redis://127.0.0.1:$port/0"
    "$LEAKWATCH" -q -r "$LW_SOURCE_DIR/docs/sample/lab-sample.pcap" --spool "$T/spool.jsonl" \
        --profile "$LW_SOURCE_DIR/docs/sample/lab.yaml" --redis "$url" --redis-key lw:rep
    check_eq "leakwatch into redis" 0 $?
    python3 "$R" --redis "$url" --redis-key lw:rep > "$T/redis.txt"
    check_eq "report from the stream = report from the file" "$(cat "$T/out.txt")" "$(cat "$T/redis.txt")"
    python3 "$R" --redis "$url" --redis-key lw:rep --follow --interval 0 --max-updates 2 \
        --json "$T/rf.json" 2> /dev/null
    check_eq "--follow on the stream reads each entry once" 12 "$(python3 -c "
import json,sys; print(len(json.load(open(sys.argv[1]))['apps'][0]['findings']))" "$T/rf.json")"
    python3 "$R" --redis "redis://127.0.0.1:1/0" --fail-on violations > /dev/null 2> "$T/err"
    check_eq "an unreachable Redis fails the violations gate" 1 $?
    check_grep "and is named" "cannot read redis://127.0.0.1:1/0" "$T/err"
else
    echo "note: redis-server not installed, the Redis checks did not run (scripts/deps.sh)"
fi

# 100 k events: complete, exact counts, memory bounded by distinct findings, not events.
python3 "$LIB/report_synth.py" 100000 > "$T/big.json"
python3 - "$R" "$T/big.json" "$T/big.html" "$T/big.sum" > "$T/rss" <<'EOF'
import resource, subprocess, sys
r = subprocess.run([sys.executable, sys.argv[1], "--html", sys.argv[3], "--json", sys.argv[4],
                    sys.argv[2]])
print(r.returncode, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss // 1024)
EOF
read -r big_rc big_mb < "$T/rss"
check_eq "100 k events: exit 0" 0 "$big_rc"
check_ok "100 k events: peak RSS ${big_mb} MB < 250 MB" "[ '$big_mb' -lt 250 ]"
check_eq "100 k events: every finding counted" "$(grep -c '"privacy_leak"' "$T/big.json")" \
    "$(python3 -c "import json,sys; print(sum(f['flows'] for a in json.load(open(sys.argv[1]))['apps'] for f in a['findings']))" "$T/big.sum")"
check_ok "100 k events: page under 15 MB" "[ $(wc -c < "$T/big.html") -lt 15000000 ]"
check_done
