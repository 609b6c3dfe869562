"""Feed a capture to leakwatch's stdin (-r -) slowly enough for periodic stats events.

Usage: stats_feed.py LEAKWATCH PCAP OUT PERIODIC [leakwatch args...]

The records of PCAP are re-stamped 50 ms of packet time apart, so every 20 records
the capture's clock passes a tick (1 s); after each tick's worth the feeder pauses
briefly and looks at OUT. It goes on until PERIODIC periodic stats events
("final": false) are in OUT, then sends the rest and closes stdin. Whether enough
appear is the condition waited on: the pauses only give the wall clock a chance to
pass --stats-interval. Exit 0, or 1 with the reason."""
import json
import struct
import subprocess
import sys
import time

lw, pcap, out, want = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
data = open(pcap, "rb").read()
head, recs, off = data[:24], [], 24
while off < len(data):
    incl = struct.unpack("<I", data[off + 8:off + 12])[0]
    recs.append(data[off + 16:off + 16 + incl])
    off += 16 + incl


def periodic():
    try:
        lines = open(out).read().split("\n")[:-1]
    except FileNotFoundError:
        return 0
    return sum(1 for l in lines if '"event_type":"stats"' in l
               and json.loads(l)["stats"]["final"] is False)


p = subprocess.Popen([lw, "-q", "-r", "-", "-o", out] + sys.argv[5:], stdin=subprocess.PIPE)
p.stdin.write(head)
t0, deadline = 1_700_000_000 * 1_000_000, time.monotonic() + 120
for i, r in enumerate(recs):
    ts = t0 + i * 50_000
    p.stdin.write(struct.pack("<IIII", ts // 1_000_000, ts % 1_000_000, len(r), len(r)) + r)
    if i % 20 == 19 and periodic() < want:
        p.stdin.flush()
        if time.monotonic() > deadline:
            break
        time.sleep(0.15)
p.stdin.close()
rc = p.wait()
n = periodic()
if rc != 0 or n < want:
    print("FAIL: leakwatch exit %d, %d periodic stats events (want %d; %d records fed)"
          % (rc, n, want, len(recs)))
    sys.exit(1)
print("fed %d records, %d periodic stats events" % (len(recs), n))
