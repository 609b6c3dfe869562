#!/usr/bin/env bash
# Issue 20 defect 1 through the binary: a 2 KB pcapng, made by tests/fuzz/seedgen.c, holds
# a TLS 1.3 session and, in a Decryption Secrets Block, its keys; inside, HTTP/2 sends a
# GET carrying an IMEI, then HEADERS on stream 0 with END_STREAM. `leakwatch -r FILE`
# with no option crashed (SIGSEGV, empty output). It must exit 0, report the leaks of
# the GET, count the stream-0 frame as malformed, and, read after another capture, lose
# nothing of that one either.
set -u
. "$LW_SOURCE_DIR/tests/lib/check.sh"
T=$(mktemp -d "${TMPDIR:-/tmp}/lw-h2s0.XXXXXX")
trap 'rm -rf "$T"' EXIT
GEN="$LW_BUILD_DIR/tests/fuzz/lw_seedgen"
"$GEN" h2-tls "$T/s0.pcapng" stream0
check_eq "capture made" 0 $?
"$GEN" h2-tls "$T/ok.pcapng"
check_ok "capture under 2.5 KB" '[ "$(stat -c %s "$T/s0.pcapng")" -lt 2560 ]'
summary() { python3 -c "
import json,sys
leaks=0; mal=-1; dec=0
for l in open(sys.argv[1]):
    e=json.loads(l)
    if e['event_type']=='privacy_leak' and e['identifier']['type']=='imei' and e.get('tls'): leaks+=1
    if e['event_type']=='stats':
        mal=e['stats']['dissectors']['h2_malformed']; dec=e['stats']['dissectors']['tls_flows_decrypted']
print(leaks, mal, dec)
" "$1"; }
"$LEAKWATCH" -q -r "$T/s0.pcapng" > "$T/s0.json" 2> "$T/s0.err"
check_eq "stream 0: exit status" 0 $?
# The IMEI as a URI parameter (http2.uri; :path is not reported again as a header),
# decrypted; one malformed frame.
check_eq "stream 0: IMEI leaks, h2_malformed, flows decrypted" "1 1 1" "$(summary "$T/s0.json")"
"$LEAKWATCH" -q -r "$T/ok.pcapng" -r "$T/s0.pcapng" > "$T/both.json" 2> "$T/both.err"
check_eq "after another capture: exit status" 0 $?
# The first capture's GET and POST body (2 IMEI leaks) and the second's 1, two flows.
check_eq "after another capture: nothing lost" "3 1 2" "$(summary "$T/both.json")"
check_done
