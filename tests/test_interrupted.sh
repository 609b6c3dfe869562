#!/usr/bin/env bash
# Defect 7 of issue 15: a replay stopped by a signal does not look complete. The
# capture arrives on stdin (-r -); once leakwatch has shown it read the first part (a
# flow event, written when --flow-timeout ends that flow in packet time) the signal is
# sent while the input is still open. Packets keep coming until leakwatch has ended, to
# wake the reader blocked in read() on the pipe (a file being replayed never blocks). Expected: the
# final stats has "interrupted":true and the exit status is 128 + the signal (130, 143);
# a replay read to its end has "interrupted":false and 0. No timing: every step waits
# for what leakwatch wrote.
set -u
. "$LW_SOURCE_DIR/tests/lib/check.sh"
T=$(mktemp -d "${TMPDIR:-/tmp}/lw-intr.XXXXXX")
trap 'rm -rf "$T"' EXIT
cat > "$T/drive.py" <<'PY'
import json, signal, struct, subprocess, sys
lw, sig, out = sys.argv[1], sys.argv[2], sys.argv[3]

def pkt(t, sport):
    udp = struct.pack("!HHHH", sport, 9, 9, 0) + b"x"
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), sport, 0, 64, 17, 0,
                     bytes([10, 0, 0, 2]), bytes([10, 0, 0, 1]))
    fr = bytes.fromhex("020000000001020000000002") + b"\x08\x00" + ip + udp
    return struct.pack("<IIII", t, 0, len(fr), len(fr)) + fr

p = subprocess.Popen([lw, "-q", "-t", "1", "--flow-timeout", "1", "-r", "-", "-o", out],
                     stdin=subprocess.PIPE)
p.stdin.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
p.stdin.write(pkt(1767225600, 40000) + pkt(1767225610, 40001))
p.stdin.flush()
if sig != "none":
    # The first flow timed out in packet time: its flow event is the proof the run is
    # under way (the sink flushes every batch; the file is polled, not slept on).
    import select
    while True:
        try:
            if any(json.loads(l).get("event_type") == "flow" for l in open(out) if l.endswith("\n")):
                break
        except FileNotFoundError:
            pass
        if p.poll() is not None:
            print("leakwatch ended early: %s" % p.returncode); sys.exit(1)
        select.select([], [], [], 0.05)
    p.send_signal(getattr(signal, sig))
    # The handler may run on another thread after the reader took the next packet:
    # feed packets until leakwatch has ended.
    t = 1767225611
    try:
        while p.poll() is None and t < 1767225611 + 2000:
            p.stdin.write(pkt(t, 40002))
            p.stdin.flush()
            t += 1
            select.select([], [], [], 0.02)
    except BrokenPipeError:
        pass
    rc = p.wait(timeout=60)
else:
    p.stdin.close()
    rc = p.wait(timeout=60)
print(rc)
PY
for s in SIGINT SIGTERM none; do
    python3 "$T/drive.py" "$LEAKWATCH" "$s" "$T/$s.json" > "$T/$s.rc" 2> "$T/$s.err"
    rc=$(tail -1 "$T/$s.rc"); [ -s "$T/$s.err" ] && sed "s/^/    $s: /" "$T/$s.err"
    final=$(grep '"event_type":"stats"' "$T/$s.json" | tail -1)
    case $s in
        SIGINT) check_eq "SIGINT during -r: exit 130" 130 "$rc"
                check_ok "SIGINT: final stats says interrupted" "echo '$final' | grep -q '\"final\":true,\"interrupted\":true'" ;;
        SIGTERM) check_eq "SIGTERM during -r: exit 143" 143 "$rc"
                 check_ok "SIGTERM: final stats says interrupted" "echo '$final' | grep -q '\"final\":true,\"interrupted\":true'" ;;
        none) check_eq "input read to its end: exit 0" 0 "$rc"
              check_ok "end of input: interrupted false" "echo '$final' | grep -q '\"final\":true,\"interrupted\":false'" ;;
    esac
    check_ok "$s: open flows end (reason shutdown) and are written" "grep -q '\"reason\":\"shutdown\"' '$T/$s.json'"
done
"$LEAKWATCH" --help > "$T/help"
check_grep "--help documents 130/143" "130" "$T/help"
check_done
