#!/bin/bash
# test_pcapgen.sh - runs $PCAPGEN with several option sets and checks each capture with
# tcpdump, an independent reader: valid file, link type, checksums, number of flows
# (SYNs), planted strings, determinism, reordering/retransmission and error handling.
# Missing tcpdump or $PCAPGEN is a failure, not a skip.
set -u

fails=0
fail() { echo "FAIL: $*" >&2; fails=$((fails + 1)); }
ok() { echo "ok: $*"; }

if ! command -v tcpdump >/dev/null 2>&1; then
    echo "FAIL: tcpdump is not installed; it is the independent reader this test needs" \
         "(apt-get install -y tcpdump)" >&2
    exit 1
fi
if [ -z "${PCAPGEN:-}" ] || [ ! -x "$PCAPGEN" ]; then
    echo "FAIL: PCAPGEN is not set to an executable (got '${PCAPGEN:-}')" >&2
    exit 1
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/test_pcapgen.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
export TZ=UTC

# dump FILE [tcpdump options...]: packet lines only, stderr (the banner) to FILE.err
dump() { local f=$1; shift; tcpdump -nn "$@" -r "$f" 2>"$f.err"; }
syns() { dump "$1" | grep -c 'Flags \[S\],'; }

# check_capture NAME FILE FLOWS LINKTYPE: flows, link type, checksums and the summary
check_capture() {
    local name=$1 f=$2 flows=$3 link=$4
    [ -s "$f" ] || { fail "$name: no capture written"; return; }
    local n
    n=$(syns "$f")
    [ "$n" = "$flows" ] && ok "$name: $n SYNs" || fail "$name: expected $flows SYNs, tcpdump saw $n"
    grep -q "link-type $link " "$f.err" || fail "$name: link type is not $link: $(head -1 "$f.err")"
    local out bad
    out=$(dump "$f" -vv)
    bad=$(printf '%s\n' "$out" | grep -c -E '\(incorrect|bad cksum|bad udp cksum')
    [ "$bad" = 0 ] || fail "$name: $bad checksum errors reported by tcpdump"
    local pk=$(dump "$f" | grep -c -E '^[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{6} ')
    local sz=$(stat -c %s "$f")
    grep -q "$flows flows, $pk packets, $sz bytes" "$f.log" ||
        fail "$name: summary '$(cat "$f.log")' does not match $flows flows, $pk packets, $sz bytes"
}

gen() { local f=$1; shift; "$PCAPGEN" -o "$f" "$@" 2>"$f.log"; }

# 1. defaults with a planted identifier
f=$tmp/plain.pcap
gen "$f" --flows 20 --requests-per-flow 2 --plant imei=356938035643809 || fail "plain: exit $?"
check_capture plain "$f" 20 EN10MB
# payload lines only: tcpdump also quotes the request line in the packet's summary
n=$(dump "$f" -A | grep -v '^[0-9][0-9]:' | grep -c '&imei=356938035643809 HTTP/1.1$')
[ "$n" = 40 ] && ok "plain: plant in 40 requests" ||
    fail "plain: plant found in $n requests, want 40"
hosts='api\.example-analytics\.com|ads\.example-adnet\.net|cdn\.example-static\.org'
hosts="$hosts|telemetry\.example-sdk\.io|log\.example-crash\.com|push\.example-msg\.cn"
n=$(dump "$f" -A | grep -c -E "^Host: ($hosts)\$")
[ "$n" = 40 ] || fail "plain: $n Host headers from the fixed domain set, want 40"
dump "$f" | grep -q 'HTTP: GET /[a-z0-9/]*?sid=' || fail "plain: no GET request"
dump "$f" | grep -q 'HTTP: POST /' || fail "plain: no POST request"
n=$(dump "$f" | grep -c 'HTTP: HTTP/1.1 200 OK')
[ "$n" = 40 ] || fail "plain: $n responses, want 40"
n=$(dump "$f" | grep -c 'Flags \[F\.\]')
[ "$n" = 40 ] || fail "plain: $n FINs, want 40 (two per flow)"
# plant without '=' becomes p=VALUE
gen "$tmp/p.pcap" --flows 1 --plant 356938035643809 || fail "plant p=: exit $?"
dump "$tmp/p.pcap" -A | grep -q '&p=356938035643809 HTTP/1.1$' ||
    fail "plant without '=' not as p=VALUE"

