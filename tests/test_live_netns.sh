#!/usr/bin/env bash
# Live capture end to end: two network namespaces joined by a veth pair; tcpreplay
# sends a generated capture into one end at a fixed rate while leakwatch -i captures
# on the other (as user nobody). The findings must equal those of reading the same
# file offline, every packet must arrive, and the kernel must report zero drops.
# Without namespaces (no root, no tcpreplay) the test says why and is skipped (77).
set -u
. "$LW_SOURCE_DIR/tests/lib/check.sh"
LW="$LEAKWATCH"
PPS=${LW_LIVE_PPS:-2000}
. "$LW_SOURCE_DIR/tests/lib/netns.sh"
netns_setup l

# The sample lab: one phone whose IMEI, OAID and hashed MAC go to SDK hosts.
"$PCAPGEN" -o "$T/lab.pcap" --flows 60 --requests-per-flow 2 --seed 42 \
    --hosts ulogs.umeng.com,mi.gdt.qq.com,app.adjust.com,api.example-vendor.com \
    --plant 'imei=869012045678914&oaid=1f2e3d4c-aaaa-bbbb-cccc-0123456789ab&mac=f011af5d83cb529768431fa2a9dbe5b6' 2>/dev/null
NPKT=$(tcpdump -r "$T/lab.pcap" 2>/dev/null | wc -l)
check_gt "generated capture has packets" "$NPKT" 100
PROFILE="$T/lab.yaml"
RULES="$T/rules"

