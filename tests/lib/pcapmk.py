"""pcapmk - write small Ethernet/IPv4 captures for tests, independently of leakwatch's
own writer (tests/gen/pcapw.c): TCP flows with a full handshake, data cut into segments
and a FIN each way; UDP datagrams; DNS answers; TLS ClientHellos; HTTP/1.1 requests.

Only what tests need: no options, no IPv6, checksums computed but never relied on."""
import gzip
import struct

ETH_SRV = bytes.fromhex("020000000001")


def _csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def _ip(a):
    return bytes(int(x) for x in a.split("."))


def _mac(m):
    return bytes.fromhex(m.replace(":", ""))


class Pcap:
    def __init__(self, path, t0=1767225600.0):
        self.f = open(path, "wb")
        self.f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        self.t = t0
        self.ipid = 1

    def close(self):
        self.f.close()

    def _frame(self, src_mac, dst_mac, src, dst, proto, l4):
        ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(l4), self.ipid & 0xFFFF, 0,
                         64, proto, 0, _ip(src), _ip(dst))
        ip = ip[:10] + struct.pack("!H", _csum(ip)) + ip[12:]
        self.ipid += 1
        fr = dst_mac + src_mac + b"\x08\x00" + ip + l4
        self.t += 0.001
        sec = int(self.t)
        self.f.write(struct.pack("<IIII", sec, int(round((self.t - sec) * 1e6)) % 1000000,
                                 len(fr), len(fr)))
        self.f.write(fr)

    def _tcp(self, src_mac, dst_mac, src, sport, dst, dport, seq, ack, flags, data=b""):
        hdr = struct.pack("!HHIIBBHHH", sport, dport, seq & 0xFFFFFFFF, ack & 0xFFFFFFFF,
                          5 << 4, flags, 65535, 0, 0)
        pseudo = _ip(src) + _ip(dst) + struct.pack("!BBH", 0, 6, len(hdr) + len(data))
        c = _csum(pseudo + hdr + data)
        hdr = hdr[:16] + struct.pack("!H", c) + hdr[18:]
        self._frame(src_mac, dst_mac, src, dst, 6, hdr + data)

    def tcp_flow(self, cli_mac, cli, cport, srv, sport, exchanges, mss=700):
        """exchanges: list of (client bytes, server bytes); each cut into mss pieces."""
        c = TcpConn(self, cli_mac, cli, cport, srv, sport, mss)
        for req, resp in exchanges:
            c.exchange(req, resp)
        c.close()

    def udp(self, src_mac, src, sport, dst_mac, dst, dport, data):
        hdr = struct.pack("!HHHH", sport, dport, 8 + len(data), 0)
        self._frame(_mac(src_mac), _mac(dst_mac), src, dst, 17, hdr + data)

    def dns_answer(self, cli_mac, cli, resolver, name, addr, ttl=300):
        """The resolver's answer that name has A record addr (the query is not needed)."""
        q = b"".join(bytes([len(p)]) + p.encode() for p in name.split(".")) + b"\0"
        msg = struct.pack("!HHHHHH", 0x1234, 0x8180, 1, 1, 0, 0) + q + struct.pack("!HH", 1, 1)
        msg += struct.pack("!HHHIH", 0xC00C, 1, 1, ttl, 4) + _ip(addr)
        self.udp("02:00:00:00:00:01", resolver, 53, cli_mac, cli, 33333, msg)


class TcpConn:
    """One TCP connection written step by step, so a test can interleave connections
    and move the clock (Pcap.t) between steps."""

    def __init__(self, pcap, cli_mac, cli, cport, srv, sport, mss=700):
        self.p, self.mss = pcap, mss
        self.cm, self.sm = _mac(cli_mac), ETH_SRV
        self.cli, self.cport, self.srv, self.sport = cli, cport, srv, sport
        self.cs, self.ss = 1001, 50001
        pcap._tcp(self.cm, self.sm, cli, cport, srv, sport, 1000, 0, 0x02)
        pcap._tcp(self.sm, self.cm, srv, sport, cli, cport, 50000, 1001, 0x12)
        pcap._tcp(self.cm, self.sm, cli, cport, srv, sport, 1001, 50001, 0x10)

    def exchange(self, req, resp=b""):
        p, m = self.p, self.mss
        for i in range(0, len(req), m):
            p._tcp(self.cm, self.sm, self.cli, self.cport, self.srv, self.sport, self.cs, self.ss,
                   0x18, req[i:i + m])
            self.cs += len(req[i:i + m])
        for i in range(0, len(resp), m):
            p._tcp(self.sm, self.cm, self.srv, self.sport, self.cli, self.cport, self.ss, self.cs,
                   0x18, resp[i:i + m])
            self.ss += len(resp[i:i + m])

    def close(self):
        p = self.p
        p._tcp(self.cm, self.sm, self.cli, self.cport, self.srv, self.sport, self.cs, self.ss, 0x11)
        p._tcp(self.sm, self.cm, self.srv, self.sport, self.cli, self.cport, self.ss, self.cs + 1,
               0x11)
        p._tcp(self.cm, self.sm, self.cli, self.cport, self.srv, self.sport, self.cs + 1,
               self.ss + 1, 0x10)


def http_request(method, host, path, headers=(), body=b"", gzip_body=False, chunked=False):
    h = ["%s %s HTTP/1.1" % (method, path), "Host: " + host, "User-Agent: lab-app/1.0"]
    h += ["%s: %s" % kv for kv in headers]
    if gzip_body:
        body = gzip.compress(body, mtime=0)
        h.append("Content-Encoding: gzip")
    if body or method == "POST":
        if chunked:
            h.append("Transfer-Encoding: chunked")
            third = max(1, len(body) // 3)
            parts = [body[i:i + third] for i in range(0, len(body), third)]
            body = b"".join(b"%x\r\n%s\r\n" % (len(p), p) for p in parts) + b"0\r\n\r\n"
        else:
            h.append("Content-Length: %d" % len(body))
    return ("\r\n".join(h) + "\r\n\r\n").encode() + body


HTTP_OK = b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n\r\nok"


def tls_client_hello(sni):
    """A TLS 1.2 ClientHello record carrying server_name = sni."""
    name = sni.encode()
    sn = struct.pack("!HBH", len(name) + 3, 0, len(name)) + name
    ext = struct.pack("!HH", 0, len(sn)) + sn
    body = b"\x03\x03" + bytes(range(32)) + b"\x00" + struct.pack("!H", 4) + b"\xc0\x2f\x00\x9c"
    body += b"\x01\x00" + struct.pack("!H", len(ext)) + ext
    hs = b"\x01" + struct.pack("!I", len(body))[1:] + body
    return b"\x16\x03\x01" + struct.pack("!H", len(hs)) + hs
