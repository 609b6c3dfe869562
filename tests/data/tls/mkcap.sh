#!/bin/bash
# mkcap.sh OUTDIR PORT h1|h2|ku [curl TLS options...]
# Makes real TLS traffic on loopback and captures it: a self-signed EC certificate,
# `openssl s_server -www` (h1) or `nghttpd` (h2) on 127.0.0.1:PORT, curl with
# SSLKEYLOGFILE, tcpdump on lo. Requests carry identifiers in the URI query, a header
# and a gzip-compressed JSON body. Writes OUTDIR/cap.pcap, OUTDIR/keys.txt,
# OUTDIR/cap-dsb.pcapng (keys injected by editcap) and OUTDIR/tshark-*.txt (what tshark
# decrypts from the same capture). Needs root (tcpdump). Exit 77 if a tool is missing.
# SERVER_OPTS: extra options for openssl s_server (h1). ku: openssl s_client (TLS 1.3)
# sends a request, a KeyUpdate with update_requested ('K'), then a second request.
set -u
out=$1 port=$2 kind=$3
shift 3
for t in openssl curl tcpdump tshark editcap; do
    command -v $t >/dev/null || { echo "mkcap: $t missing" >&2; exit 77; }
done
[ "$kind" = h2 ] && { command -v nghttpd >/dev/null || { echo "mkcap: nghttpd missing" >&2; exit 77; }; }
mkdir -p "$out" && cd "$out" || exit 1
out=$(pwd)
rm -f cap.pcap keys.txt cap-dsb.pcapng tshark-*.txt
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
    -keyout key.pem -out cert.pem -days 2 -subj '/CN=ulogs.umeng.com' \
    -addext 'subjectAltName=DNS:ulogs.umeng.com' 2>/dev/null || exit 1
printf '{"oaid":"1f2e3d4c-aaaa-bbbb-cccc-0123456789ab","imei":"869012045678914","n":1}' \
    | gzip -c > body.gz
mkdir -p www && echo hello > www/index.html && cp www/index.html www/track

pids=()
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
    exec 4>&-
}
trap cleanup EXIT

if [ "$kind" = ku ]; then
    # s_server echoes; its stdin must stay open or it closes the connection: a FIFO
    # whose writing end this script holds (fd 4) until cleanup.
    rm -f stdin.fifo && mkfifo stdin.fifo
    openssl s_server -accept "127.0.0.1:$port" -cert cert.pem -key key.pem -quiet \
        <stdin.fifo >server.log 2>&1 &
    exec 4>stdin.fifo
elif [ "$kind" = h1 ]; then
    openssl s_server -accept "127.0.0.1:$port" -cert cert.pem -key key.pem -www -quiet \
        ${SERVER_OPTS:-} </dev/null >server.log 2>&1 &
else
    nghttpd -a 127.0.0.1 -d www "$port" key.pem cert.pem >server.log 2>&1 &
fi
pids+=($!)
# Wait for the server to listen without connecting to it: a probe connection's late
# FIN would be one more conversation in the capture, and the tests count them.
for _ in $(seq 200); do
    ss -Hltn "sport = :$port" 2>/dev/null | grep -q . && break
    sleep 0.05
done
# A large kernel buffer (-B, KiB): under load tcpdump reads late, and a dropped packet
# would fail the comparison with tshark.
tcpdump -i lo -U --immediate-mode -B 32768 -Z root -s 0 -w cap.pcap "tcp port $port" \
    2>tcpdump.err &
pids+=($!)
for _ in $(seq 100); do grep -q listening tcpdump.err 2>/dev/null && break; sleep 0.05; done
url="https://ulogs.umeng.com:$port"
res=(--resolve "ulogs.umeng.com:$port:127.0.0.1" -k -s -o /dev/null --max-time 10)
if [ "$kind" = ku ]; then
    { printf 'GET /before?imei=869012045678914 HTTP/1.1\nHost: ulogs.umeng.com\n\n'
      sleep 0.3; echo K; sleep 0.3
      printf 'GET /after?imei=869012045678914 HTTP/1.1\nHost: ulogs.umeng.com\n\n'
      sleep 0.3; } | openssl s_client -connect "127.0.0.1:$port" -tls1_3 \
        -servername ulogs.umeng.com -keylogfile keys.txt >client.log 2>&1
elif [ "$kind" = h1 ]; then
    SSLKEYLOGFILE=keys.txt curl "${res[@]}" --http1.1 "$@" \
        -H 'X-Oaid: 1f2e3d4c-aaaa-bbbb-cccc-0123456789ab' \
        "$url/v1/track?imei=869012045678914&app=demo" || echo "curl 1: $?" >&2
    SSLKEYLOGFILE=keys.txt curl "${res[@]}" --http1.1 "$@" \
        -H 'Content-Type: application/json' -H 'Content-Encoding: gzip' \
        -X GET --data-binary @body.gz "$url/v1/upload" || echo "curl 2: $?" >&2
else
    SSLKEYLOGFILE=keys.txt curl "${res[@]}" --http2 "$@" \
        -H 'X-Oaid: 1f2e3d4c-aaaa-bbbb-cccc-0123456789ab' \
        "$url/track?imei=869012045678914&app=demo" -o /dev/null \
        -H 'Content-Type: application/json' -H 'Content-Encoding: gzip' \
        --data-binary @body.gz "$url/track?upload=1" || echo "curl: $?" >&2
fi
sleep 0.3
cleanup
pids=()
trap - EXIT
[ -s cap.pcap ] && [ -s keys.txt ] || { echo "mkcap: nothing captured" >&2; exit 1; }
editcap --inject-secrets "tls,keys.txt" cap.pcap cap-dsb.pcapng || exit 1
ts=(tshark -r cap.pcap -o "tls.keylog_file:$out/keys.txt")
if [ "$kind" != h2 ]; then
    "${ts[@]}" -Y http.request -T fields -e http.request.uri > tshark-uri.txt 2>/dev/null
else
    "${ts[@]}" -Y 'http2.type == 1' -T fields -e http2.headers.path > tshark-uri.txt 2>/dev/null
fi
exit 0