# 2. determinism
gen "$tmp/d1.pcap" --flows 30 --seed 42 --reorder 300 --retransmit 300
gen "$tmp/d2.pcap" --flows 30 --seed 42 --reorder 300 --retransmit 300
gen "$tmp/d3.pcap" --flows 30 --seed 43 --reorder 300 --retransmit 300
a=$(md5sum <"$tmp/d1.pcap"); b=$(md5sum <"$tmp/d2.pcap"); c=$(md5sum <"$tmp/d3.pcap")
[ "$a" = "$b" ] && ok "same seed, same file" || fail "same seed gave different files"
[ "$a" != "$c" ] || fail "different seeds gave the same file"

# 3. IPv6 on Linux cooked links, split requests, perturbations
for link in sll:LINUX_SLL sll2:LINUX_SLL2 raw:RAW; do
    f=$tmp/v6-${link%%:*}.pcap
    gen "$f" --flows 7 --ipv6 --link "${link%%:*}" --split-at 5,30 --mss 400 --body 900 ||
        fail "v6 $link: exit $?"
    check_capture "v6-${link%%:*}" "$f" 7 "${link##*:}"
done
n=$(dump "$tmp/v6-sll.pcap" | grep -c 'IP6 ')
[ "$n" -gt 0 ] || fail "v6: no IPv6 packets"
# the first request segment of every flow ends at the first cut (5 bytes)
n=$(dump "$tmp/v6-sll.pcap" | grep -c 'Flags \[P\.\], seq 1:6,')
[ "$n" = 7 ] || fail "split-at: $n first segments of 5 bytes, want 7"

base=$(dump "$tmp/v6-raw.pcap" | wc -l)
f=$tmp/rt.pcap
gen "$f" --flows 7 --ipv6 --link raw --split-at 5,30 --mss 400 --body 900 --retransmit 1000
check_capture retransmit "$f" 7 RAW
n=$(dump "$f" | wc -l)
# every message (7 requests + 7 responses) repeats one segment, and the peer ACKs it again
[ "$n" = $((base + 28)) ] && ok "retransmit: +28 packets" ||
    fail "retransmit: $n packets, want $((base + 28))"

# count data segments that start below what the same direction already sent
backwards() {
    dump "$1" | awk '/Flags \[P\.\], seq [0-9]+:[0-9]+/ {
        k = $3 " " $5; match($0, /seq [0-9]+:[0-9]+/);
        split(substr($0, RSTART + 4, RLENGTH - 4), s, ":");
        if (s[1] + 0 < hi[k]) n++; if (s[2] + 0 > hi[k]) hi[k] = s[2] + 0 } END { print n + 0 }'
}
f=$tmp/ro.pcap
gen "$f" --flows 10 --reorder 1000
check_capture reorder "$f" 10 EN10MB
n=$(backwards "$f")
[ "$n" = 20 ] && ok "reorder: 20 out-of-order segments" ||
    fail "reorder: $n out-of-order segments, want 20"
n=$(backwards "$tmp/plain.pcap")
[ "$n" = 0 ] || fail "plain capture has $n out-of-order segments"

# 4. VLAN and QinQ
f=$tmp/vlan.pcap
gen "$f" --flows 4 --vlan 100
check_capture vlan "$f" 4 EN10MB
n=$(dump "$f" -e | grep -c 'vlan 100, p 0, ethertype IPv4')
[ "$n" = "$(dump "$f" | wc -l)" ] || fail "vlan: $n tagged packets"
f=$tmp/qinq.pcap
gen "$f" --flows 4 --vlan 10,20 --ipv6
check_capture qinq "$f" 4 EN10MB
tags='802.1Q-QinQ (0x88a8).*vlan 10, p 0, ethertype 802.1Q (0x8100), vlan 20, p 0, ethertype IPv6'
n=$(dump "$f" -e | grep -c "$tags")
[ "$n" = "$(dump "$f" | wc -l)" ] || fail "qinq: $n double-tagged packets"

# 5. concurrent: every handshake before any data, every close after all data
f=$tmp/conc.pcap
gen "$f" --flows 50 --requests-per-flow 2 --concurrent --clients 3
check_capture concurrent "$f" 50 EN10MB
first_data=$(dump "$f" | grep -n 'Flags \[P\.\]' | head -1 | cut -d: -f1)
last_syn=$(dump "$f" | grep -n 'Flags \[S' | tail -1 | cut -d: -f1)
first_fin=$(dump "$f" | grep -n 'Flags \[F\.\]' | head -1 | cut -d: -f1)
last_data=$(dump "$f" | grep -n 'Flags \[P\.\]' | tail -1 | cut -d: -f1)
[ "$last_syn" -lt "$first_data" ] && [ "$last_data" -lt "$first_fin" ] && ok "concurrent phases" ||
    fail "concurrent: last SYN $last_syn, first data $first_data," \
         "last data $last_data, first FIN $first_fin"