# What offline reading finds: (type, form, where, sdk, verdict, device), one per line.
findings() { grep '"event_type":"privacy_leak"' "$1" | python3 -c "
import json,sys
for l in sys.stdin:
    e=json.loads(l); i=e['identifier']
    print(i['type'], i['form'], i['where'], e.get('sdk'), e.get('verdict'), e.get('device'))" | sort; }
jstat() { grep '"event_type":"stats"' "$1" | tail -n 1 | python3 -c "import json,sys; d=json.load(sys.stdin)['stats']
for k in '$2'.split('.'): d=d[k]
print(d)"; }

$LW -q -t 2 --profile "$PROFILE" --rules "$RULES" -r "$T/lab.pcap" > "$T/offline.json"
check_eq "offline run exits 0" 0 $?
findings "$T/offline.json" > "$T/offline.f"
check_gt "offline finds leaks" "$(wc -l < "$T/offline.f")" 10

echo "== live, 2 workers, $PPS packets/s, as user nobody"
ip netns exec "$NB" "$LEAKWATCH" -q -t 2 -i "$VB" --user nobody --stats-interval 1 \
    --profile "$PROFILE" --rules "$RULES" tcp or udp > "$T/live.json" 2> "$T/live.err" &
LWPID=$!
# Capturing once the process has given up root (the capture is open by then).
for _ in $(seq 50); do
    grep -q '^Uid:.*65534' "/proc/$LWPID/status" 2>/dev/null && break
    sleep 0.1
done
sleep 0.5
check_grep "runs as nobody after start-up" '^Uid:[[:space:]]*65534' "/proc/$LWPID/status"
check_grep "keeps no effective capability" '^CapEff:[[:space:]]*0000000000000000' "/proc/$LWPID/status"
check_grep "keeps no permitted capability" '^CapPrm:[[:space:]]*0000000000000000' "/proc/$LWPID/status"
ip netns exec "$NA" tcpreplay -q --pps="$PPS" -i "$VA" "$T/lab.pcap" > "$T/replay.out" 2>&1
check_eq "tcpreplay exits 0" 0 $?
# Wait for what is asserted, not for a time: a sanitizer build on a loaded machine can
# take several seconds to write its first periodic stats event (one is due every 1 s).
wait_for() {  # SECONDS COMMAND...: poll every 0.1 s until COMMAND succeeds
    local n=$(($1 * 10))
    shift
    while [ $n -gt 0 ] && ! "$@"; do sleep 0.1; n=$((n - 1)); done
}
wait_for 60 grep -q '"final":false' "$T/live.json"
check_grep "a periodic stats event while running" '"final":false' "$T/live.json"
kill -INT "$LWPID"
wait "$LWPID"
check_eq "SIGINT: exit 0" 0 $?
LWPID=
findings "$T/live.json" > "$T/live.f"
check_eq "live findings = offline findings" "$(md5sum < "$T/offline.f")" "$(md5sum < "$T/live.f")"
diff "$T/offline.f" "$T/live.f" | head -5
check_eq "every replayed packet captured" "$NPKT" "$(jstat "$T/live.json" packets)"
check_eq "kernel drops" 0 "$(jstat "$T/live.json" capture.kernel_drops)"
check_eq "the last stats event is final" True "$(jstat "$T/live.json" final)"
# Issue 15 defect 13: live flow-bound events name their interface, and no pcap_cnt.
check_eq "every live flow event has in_iface $VB" "$(grep -c '"event_type":"flow"' "$T/live.json")" "$(grep '"event_type":"flow"' "$T/live.json" | grep -c "\"in_iface\":\"$VB\"")"
check_eq "live: no pcap_cnt" 0 "$(grep -c '"pcap_cnt"' "$T/live.json")"
check_eq "per-worker load for 2 workers" 2 "$(jstat "$T/live.json" per_worker | python3 -c 'import sys,ast; print(len(ast.literal_eval(sys.stdin.read())))')"

echo "== idle timeout by the wall clock; open flows flushed at shutdown"
# Handshake and requests but no close for half of it: cut the capture before the FINs.
"$PCAPGEN" -o "$T/open.pcap" --flows 4 --concurrent --seed 5 \
    --plant 'imei=869012045678914' 2>/dev/null
NOPEN=$(tcpdump -r "$T/open.pcap" 2>/dev/null | wc -l)
tcpdump -r "$T/open.pcap" -w "$T/half.pcap" -c $((NOPEN - 16)) 2>/dev/null
ip netns exec "$NB" "$LEAKWATCH" -q -t 1 -i "$VB" --user nobody --flow-timeout 2 \
    --profile "$PROFILE" --rules "$RULES" tcp > "$T/idle.json" 2> "$T/idle.err" &
LWPID=$!
sleep 1
ip netns exec "$NA" tcpreplay -q --pps=500 -i "$VA" "$T/half.pcap" > /dev/null 2>&1
# No packet comes after the replay: the 2 s idle timeout must end the flows by the wall
# clock alone (waited for up to 60 s, for a slow sanitizer build).
four_timeouts() { [ "$(grep -c '"reason":"timeout"' "$T/idle.json")" -ge 4 ]; }
wait_for 60 four_timeouts
check_eq "flows ended by the wall-clock idle timeout, no packet needed" 4 \
    "$(grep -c '"reason":"timeout"' "$T/idle.json")"
ip netns exec "$NA" tcpreplay -q --pps=500 -i "$VA" "$T/half.pcap" > /dev/null 2>&1
sleep 0.5
kill -TERM "$LWPID"
wait "$LWPID"
check_eq "SIGTERM: exit 0" 0 $?
LWPID=
check_eq "open flows flushed at shutdown" 4 "$(grep -c '"reason":"shutdown"' "$T/idle.json")"
check_gt "their findings written" "$(grep -c '"event_type":"privacy_leak"' "$T/idle.json")" 3

echo "== errors name the interface and the reason; root is refused without --user"
ip netns exec "$NB" "$LEAKWATCH" -q -i nosuch$$ > /dev/null 2> "$T/e1"
check_eq "no such device: exit 1" 1 $?
check_grep "no such device named" "nosuch$$: no such device" "$T/e1"
ip netns exec "$NB" "$LEAKWATCH" -q -i "$VB" > /dev/null 2> "$T/e2"
check_eq "root without --user: exit 1" 1 $?
check_grep "refuses root" "refusing to keep running as root" "$T/e2"
setpriv --reuid=65534 --regid=65534 --clear-groups "$LEAKWATCH" -q -i lo > /dev/null 2> "$T/e3"
check_eq "no permission: exit 1" 1 $?
check_grep "permission named" "^leakwatch: -i lo: permission denied" "$T/e3"
check_done
