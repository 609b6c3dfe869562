#!/usr/bin/env python3
"""lw-consume.py - read leakwatch events from a Redis stream with a consumer group.

Standard library only: it speaks RESP over a socket itself. Creates the group if
needed (XGROUP CREATE ... MKSTREAM), first re-reads this consumer's pending entries
(delivered before a crash but never acknowledged), then new ones (XREADGROUP ... >),
prints each event's "json" field as one line on stdout and acknowledges it (XACK)
after printing. Consumers may de-duplicate on "event_id": after a Redis outage the
sink may re-send up to one batch with the same ids.

    lw-consume.py [--url redis://[user:pass@]host:port/db | unix:///path?db=N]
                  [--key leakwatch:events] [--group leakwatch] [--consumer NAME]
                  [--start 0|$] [--count 100] [--block MS] [--once] [--max N]
                  [--dedup] [--ids]
"""
import argparse
import json
import os
import socket
import sys
import urllib.parse


class RespError(Exception):
    pass


class Redis:
    def __init__(self, url, timeout=None):
        u = urllib.parse.urlparse(url)
        db = 0
        if u.scheme == "unix" or url.startswith("/"):
            path = u.path if u.scheme == "unix" else url.split("?")[0]
            q = urllib.parse.parse_qs(u.query)
            db = int(q.get("db", ["0"])[0])
            self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            self.sock.connect(path)
        elif u.scheme == "redis":
            self.sock = socket.create_connection((u.hostname or "127.0.0.1", u.port or 6379))
            if u.path and u.path.strip("/"):
                db = int(u.path.strip("/"))
        else:
            raise SystemExit("lw-consume: bad URL %r" % url)
        self.sock.settimeout(timeout)
        self.buf = b""
        user = urllib.parse.unquote(u.username) if u.username else ""
        pw = urllib.parse.unquote(u.password) if u.password else ""
        if u.scheme == "redis" and u.username and u.password is None:
            user, pw = "", user  # redis://secret@host: a password alone
        if pw:
            self.call(*(["AUTH", user, pw] if user else ["AUTH", pw]))
        if db:
            self.call("SELECT", str(db))

    def call(self, *args):
        out = [b"*%d\r\n" % len(args)]
        for a in args:
            b = a if isinstance(a, bytes) else str(a).encode()
            out.append(b"$%d\r\n%s\r\n" % (len(b), b))
        self.sock.sendall(b"".join(out))
        r = self._reply()
        if isinstance(r, RespError):
            raise r
        return r

    def _line(self):
        while b"\r\n" not in self.buf:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("connection closed by Redis")
            self.buf += chunk
        line, self.buf = self.buf.split(b"\r\n", 1)
        return line

    def _exact(self, n):
        while len(self.buf) < n + 2:
            chunk = self.sock.recv(max(65536, n + 2 - len(self.buf)))
            if not chunk:
                raise ConnectionError("connection closed by Redis")
            self.buf += chunk
        data, self.buf = self.buf[:n], self.buf[n + 2:]
        return data

    def _reply(self):
        line = self._line()
        kind, rest = line[:1], line[1:]
        if kind == b"+":
            return rest.decode()
        if kind == b"-":
            return RespError(rest.decode())
        if kind == b":":
            return int(rest)
        if kind == b"$":
            n = int(rest)
            return None if n < 0 else self._exact(n)
        if kind == b"*":
            n = int(rest)
            return None if n < 0 else [self._reply() for _ in range(n)]
        raise ConnectionError("unexpected RESP type %r" % kind)


def entries(reply):
    """XREADGROUP reply -> [(id, {field: value})]."""
    out = []
    for _key, items in reply or []:
        for eid, flat in items:
            if flat is None:  # pending entry trimmed away (MAXLEN)
                out.append((eid.decode(), None))
                continue
            out.append((eid.decode(), {flat[i].decode(): flat[i + 1] for i in range(0, len(flat), 2)}))
    return out


def main():
    ap = argparse.ArgumentParser(description="Read leakwatch events with a Redis consumer group.")
    ap.add_argument("--url", default="redis://127.0.0.1:6379/0")
    ap.add_argument("--key", default="leakwatch:events")
    ap.add_argument("--group", default="leakwatch")
    ap.add_argument("--consumer", default="%s-%d" % (socket.gethostname(), os.getpid()))
    ap.add_argument("--start", default="0", help="group start id when created: 0 = whole stream, $ = new only")
    ap.add_argument("--count", type=int, default=100)
    ap.add_argument("--block", type=int, default=2000, help="ms to wait for new entries")
    ap.add_argument("--once", action="store_true", help="exit when nothing new arrives within --block")
    ap.add_argument("--max", type=int, default=0, help="exit after N events")
    ap.add_argument("--dedup", action="store_true", help="skip events whose event_id was already printed")
    ap.add_argument("--ids", action="store_true", help="prefix each line with the stream id")
    a = ap.parse_args()

    r = Redis(a.url)
    try:
        r.call("XGROUP", "CREATE", a.key, a.group, a.start, "MKSTREAM")
    except RespError as e:
        if not str(e).startswith("BUSYGROUP"):
            raise SystemExit("lw-consume: %s" % e)
    seen = set()
    done = 0
    pending = True  # first drain our own unacknowledged entries, then new ones
    out = sys.stdout
    while True:
        args = ["XREADGROUP", "GROUP", a.group, a.consumer, "COUNT", a.count]
        if not pending:
            args += ["BLOCK", a.block]
        args += ["STREAMS", a.key, "0" if pending else ">"]
        got = entries(r.call(*args))
        if pending and not got:
            pending = False
            continue
        if not got and not pending:
            if a.once:
                break
            continue
        ids = []
        for eid, f in got:
            ids.append(eid)
            if f is None:
                continue
            js = f.get("json", b"{}").decode()
            evid = f.get("event_id", b"").decode()
            if a.dedup and evid:
                if evid in seen:
                    continue
                seen.add(evid)
            out.write(("%s %s\n" % (eid, js)) if a.ids else js + "\n")
            done += 1
            if a.max and done >= a.max:
                break
        out.flush()
        # Acknowledge only after the lines are out: a crash re-delivers, never loses.
        r.call("XACK", a.key, a.group, *ids)
        if a.max and done >= a.max:
            break
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except (ConnectionError, OSError) as e:
        sys.exit("lw-consume: %s" % e)
    except BrokenPipeError:
        sys.exit(0)
