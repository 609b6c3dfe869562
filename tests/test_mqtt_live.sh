#!/usr/bin/env bash
# Real MQTT traffic: Debian's mosquitto broker on loopback, mosquitto_pub as the device
# (MQTT 3.1.1 and 5.0), captured with tcpdump. leakwatch must find the identifiers the
# device put in its CONNECT (client id, user name) and PUBLISH (topic, JSON payload,
# base64+gzip payload), on a port that is not 1883 (recognised by the CONNECT), and
# nothing of a look-alike published last. Skipped (77) without mosquitto, mosquitto_pub,
# tcpdump or the right to capture.
set -u
. "$LW_SOURCE_DIR/tests/lib/check.sh"
for t in mosquitto mosquitto_pub tcpdump python3; do
    command -v "$t" > /dev/null || { echo "skip: $t not installed"; exit 77; }
done
T=$(mktemp -d "${TMPDIR:-/tmp}/lw-mqtt.XXXXXX")
MPID= TPID=
cleanup() {
    [ -n "$TPID" ] && kill "$TPID" 2> /dev/null
    [ -n "$MPID" ] && kill "$MPID" 2> /dev/null
    wait 2> /dev/null
    rm -rf "$T"
}
trap cleanup EXIT
IMEI=869012045678914 IMEI2=869012045678922 OAID=1f2e3d4c-aaaa-bbbb-cccc-0123456789ab
IMSI=460001234567890 AID=9774d56d682e549c MAC=3c:28:6d:11:22:33
PORT=$((20000 + $$ % 20000))

printf 'listener %d 127.0.0.1\nallow_anonymous true\n' "$PORT" > "$T/mosquitto.conf"
mosquitto -c "$T/mosquitto.conf" > "$T/broker.log" 2>&1 &
MPID=$!
# -i any (Linux cooked): some kernels hand tcpdump -i lo nothing of loopback TCP;
# --immediate-mode: packets are not held in a kernel block that the kill would drop.
tcpdump -i any --immediate-mode -U -n -w "$T/mqtt.pcap" "tcp port $PORT and host 127.0.0.1" 2> "$T/tcpdump.err" &
TPID=$!
# Readiness, bounded: tcpdump says it listens, the broker accepts a connection.
for _ in $(seq 100); do grep -q "listening on" "$T/tcpdump.err" && break; sleep 0.05; done
grep -q "listening on" "$T/tcpdump.err" || { echo "skip: cannot capture: $(cat "$T/tcpdump.err")"; exit 77; }
up=0
for _ in $(seq 100); do
    mosquitto_pub -h 127.0.0.1 -p "$PORT" -i probe -t probe -m x 2> /dev/null && { up=1; break; }
    sleep 0.05
done
[ "$up" = 1 ] || { echo "skip: the broker did not start: $(cat "$T/broker.log")"; exit 77; }

# Alibaba Cloud IoT style sign-in (client id, user name), then telemetry, MQTT 3.1.1.
mosquitto_pub -h 127.0.0.1 -p "$PORT" -V mqttv311 -q 1 \
    -i "$IMEI|securemode=3,signmethod=hmacsha1|" -u "$(echo "$MAC" | tr -d : | tr a-f A-F)&a1B2c3D4e5F" \
    -P 0123456789abcdef -t "devices/$OAID/telemetry" -m "{\"imsi\":\"$IMSI\",\"t\":21.5}"
check_eq "mosquitto_pub (3.1.1) exits 0" 0 $?
# MQTT 5 with a base64(gzip(JSON)) payload, as a compressing telemetry SDK sends.
PAYLOAD=$(python3 -c "import base64,gzip,json; print(base64.b64encode(gzip.compress(json.dumps({'aid':'$AID','pad':'x'*64}).encode(),mtime=0)).decode())")
mosquitto_pub -h 127.0.0.1 -p "$PORT" -V mqttv5 -q 1 -i sensor-5 -t "t/up" -m "$PAYLOAD"
check_eq "mosquitto_pub (5.0) exits 0" 0 $?
# A look-alike: the phone's second IMEI, base64 in a form.
mosquitto_pub -h 127.0.0.1 -p "$PORT" -i sensor-6 -t "t/up" -m "$(printf 'imei=%s' "$IMEI2" | base64)"
# tcpdump may not have read the last packets from the kernel yet when the last client
# exits (a loaded machine): wait, bounded, until its file holds the three PUBLISH
# packets (-U writes each packet as it comes) before stopping it.
publishes() {
    tshark -r "$T/mqtt.pcap" -d "tcp.port==$PORT,mqtt" -Y "mqtt.msgtype==3" -T fields \
        -e mqtt.topic 2> /dev/null | grep -c -v '^probe$'
}
if command -v tshark > /dev/null; then
    for _ in $(seq 40); do [ "$(publishes)" -ge 3 ] && break; sleep 0.25; done
fi
kill -TERM "$TPID" # (an async job of a script ignores SIGINT)
wait "$TPID" 2> /dev/null
TPID=
# The capture is checked with an independent decoder first: when the kernel handed
# tcpdump less than the three PUBLISH packets (it happens under load on loopback), the
# environment, not leakwatch, lost them: skip rather than judge on a partial capture.
if command -v tshark > /dev/null; then
    NPUB=$(publishes)
    [ "$NPUB" -ge 3 ] || { echo "skip: the capture holds $NPUB of 3 PUBLISH packets"; exit 77; }
fi

printf 'devices:\n  - id: dev\n    ip: 127.0.0.1\n    identifiers:\n      imei: "%s"\n      oaid: "%s"\n      imsi: "%s"\n      android_id: "%s"\n      mac: "%s"\n' \
    "$IMEI" "$OAID" "$IMSI" "$AID" "$MAC" > "$T/lab.yaml"
for t in 1 2; do
    "$LEAKWATCH" -q -t "$t" -r "$T/mqtt.pcap" --profile "$T/lab.yaml" > "$T/out$t.json"
    check_eq "leakwatch -t $t exits 0" 0 $?
    python3 -c "
import json,sys
for l in open(sys.argv[1]):
    e=json.loads(l)
    if e['event_type']=='privacy_leak' and e['identifier']['source']=='profile':
        i=e['identifier']; print(i['type'], i['form'], i['where'], i['key'], ','.join(i['encoding']))" \
        "$T/out$t.json" | sort > "$T/f$t"
done
check_eq "-t 1 and -t 2 find the same" "$(cat "$T/f1")" "$(cat "$T/f2")"
check_grep "IMEI in the client id" "^imei plain mqtt.connect client_id $" "$T/f1"
check_grep "MAC (bare, upper) in the user name" "^mac mac-bare mqtt.connect username $" "$T/f1"
check_grep "OAID in the topic" "^oaid plain mqtt.publish topic $" "$T/f1"
check_grep "IMSI in the JSON payload" "^imsi plain mqtt.publish imsi $" "$T/f1"
check_grep "Android ID in base64(gzip(JSON))" "^android_id plain mqtt.publish aid base64,gzip,json$" "$T/f1"
check_eq "nothing else (no second IMEI)" 5 "$(wc -l < "$T/f1")"
check_done