n=$(dump "$f" | grep 'Flags \[S\],' | awk '{print $3}' | sed 's/\.[0-9]*$//' | sort -u | wc -l)
[ "$n" = 3 ] || fail "--clients 3: $n client addresses"

# 6. syn-only
f=$tmp/syn.pcap
gen "$f" --flows 1000 --syn-only
check_capture syn-only "$f" 1000 EN10MB
n=$(dump "$f" | wc -l)
[ "$n" = 1000 ] || fail "syn-only: $n packets, want 1000"
n=$(dump "$f" | awk '{print $3, $5}' | sort -u | wc -l)
[ "$n" = 1000 ] || fail "syn-only: $n distinct 4-tuples, want 1000"

# 7. target size
f=$tmp/target.pcap
gen "$f" --target-bytes 200k
sz=$(stat -c %s "$f")
flows=$(sed -n 's/.*: \([0-9]*\) flows,.*/\1/p' "$f.log")
[ "$sz" -ge 204800 ] && [ "$sz" -lt 214800 ] && ok "target: $sz bytes" ||
    fail "target-bytes 200k gave $sz bytes"
check_capture target "$f" "${flows:-0}" EN10MB

# 7b. response bodies of a chosen size (download-heavy benchmarks)
f=$tmp/resp.pcap
gen "$f" --flows 12 --requests-per-flow 2 --response-body 3000-5000
check_capture response-body "$f" 12 EN10MB
lens=$(dump "$f" -A | sed -n 's/^Content-Length: \([0-9]*\)\r\{0,1\}$/\1/p' |
       awk '$1 >= 3000 && $1 <= 5000' | wc -l)
[ "$lens" = 24 ] && ok "response-body: 24 responses of 3000..5000 bytes" ||
    fail "response-body: $lens responses with Content-Length in 3000..5000, want 24"
# the servers send at least the 24 bodies of >= 3000 bytes
srv=$(dump "$f" | awk '$3 ~ /\.80$/ && match($0, /length [0-9]+/) {
    n += substr($0, RSTART + 7, RLENGTH - 7)} END {print n + 0}')
[ "$srv" -gt 72000 ] || fail "response-body: only $srv bytes from the servers"
expect_error_rb() { "$PCAPGEN" -o "$tmp/x.pcap" --response-body "$1" >"$tmp/err" 2>&1
    [ $? = 2 ] && grep -q -- "--response-body" "$tmp/err" || fail "--response-body $1 accepted"; }
expect_error_rb 5000-3000
expect_error_rb 0

# 8. usage and errors
"$PCAPGEN" --help >"$tmp/help" 2>&1 || fail "--help exit status"
for o in -o --flows --requests-per-flow --body --seed --mss --vlan --link --ipv6 --reorder \
         --retransmit --split-at --concurrent --syn-only --target-bytes --plant --clients \
         --response-body; do
    grep -q -- "$o" "$tmp/help" || fail "--help does not mention $o"
done
expect_error() {
    local want=$1; shift
    "$PCAPGEN" "$@" >"$tmp/err" 2>&1
    local rc=$?
    [ $rc = 2 ] || fail "pcapgen $*: exit $rc, want 2"
    grep -q -- "$want" "$tmp/err" || fail "pcapgen $*: message lacks '$want': $(cat "$tmp/err")"
}
expect_error "-o FILE is required" --flows 3
expect_error "expected ether, raw, sll or sll2" -o "$tmp/x.pcap" --link token-ring
expect_error "--flows: expected an integer" -o "$tmp/x.pcap" --flows 12abc
expect_error "--reorder: expected an integer in 0..1000" -o "$tmp/x.pcap" --reorder 1001
expect_error "--vlan needs --link ether" -o "$tmp/x.pcap" --vlan 5 --link raw
expect_error "ascending" -o "$tmp/x.pcap" --split-at 30,20
expect_error "unknown option" -o "$tmp/x.pcap" --frobnicate
expect_error "needs a value" -o "$tmp/x.pcap" --flows
"$PCAPGEN" -o /nonexistent-dir/x.pcap 2>"$tmp/err"
[ $? = 1 ] && grep -q "/nonexistent-dir/x.pcap" "$tmp/err" || fail "unwritable output not reported"

if [ $fails -gt 0 ]; then
    echo "$fails check(s) failed" >&2
    exit 1
fi
echo "all pcapgen checks passed"
