#!/usr/bin/env bash
# Attribution by the server certificate alone: no DNS in the capture, no SNI in the
# ClientHello, no Host. openssl makes a certificate whose subject CN is a product name
# ("Umeng Log Service") and whose subjectAltName is ulogs.umeng.com; lw_seedgen puts it
# in a TLS 1.2 handshake (cleartext) and in a TLS 1.3 one (sealed under FUZZ_KEYLOG's
# secrets), the client then sending an IMEI, and a second later a plain TCP flow to
# the same server address sends the IMEI again. tshark checks that the capture names
# the SDK host only in the certificate. Expected: the TLS flow's contact (and, decrypted,
# its finding) by "cert", the later flow's finding by "ip" (the address learnt from the
# certificate); TLS 1.3 without keys: nothing is attributed, since the certificate is
# encrypted.
set -u
. "$LW_SOURCE_DIR/tests/lib/check.sh"
GEN="$LW_BUILD_DIR/tests/fuzz/lw_seedgen"
T=$(mktemp -d "${TMPDIR:-/tmp}/lw-cert.XXXXXX")
trap 'rm -rf "$T"' EXIT
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 3650 \
    -keyout "$T/key.pem" -out "$T/cert.pem" -subj "/O=Umeng Example/CN=Umeng Log Service" \
    -addext "subjectAltName=DNS:ulogs.umeng.com" 2>/dev/null &&
    openssl x509 -in "$T/cert.pem" -outform DER -out "$T/cert.der"
check_eq "openssl made the certificate" 0 $?
CR=1111111111111111111111111111111111111111111111111111111111111111
s() { printf "$1%.0s" $(seq 32); }
{
    echo "CLIENT_HANDSHAKE_TRAFFIC_SECRET $CR $(s 21)"
    echo "SERVER_HANDSHAKE_TRAFFIC_SECRET $CR $(s 22)"
    echo "CLIENT_TRAFFIC_SECRET_0 $CR $(s 23)"
    echo "SERVER_TRAFFIC_SECRET_0 $CR $(s 24)"
} > "$T/keys.txt"
events() {  # capture [leakwatch options] -> "event port sdk sdk_match host tls"
    "$LEAKWATCH" -q -t 1 --rules "$LW_SOURCE_DIR/data" -r "$@" | python3 -c "
import json, sys
for l in sys.stdin:
    e = json.loads(l)
    if e['event_type'] in ('privacy_leak', 'sdk_contact'):
        print(e['event_type'], e['dest_port'], e['sdk'], e['sdk_match'], e['host'], e.get('tls'))"
}
for v in 12 13; do
    "$GEN" tls-cert "$T/t$v.pcap" "$v" "$T/cert.der"
    check_eq "TLS 1.${v#1}: capture made" 0 $?
    if command -v tshark >/dev/null; then
        check_eq "TLS 1.${v#1}: no DNS, no SNI, no HTTP in the capture" 0 \
            "$(tshark -r "$T/t$v.pcap" -Y 'dns || tls.handshake.extensions_server_name || http' 2>/dev/null | wc -l)"
        check_eq "TLS 1.${v#1}: tshark finds the host in the certificate" "ulogs.umeng.com" \
            "$(tshark -r "$T/t$v.pcap" -o "tls.keylog_file:$T/keys.txt" -Y tls.handshake.certificate \
               -T fields -e x509ce.dNSName 2>/dev/null)"
    fi
    events "$T/t$v.pcap" --keylog "$T/keys.txt" > "$T/e$v"
    cat "$T/e$v"
    check_grep "TLS 1.${v#1}: contact by certificate" "^sdk_contact 443 umeng cert ulogs.umeng.com None$" "$T/e$v"
    check_grep "TLS 1.${v#1}: the later flow by the address the certificate taught" \
        "^privacy_leak 5222 umeng ip ulogs.umeng.com False$" "$T/e$v"
done
check_grep "TLS 1.3: the decrypted finding by certificate" \
    "^privacy_leak 443 umeng cert ulogs.umeng.com True$" "$T/e13"
check_eq "TLS 1.2: nothing decrypted, so no finding in the TLS flow" 0 "$(grep -c '^privacy_leak 443' "$T/e12")"
# The client's records ahead of the server's flight in the capture: they wait for the
# server's handshake and are released while its bytes (the direction --inspect out
# only parses) are dissected; they are still the client's, and scanned.
"$GEN" tls-cert "$T/t13cf.pcap" 13 "$T/cert.der" client-first
events "$T/t13cf.pcap" --keylog "$T/keys.txt" > "$T/e13cf"
check_grep "TLS 1.3, client records first: the decrypted finding by certificate" \
    "^privacy_leak 443 umeng cert ulogs.umeng.com True$" "$T/e13cf"
events "$T/t13.pcap" > "$T/nokey"
check_eq "TLS 1.3 without keys: the certificate is hidden, nothing attributed" \
    "privacy_leak 5222 None None None False" "$(cat "$T/nokey")"
check_done
