#!/bin/bash
# mkcap.sh OUTDIR PORT PRIORITY [VERSION]
# Makes real QUIC + HTTP/3 traffic on loopback and captures it: a self-signed EC
# certificate for ulogs.umeng.com, Debian's ngtcp2 example server (gtlsserver, GnuTLS)
# on 127.0.0.1:PORT, its client (gtlsclient, which writes SSLKEYLOGFILE through GnuTLS)
# with the GnuTLS priority string PRIORITY, tcpdump on lo. The client resolves
# ulogs.umeng.com to 127.0.0.1 through a private /etc/hosts (unshare -m), so its SNI is
# that name. It POSTs a body with identifiers to a URI with one in its query, after a
# client-initiated key update (--key-update before --delay-stream).
# Writes OUTDIR/cap.pcap, keys.txt, cap-dsb.pcapng (keys injected by editcap),
# tshark-streams.txt (what tshark decrypts: stream id and data per STREAM frame, per
# direction), tshark-bodies.txt (the HTTP/3 DATA of stream 0 each way, from those),
# sent-bodies.txt (the body files the client and server were given) and oracle (which
# of the two a check must use: tshark for v1; sent for the v2 draft, which tshark 4.0
# does not decrypt). VERSION: v1 (default) or v2draft (gtlsclient -v). Needs root.
# Exit 77 if a tool is missing.
set -u
out=$1 port=$2 prio=$3 ver=${4:-v1}
for t in openssl gtlsserver gtlsclient tcpdump tshark editcap unshare ss; do
    command -v $t >/dev/null || { echo "mkcap: $t missing" >&2; exit 77; }
done
mkdir -p "$out" && cd "$out" || exit 1
rm -f cap.pcap keys.txt cap-dsb.pcapng tshark-*.txt
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
    -keyout key.pem -out cert.pem -days 2 -subj '/CN=ulogs.umeng.com' \
    -addext 'subjectAltName=DNS:ulogs.umeng.com' 2>/dev/null || exit 1
mkdir -p www/v1 && echo hello > www/v1/track
printf 'imei=869012045678914&oaid=1f2e3d4c-aaaa-bbbb-cccc-0123456789ab' > body.txt
printf '127.0.0.1 ulogs.umeng.com\n' > hosts

pids=()
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
}
trap cleanup EXIT

tcpdump -i lo -U --immediate-mode -Z root -s 0 -w cap.pcap "udp port $port" 2>tcpdump.err &
pids+=($!)
for _ in $(seq 100); do grep -q listening tcpdump.err 2>/dev/null && break; sleep 0.05; done
gtlsserver -q -d www --ciphers="$prio" 127.0.0.1 "$port" key.pem cert.pem >server.log 2>&1 &
pids+=($!)
for _ in $(seq 100); do ss -Huln "sport = :$port" | grep -q . && break; sleep 0.05; done
SSLKEYLOGFILE="$PWD/keys.txt" unshare -m sh -c 'mount --bind hosts /etc/hosts && exec "$@"' sh \
    timeout 20 gtlsclient -q --exit-on-all-streams-close --ciphers="$prio" -v "$ver" \
    --key-update=1ms --delay-stream=150ms -d body.txt -m POST ulogs.umeng.com "$port" \
    "https://ulogs.umeng.com:$port/v1/track?imei=869012045678914&app=demo" >client.log 2>&1
st=$?
# Wait until the capture holds the server's last packets (the response body).
for _ in $(seq 100); do
    [ "$(tcpdump -r cap.pcap 2>/dev/null | wc -l)" -ge 8 ] && break
    sleep 0.05
done
cleanup
pids=()
[ $st = 0 ] || { echo "mkcap: gtlsclient exit $st" >&2; cat client.log >&2; exit 1; }
editcap --inject-secrets "tls,keys.txt" cap.pcap cap-dsb.pcapng || exit 1
tshark -r cap.pcap -o "tls.keylog_file:keys.txt" -d "udp.port==$port,quic" \
    -T fields -e udp.dstport -e quic.stream.stream_id -e quic.stream.offset \
    -e quic.stream_data > tshark-streams.txt 2>/dev/null
tshark -r cap.pcap -o "tls.keylog_file:keys.txt" -d "udp.port==$port,quic" \
    -T fields -e quic.key_phase > tshark-phase.txt 2>/dev/null
# tshark 4.0 decrypts QUIC but has no QPACK: from its STREAM data, the HTTP/3 DATA
# payloads of request stream 0 each way (frames walked here; loopback has no loss, so
# the frames of a stream come in order).
python3 - "$port" > tshark-bodies.txt <<'PY' || exit 1
import sys
port = sys.argv[1]
streams = {}
for line in open("tshark-streams.txt"):
    f = line.rstrip("\n").split("\t")
    if len(f) < 4 or not f[1]:
        continue
    d = "req" if f[0] == port else "resp"
    for sid, data in zip(f[1].split(","), f[3].split(",")):
        streams.setdefault((d, int(sid)), bytearray()).extend(bytes.fromhex(data))
def vint(b, i):
    n = 1 << (b[i] >> 6)
    v = b[i] & 0x3F
    for k in range(1, n):
        v = v << 8 | b[i + k]
    return v, i + n
for d in ("req", "resp"):
    b, i, body = streams.get((d, 0), b""), 0, bytearray()
    while i < len(b):
        t, i = vint(b, i)
        n, i = vint(b, i)
        if t == 0:
            body += b[i:i + n]
        i += n
    print(d, body.hex())
PY
echo "uri /v1/track?imei=869012045678914&app=demo" > client-uri.txt
# What the client and server were given to send: the oracle where tshark 4.0 cannot
# decrypt (it does not know the v2 draft version); "oracle" names the one to use.
printf 'req %s\nresp %s\n' "$(od -An -tx1 -v body.txt | tr -d ' \n')" \
    "$(od -An -tx1 -v www/v1/track | tr -d ' \n')" > sent-bodies.txt
if [ "$ver" = v1 ]; then echo tshark > oracle; else echo sent > oracle; fi
exit 0
