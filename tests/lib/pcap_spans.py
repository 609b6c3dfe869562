#!/usr/bin/env python3
"""Independent oracle for TCP reassembly: for every TCP flow direction of a classic
Ethernet/IPv4 pcap, the number of payload bytes between the SYN and the highest byte
sent (sequence arithmetic mod 2^32). Prints "client_port bytes_toserver bytes_toclient"
sorted by client port. Knows nothing of leakwatch's code."""
import struct, sys

def main(path):
    data = open(path, 'rb').read()
    assert struct.unpack('<I', data[:4])[0] == 0xa1b2c3d4, 'classic little-endian pcap only'
    off, span = 24, {}
    isn = {}
    while off + 16 <= len(data):
        _, _, incl, _ = struct.unpack('<IIII', data[off:off + 16])
        frame = data[off + 16:off + 16 + incl]
        off += 16 + incl
        if len(frame) < 14 + 20 or frame[12:14] != b'\x08\x00':
            continue
        ip = frame[14:]
        hl = (ip[0] & 15) * 4
        tot = struct.unpack('>H', ip[2:4])[0]
        if ip[9] != 6:
            continue
        tcp = ip[hl:]
        sport, dport, seq = struct.unpack('>HHI', tcp[:8])
        flags = tcp[13]
        plen = tot - hl - (tcp[12] >> 4) * 4
        key = (ip[12:16], sport, ip[16:20], dport)
        if flags & 2:
            isn[key] = seq
            continue
        if key not in isn or plen <= 0:
            continue
        end = (seq + plen - isn[key] - 1) % (1 << 32)
        span[key] = max(span.get(key, 0), end)
    rows = {}
    for (sa, sp, da, dp), n in span.items():
        if dp == 80:
            rows.setdefault(sp, [0, 0])[0] = n
        else:
            rows.setdefault(dp, [0, 0])[1] = n
    for port in sorted(rows):
        print(port, *rows[port])

main(sys.argv[1])
