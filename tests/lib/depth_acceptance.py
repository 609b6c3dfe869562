"""Acceptance of issue 13 (identifiers in every layer SDKs wrap them in, and never one
that was not sent): one capture per family, each case one TCP flow written here from a
format taken from a real SDK or device (named in the case's comment). Every planted
leak must be found with the right type, form, where, key and encoding chain, and the
look-alike values (one digit off, the other band's BSSID, hashes of other values) must
never be reported as the profile's. Encodings are made with Python's base64, gzip,
zlib, urllib and json modules, never by leakwatch.

Usage: depth_acceptance.py LEAKWATCH WORKDIR [--report] [--family F ...]
  default: assert (exit 1 on any miss, extra or -t 1/-t 2 difference) for the families
           the product implements (ASSERTED);
  --report: no assertion; print per family the recall (planted leaks whose type was
           found in their flow) and precision (profile findings that are a planted
           leak of that flow), for comparing binaries (say main's and this branch's)."""
import base64
import gzip
import hashlib
import json
import os
import struct
import subprocess
import sys
import urllib.parse
import zlib

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import pcapmk  # noqa: E402

IMEI = "869012045678914"
IMEI2 = "869012045678922"          # the same phone's second SIM slot: not in the profile
OAID = "1f2e3d4c-aaaa-bbbb-cccc-0123456789ab"
AID = "9774d56d682e549c"
MAC = "3c:28:6d:11:22:33"
IMSI = "460001234567890"
BSSID = "a0:b1:c2:d3:e4:f5"
BSSID_5G = "a0:b1:c2:d3:e4:f6"     # the same AP's other band: not in the profile
PHONE = "13812345678"              # as the lab wrote it: national, no country code
EMAIL = "Lab.User@Gmail.com"       # as the user typed it
DEV_MAC = "02:00:0a:00:02:0a"
DEV_IP = "10.0.2.10"

CT_JSON = ("Content-Type", "application/json")
CT_FORM = ("Content-Type", "application/x-www-form-urlencoded")
CT_BIN = ("Content-Type", "application/octet-stream")
CT_TEXT = ("Content-Type", "text/plain")


def b64(b):
    return base64.b64encode(b if isinstance(b, bytes) else b.encode()).decode()


def b64url(b):
    return base64.urlsafe_b64encode(b if isinstance(b, bytes) else b.encode()).decode().rstrip("=")


def raw_deflate(b):
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    return c.compress(b) + c.flush()


def js(d):
    return json.dumps(d).encode()


def req(method, path, headers=(), body=b"", **kw):
    return pcapmk.http_request(method, "collect.sdk.example", path, list(headers), body, **kw)


def b64_layer(s):
    """The name leakwatch gives a base64 layer: base64url only when the text shows it."""
    return "base64url" if ("-" in s or "_" in s) else "base64"


# A case: (name, family, client bytes list [(request, response)], mss, expected findings)
# expected finding: (type, form, where, key, encoding chain)
CASES = []


PORTS = {}


def case(name, family, exchanges, expect, mss=700, port=80):
    if port != 80:
        PORTS[len(CASES)] = port
    CASES.append((name, family, exchanges, mss, expect))


# ---- plain: values visible as sent, in HTTP/1.1 places (regression guard) ----
case("path segment", "plain", [(req("GET", "/v1/device/%s/ping" % IMEI), pcapmk.HTTP_OK)],
     [("imei", "plain", "http.uri", "", [])])
case("user-agent", "plain", [(req("GET", "/a", [("User-Agent2", "lab/1.0 (oaid %s)" % OAID)]),
                              pcapmk.HTTP_OK)],
     [("oaid", "plain", "http.header", "User-Agent2", [])])
case("pipelined", "plain", [(req("GET", "/a?imsi=" + IMSI) + req("GET", "/b?aid=" + AID),
                             pcapmk.HTTP_OK + pcapmk.HTTP_OK)],
     [("imsi", "plain", "http.uri", "imsi", []), ("android_id", "plain", "http.uri", "aid", [])])
_body = js({"imei": IMEI})
case("100-continue", "plain",
     [(b"POST /up HTTP/1.1\r\nHost: collect.sdk.example\r\nContent-Type: application/json\r\n"
       b"Expect: 100-continue\r\nContent-Length: %d\r\n\r\n" % len(_body),
       b"HTTP/1.1 100 Continue\r\n\r\n"), (_body, pcapmk.HTTP_OK)],
     [("imei", "plain", "http.body", "imei", [])])
case("1-byte segments", "plain", [(req("POST", "/s", [CT_FORM], b"mac=" + MAC.encode()),
                                   pcapmk.HTTP_OK)],
     [("mac", "plain", "http.body", "mac", [])], mss=1)

# ---- nested encodings (issue 13 item 1) ----
# Sensors Analytics Android SDK: POST form gzip=1&data_list=<base64(gzip(JSON array))>&crc=
_sa = [{"distinct_id": "u1", "type": "track", "event": "$AppStart", "time": 1767225600000,
        "properties": {"$device_id": IMEI, "$os": "Android", "$wifi": True}}]
case("sensors analytics data_list", "nested",
     [(req("POST", "/sa?project=default", [CT_FORM],
           ("gzip=1&data_list=%s&crc=-1234567" % urllib.parse.quote(
               b64(gzip.compress(js(_sa), mtime=0)), safe="")).encode()), pcapmk.HTTP_OK)],
     [("imei", "plain", "http.body", "$device_id", ["base64", "gzip", "json"])])
# Chinese push/analytics SDKs posting base64(JSON) as an octet-stream body.
case("base64 JSON body", "nested",
     [(req("POST", "/api/v2/report", [CT_BIN], b64(js({"imei": IMEI, "imsi": IMSI})).encode()),
       pcapmk.HTTP_OK)],
     [("imei", "plain", "http.body", "imei", ["base64", "json"]),
      ("imsi", "plain", "http.body", "imsi", ["base64", "json"])])
# Android's Base64.DEFAULT: a line break every 76 characters.
case("MIME base64 body", "nested",
     [(req("POST", "/log", [CT_TEXT], base64.encodebytes(js({"oaid": OAID, "pad": "x" * 80}))),
       pcapmk.HTTP_OK)],
     [("oaid", "plain", "http.body", "oaid", ["base64", "json"])])
# Umeng-style: a JSON value that is itself JSON, with a base64 field inside.
case("JSON string holding JSON with base64", "nested",
     [(req("POST", "/ev", [CT_JSON], js({"header": json.dumps({"ext": b64("imsi=" + IMSI)})})),
       pcapmk.HTTP_OK)],
     [("imsi", "plain", "http.body", "imsi", ["json", "base64", "form"])])
# A query value URL-encoded twice (a JS SDK calling encodeURIComponent on a built URL).
case("URL in URL", "nested",
     [(req("GET", "/t?data=" + urllib.parse.quote(urllib.parse.quote(json.dumps({"aid": AID}),
                                                                    safe=""), safe="")),
       pcapmk.HTTP_OK)],
     [("android_id", "plain", "http.uri", "aid", ["url", "json"])])
# An attribution SDK's header: base64(raw deflate(JSON)).
case("base64 deflate header", "nested",
     [(req("GET", "/c", [("X-Device-Info", b64(raw_deflate(js({"mac": MAC}))))]),
       pcapmk.HTTP_OK)],
     [("mac", "plain", "http.header", "mac", ["base64", "deflate", "json"])])
# base64(zlib(form)) in a query parameter (an ad SDK's "p=").
case("base64 zlib query", "nested",
     [(req("GET", "/ad?p=" + urllib.parse.quote(b64(zlib.compress(
         ("oaid=%s&imei=%s" % (OAID, IMEI)).encode())), safe="")), pcapmk.HTTP_OK)],
     [("oaid", "plain", "http.uri", "oaid", ["base64", "zlib", "form"]),
      ("imei", "plain", "http.uri", "imei", ["base64", "zlib", "form"])])
# A base64url path segment (a beacon URL /b/<base64url(JSON)>/px.gif).
_seg = b64url(js({"oaid": OAID, "v": 2}))
case("base64url path segment", "nested",
     [(req("GET", "/b/%s/px.gif" % _seg), pcapmk.HTTP_OK)],
     [("oaid", "plain", "http.uri", "oaid", [b64_layer(_seg), "json"])])
# JSON escaped twice with the \\u0026 style (a form string inside a JSON string value
# built by a template engine): the IMEI digits are visible as sent, no chain needed.
case("double-escaped form", "nested",
     [(req("POST", "/q", [CT_JSON],
           b'{"q": "a=1\\\\u0026imei=' + IMEI.encode() + b'\\\\u0026b=2"}'), pcapmk.HTTP_OK)],
     [("imei", "plain", "http.body", "imei", [])])

# ---- body encodings (issue 13 item 2): made by Debian's brotli and zstd CLIs ----
def cli(argv, data, hides=None):
    """data through a compressor CLI; hides: a value that must not stay readable in the
    output (else the case would not test decoding: short inputs are stored as is)."""
    out = subprocess.run(argv, input=data, capture_output=True, check=True).stdout
    if hides is not None and hides.encode() in out:
        raise SystemExit("%s left %s readable: make the input larger" % (argv[0], hides))
    return out


def batch(key, value, n=40):
    """An analytics batch as SDKs post them: common fields and n events, the identifier
    in one event's properties (so the compressor sees a few KB of real-looking text)."""
    import random
    r = random.Random(7)
    ev = [{"event": r.choice(["app_start", "page_view", "click", "app_end"]),
           "ts": 1767225600000 + i * 1337,
           "props": {"screen": r.choice(["home", "feed", "me", "detail"]),
                     "dur": r.randint(1, 9999)}} for i in range(n)]
    ev[n // 2]["props"][key] = value
    return js({"common": {"os": "Android 14", "model": "Pixel 8", "sdk": "3.1.2"}, "events": ev})


def coded(method, path, coding, body, ctype=CT_JSON):
    h = ["%s %s HTTP/1.1" % (method, path), "Host: collect.sdk.example", "%s: %s" % ctype,
         "Content-Encoding: " + coding, "Content-Length: %d" % len(body)]
    return ("\r\n".join(h) + "\r\n\r\n").encode() + body


def coded_resp(coding, body):
    return (b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Encoding: %s\r\n"
            b"Content-Length: %d\r\n\r\n" % (coding.encode(), len(body))) + body


# OkHttp's BrotliInterceptor / Cronet send and accept br; a request body with it:
case("br request body", "body",
     [(coded("POST", "/v1/batch", "br", cli(["brotli", "-c"], batch("imei", IMEI), IMEI)),
       pcapmk.HTTP_OK)],
     [("imei", "plain", "http.body", "imei", [])])
# Meta's and Cloudflare's edges answer with zstd; an SDK posting zstd (Content-Encoding
# zstd, RFC 8878):
case("zstd request body", "body",
     [(coded("POST", "/v1/batch", "zstd", cli(["zstd", "-q", "-c"], batch("oaid", OAID), OAID)),
       pcapmk.HTTP_OK)],
     [("oaid", "plain", "http.body", "oaid", [])])
# A config endpoint that echoes the device's identifiers back, br-compressed. Sent to the
# device, not by it: found only with --inspect both (INBOUND below).
case("br response body", "body",
     [(req("GET", "/config"), coded_resp("br", cli(["brotli", "-c"], batch("imsi", IMSI), IMSI)))],
     [("imsi", "plain", "http.body", "imsi", [])])
case("zstd response body", "body",
     [(req("GET", "/config"), coded_resp("zstd", cli(["zstd", "-q", "-19", "-c"], batch("aid", AID), AID)))],
     [("android_id", "plain", "http.body", "aid", [])])
# A batch SDK that zstd-compresses its events and base64s them into a form field.
case("base64 zstd in a form field", "body",
     [(req("POST", "/e", [CT_FORM], ("v=2&events=" + urllib.parse.quote(
         b64(cli(["zstd", "-q", "-c"], batch("imei", IMEI), IMEI)), safe="")).encode()),
       pcapmk.HTTP_OK)],
     [("imei", "plain", "http.body", "imei", ["base64", "zstd", "json"])])
# Raw deflate as Content-Encoding: deflate (what many servers and some SDKs send).
case("raw deflate body", "body",
     [(coded("POST", "/d", "deflate", raw_deflate(batch("mac", MAC))), pcapmk.HTTP_OK)],
     [("mac", "plain", "http.body", "mac", [])])

# ---- binary bodies (issue 13 items 3 and 5): protobuf made by protoc --encode ----
PROTO = """syntax = "proto3";
package lab;
message Device { string imei = 1; string oaid = 2; bytes mac = 3; string model = 4;
                 string imsi = 5; string brand = 6; }
message Event { string name = 1; int64 ts = 2; }
message Report { Device device = 1; repeated Event events = 2; string app = 3; }
"""
# The IMSI (field 5) is followed by field 6's tag byte, 0x32 = '2': a digit, so a raw
# scan takes "4600012345678902" for a longer number (item 5); the MAC is bytes.
REPORT_TXT = """device { imei: "%s" oaid: "%s" mac: "%s" model: "Pixel 8" imsi: "%s" brand: "google" }
events { name: "app_start" ts: 1767225600000 }
events { name: "page_view" ts: 1767225601337 }
app: "com.example.lab"
""" % (IMEI, OAID, "".join("\\x%s" % MAC.replace(":", "")[i:i + 2] for i in range(0, 12, 2)), IMSI)
_PROTO_CACHE = {}


def protoc_report():
    """The Report message encoded by protoc (Debian's protobuf-compiler)."""
    if "r" not in _PROTO_CACHE:
        import tempfile
        d = tempfile.mkdtemp(prefix="lw-proto.")
        with open(os.path.join(d, "lab.proto"), "w") as f:
            f.write(PROTO)
        _PROTO_CACHE["r"] = subprocess.run(
            ["protoc", "--encode=lab.Report", "-I", d, os.path.join(d, "lab.proto")],
            input=REPORT_TXT.encode(), capture_output=True, check=True).stdout
    return _PROTO_CACHE["r"]


def grpc_frame(msg, compressed=False):
    return bytes([1 if compressed else 0]) + len(msg).to_bytes(4, "big") + msg


PB_EXPECT = [("imei", "plain", "http.body", "1.1", ["protobuf"]),
             ("oaid", "plain", "http.body", "1.2", ["protobuf"]),
             ("mac", "raw-mac", "http.body", "1.3", ["protobuf"]),
             ("imsi", "plain", "http.body", "1.5", ["protobuf"])]
# Google's clearcut-style logging and many Chinese ad SDKs post protobuf bodies.
case("protobuf body", "binary",
     [(coded("POST", "/log/batch", "identity", protoc_report(), ("Content-Type", "application/x-protobuf")),
       pcapmk.HTTP_OK)], PB_EXPECT)
# gRPC-Web over HTTP/1.1 (application/grpc-web+proto): 5-byte frame prefix.
case("grpc-web message", "binary",
     [(coded("POST", "/lab.Svc/Report", "identity", grpc_frame(protoc_report()),
             ("Content-Type", "application/grpc-web+proto")), pcapmk.HTTP_OK)],
     [(t, f, w, k, ["grpc"] + e) for t, f, w, k, e in PB_EXPECT])
# ... with grpc-encoding: gzip, the message compressed (flag 1).
case("grpc-web gzip message", "binary",
     [(coded("POST", "/lab.Svc/Report", "identity",
             grpc_frame(gzip.compress(protoc_report(), mtime=0), True),
             ("Content-Type", "application/grpc-web+proto")), pcapmk.HTTP_OK)],
     [(t, f, w, k, ["grpc", "gzip"] + e) for t, f, w, k, e in PB_EXPECT])
# A crash-report upload (Bugly/Crashlytics-like multipart/form-data): a JSON part and a
# log file part.
_bd = "----lwBoundary7MA4YWxkTrZu0gW"
_mp = ("--%s\r\nContent-Disposition: form-data; name=\"deviceInfo\"\r\n"
       "Content-Type: application/json\r\n\r\n%s\r\n"
       "--%s\r\nContent-Disposition: form-data; name=\"log\"; filename=\"crash.txt\"\r\n"
       "Content-Type: text/plain\r\n\r\nFATAL EXCEPTION: main\nimsi=%s\r\n--%s--\r\n") % (
    _bd, json.dumps({"oaid": OAID, "aid": AID}), _bd, IMSI, _bd)
case("multipart crash report", "binary",
     [(coded("POST", "/rqd/upload", "identity", _mp.encode(),
             ("Content-Type", "multipart/form-data; boundary=" + _bd)), pcapmk.HTTP_OK)],
     [("oaid", "plain", "http.body", "oaid", ["multipart", "json"]),
      ("android_id", "plain", "http.body", "aid", ["multipart", "json"]),
      ("imsi", "plain", "http.body", "imsi", ["multipart"])])
# A Wi-Fi scan blob (type-length-value, the MAC as 6 raw bytes) base64'd into JSON.
_tlv = b"\x01\x06" + bytes.fromhex(MAC.replace(":", "")) + b"\x02\x01\xc4"
case("raw MAC in a base64 blob", "binary",
     [(req("POST", "/wifi", [CT_JSON], js({"blob": b64(_tlv)})), pcapmk.HTTP_OK)],
     [("mac", "raw-mac", "http.body", "blob", ["base64"])])

# ---- hashes of normalised variants (issue 13 item 7) ----
def sha256(s):
    return hashlib.sha256(s.encode()).hexdigest()


# Facebook's advanced matching (pixel / Conversions API): ud[ph] is SHA-256 of the digits
# with the country code, ud[em] of the trimmed, lower-cased e-mail.
case("facebook ud[ph] ud[em]", "hashes",
     [(req("GET", "/tr?id=1234&ev=Purchase&ud[ph]=%s&ud[em]=%s" % (
         sha256("86" + PHONE), sha256(EMAIL.strip().lower()))), pcapmk.HTTP_OK)],
     [("phone", "sha256-hex", "http.uri", "ud[ph]", []),
      ("email", "sha256-hex", "http.uri", "ud[em]", [])])
# Google's enhanced conversions: SHA-256 of the E.164 number, and of the gmail address
# with the dots of its local part removed.
case("google enhanced conversions", "hashes",
     [(req("POST", "/pagead/conversion", [CT_JSON], js({
         "sha256_phone_number": sha256("+86" + PHONE),
         "sha256_email_address": sha256(EMAIL.lower().replace(".", "", 1))})), pcapmk.HTTP_OK)],
     [("phone", "sha256-hex", "http.body", "sha256_phone_number", []),
      ("email", "sha256-hex", "http.body", "sha256_email_address", [])])
# Chinese ad SDKs: MD5 of the number as dialled internationally ("0086...").
case("md5 of 0086 number", "hashes",
     [(req("GET", "/ad?mobile_md5=" + hashlib.md5(("0086" + PHONE).encode()).hexdigest()),
       pcapmk.HTTP_OK)],
     [("phone", "md5-hex", "http.uri", "mobile_md5", [])])
# SHA-1, upper-case hex, of "+86-<number>".
case("sha1 of dashed E.164", "hashes",
     [(req("GET", "/u?t=" + hashlib.sha1(("+86-" + PHONE).encode()).hexdigest().upper()),
       pcapmk.HTTP_OK)],
     [("phone", "sha1-HEX", "http.uri", "t", [])])
# The number as a Chinese app's form field formats it, and in E.164.
case("formatted numbers", "hashes",
     [(req("POST", "/reg", [CT_JSON], js({"mobile": "%s %s %s" % (PHONE[:3], PHONE[3:7], PHONE[7:])})),
       pcapmk.HTTP_OK)],
     [("phone", "phone-spaced", "http.body", "mobile", [])])
case("E.164 in a query", "hashes",
     [(req("GET", "/v?msisdn=" + urllib.parse.quote("+86" + PHONE)), pcapmk.HTTP_OK)],
     [("phone", "phone-e164", "http.uri", "msisdn", [])])
# Look-alikes: hashes of the next number and of another address.
case("hash of another number", "lookalike",
     [(req("GET", "/tr?ud[ph]=" + sha256("86" + PHONE[:-1] + "9")), pcapmk.HTTP_OK)], [])
case("hash of another e-mail", "lookalike",
     [(req("GET", "/tr?ud[em]=" + sha256("lab.user2@gmail.com")), pcapmk.HTTP_OK)], [])

# ---- non-HTTP transports (issue 13 item 4) ----
# MQTT packets written from the OASIS specifications (3.1.1 section 3, 5.0 section 3).
def mqtt_str(b):
    b = b if isinstance(b, bytes) else b.encode()
    return len(b).to_bytes(2, "big") + b


def mqtt_varint(n):
    out = b""
    while True:
        d, n = n % 128, n // 128
        out += bytes([d | (0x80 if n else 0)])
        if not n:
            return out


def mqtt_packet(first, body):
    return bytes([first]) + mqtt_varint(len(body)) + body


def mqtt_connect(client_id, user=None, password=None, level=4, props=b""):
    flags = 0x02 | (0x80 if user else 0) | (0x40 if password else 0)
    body = mqtt_str("MQTT") + bytes([level, flags]) + (60).to_bytes(2, "big")
    if level == 5:
        body += mqtt_varint(len(props)) + props
    body += mqtt_str(client_id)
    if user:
        body += mqtt_str(user)
    if password:
        body += mqtt_str(password)
    return mqtt_packet(0x10, body)


def mqtt_publish(topic, payload, qos=0, level=4, props=b""):
    body = mqtt_str(topic) + ((7).to_bytes(2, "big") if qos else b"")
    if level == 5:
        body += mqtt_varint(len(props)) + props
    return mqtt_packet(0x30 | (qos << 1), body + payload)


MQTT_CONNACK = b"\x20\x02\x00\x00"
# Alibaba Cloud IoT's MQTT sign-in: clientId "<id>|securemode=3,signmethod=hmacsha1|",
# username "<deviceName>&<productKey>" (here the device is named by its bare MAC).
case("mqtt connect (aliyun iot style)", "transport",
     [(mqtt_connect(IMEI + "|securemode=3,signmethod=hmacsha1,timestamp=1767225600000|",
                    MAC.replace(":", "").upper() + "&a1B2c3D4e5F",
                    hashlib.sha1(b"secret").hexdigest()), MQTT_CONNACK)],
     [("imei", "plain", "mqtt.connect", "client_id", []),
      ("mac", "mac-bare", "mqtt.connect", "username", [])], port=1883)
# MQTT 5 PUBLISH, QoS 1, with a content-type property: the topic names the device, the
# JSON payload carries the IMSI. On port 8884: recognised by its CONNECT.
_props = b"\x03" + mqtt_str("application/json")
case("mqtt 5 publish on another port", "transport",
     [(mqtt_connect("sensor-7", level=5) +
       mqtt_publish("devices/%s/telemetry" % OAID, js({"imsi": IMSI, "t": 21.5}), qos=1,
                    level=5, props=_props), MQTT_CONNACK)],
     [("oaid", "plain", "mqtt.publish", "topic", []),
      ("imsi", "plain", "mqtt.publish", "imsi", [])], port=8884)
# A telemetry SDK that gzips and base64s its payload.
case("mqtt publish base64 gzip payload", "transport",
     [(mqtt_connect("sensor-8") + mqtt_publish("t/up", b64(gzip.compress(batch("aid", AID),
                                                                          mtime=0)).encode()),
       MQTT_CONNACK)],
     [("android_id", "plain", "mqtt.publish", "aid", ["base64", "gzip", "json"])], port=1883)
# WebSocket frames written per RFC 6455 (client frames masked with a fixed key here) and
# RFC 7692 permessage-deflate, with Python's zlib, as a browser's or OkHttp's client sends.
WS_UPGRADE = (b"GET /ws HTTP/1.1\r\nHost: push.sdk.example\r\nUpgrade: websocket\r\n"
              b"Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
              b"Sec-WebSocket-Version: 13\r\n%s\r\n")


def ws_101(ext=b""):
    return (b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            b"Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n%s\r\n" % ext)


def ws_frame(op, payload, fin=True, rsv1=False, mask=b"\x37\xfa\x21\x3d"):
    b0 = (0x80 if fin else 0) | (0x40 if rsv1 else 0) | op
    n = len(payload)
    hdr = bytes([b0]) + (bytes([0x80 | n]) if n < 126 else
                         bytes([0x80 | 126]) + n.to_bytes(2, "big") if n < 65536 else
                         bytes([0x80 | 127]) + n.to_bytes(8, "big"))
    return hdr + mask + bytes(c ^ mask[i % 4] for i, c in enumerate(payload))


EXT = b"Sec-WebSocket-Extensions: permessage-deflate\r\n"
case("websocket masked JSON", "transport",
     [(WS_UPGRADE % b"", ws_101()), (ws_frame(1, js({"cmd": "login", "imei": IMEI})), b"")],
     [("imei", "plain", "ws.message", "imei", [])])
_msg = js({"type": "hello", "oaid": OAID, "pad": "p" * 40})
case("websocket fragmented with a ping", "transport",
     [(WS_UPGRADE % b"", ws_101()),
      (ws_frame(1, _msg[:20], fin=False) + ws_frame(9, b"ping") + ws_frame(0, _msg[20:50], fin=False) +
       ws_frame(0, _msg[50:]), b"")],
     [("oaid", "plain", "ws.message", "oaid", [])])
# Two compressed messages on one deflate stream (context takeover): the second one's
# bytes refer back to the first.
_z = zlib.compressobj(9, zlib.DEFLATED, -15)
_m1 = _z.compress(js({"type": "status", "imsi": "000000000000000", "pad": "q" * 30})) + _z.flush(zlib.Z_SYNC_FLUSH)
_m2 = _z.compress(js({"type": "status", "imsi": IMSI, "pad": "q" * 30})) + _z.flush(zlib.Z_SYNC_FLUSH)
case("websocket permessage-deflate", "transport",
     [(WS_UPGRADE % EXT, ws_101(EXT)),
      (ws_frame(1, _m1[:-4], rsv1=True) + ws_frame(1, _m2[:-4], rsv1=True), b"")],
     [("imsi", "plain", "ws.message", "imsi", [])])
# Socket.IO v4 over Engine.IO: "42" + a JSON event array.
case("socket.io event", "transport",
     [(WS_UPGRADE % b"", ws_101()),
      (ws_frame(1, b"40") + ws_frame(1, b'42["track",{"aid":"' + AID.encode() + b'"}]'), b"")],
     [("android_id", "plain", "ws.message", "aid", [])])


# Cleartext HTTP/2 (RFC 9113 3.3 prior knowledge, RFC 7540 3.2 Upgrade: h2c), HPACK
# literals without Huffman coding (RFC 7541 6.2.2), as curl --http2-prior-knowledge.
def h2_frame(ftype, flags, sid, payload):
    return len(payload).to_bytes(3, "big") + bytes([ftype, flags]) + sid.to_bytes(4, "big") + payload


def hpack_lit(name, value):
    name, value = name.encode(), value.encode()
    return b"\x00" + bytes([len(name)]) + name + bytes([len(value)]) + value


H2_PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n" + h2_frame(4, 0, 0, b"")


def h2_post(sid, path, body):
    hdr = (b"\x83\x86" + hpack_lit(":path", path) + hpack_lit(":authority", "api.sdk.example") +
           hpack_lit("content-type", "application/json"))
    return h2_frame(1, 4, sid, hdr) + h2_frame(0, 1, sid, body)


case("h2c prior knowledge", "transport",
     [(H2_PREFACE + h2_post(1, "/v1/report?imei=" + IMEI, js({"oaid": OAID})), h2_frame(4, 0, 0, b""))],
     [("imei", "plain", "http2.uri", "imei", []), ("oaid", "plain", "http2.body", "oaid", [])])
case("h2c upgrade", "transport",
     [(b"GET / HTTP/1.1\r\nHost: api.sdk.example\r\nConnection: Upgrade, HTTP2-Settings\r\n"
       b"Upgrade: h2c\r\nHTTP2-Settings: AAMAAABkAAQCAAAAAAIAAAAA\r\n\r\n",
       b"HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: h2c\r\n\r\n"),
      (H2_PREFACE + h2_post(3, "/v1/ping?aid=" + AID, js({"ok": 1})), h2_frame(4, 0, 0, b""))],
     [("android_id", "plain", "http2.uri", "aid", [])])
def dns_query(name):
    q = b"".join(bytes([len(l)]) + l.encode() for l in name.split(".")) + b"\0"
    return struct.pack("!HHHHHH", 0x4242, 0x0100, 1, 0, 0, 0) + q + struct.pack("!HH", 16, 1)


# DNS tunnelling/telemetry SDKs: the identifier base32-encoded in a query-name label
# (as iodine and dnscat2 encode data), and in hex.
case("dns base32 label", "transport",
     ("udp", 53, dns_query(base64.b32encode(("i=" + IMEI).encode()).decode().rstrip("=").lower()
                           + ".t.sdk.example")),
     [("imei", "plain", "dns.query", "i", ["base32", "form"])])
case("dns hex label", "transport",
     ("udp", 53, dns_query(IMSI.encode().hex() + ".t.sdk.example")),
     [("imsi", "hex", "dns.query", "", [])])
# CoAP (RFC 7252) from a sensor: CON POST /telemetry, Content-Format 50 (JSON); UDP
# payloads of protocols leakwatch does not dissect are scanned raw, binary forms too.
_coap = (bytes([0x42, 0x02, 0x12, 0x34, 0xab, 0xcd]) + bytes([0xb9]) + b"telemetry" +
         bytes([0x11, 50]) + b"\xff" + js({"imei": IMEI, "mac": MAC}))
case("coap json", "transport", ("udp", 5683, _coap),
     [("imei", "plain", "udp.payload", "imei", []), ("mac", "plain", "udp.payload", "mac", [])])
case("mqtt second IMEI", "lookalike",
     [(mqtt_connect("sensor-9") + mqtt_publish("t/up", b64("imei=" + IMEI2).encode()),
       MQTT_CONNACK)], [], port=1883)

# ---- look-alikes (issue 13 item 6): nothing of the profile was sent ----
case("second IMEI in base64", "lookalike",
     [(req("POST", "/r", [CT_JSON], js({"d": b64("imei=" + IMEI2)})), pcapmk.HTTP_OK)], [])
case("second IMEI in base64 body", "lookalike",
     [(req("POST", "/r", [CT_BIN], b64("imei=%s&slot=2" % IMEI2).encode()), pcapmk.HTTP_OK)], [])
case("other-band BSSID in base64", "lookalike",
     [(req("POST", "/w", [CT_JSON], js({"w": b64("bssid=" + BSSID_5G)})), pcapmk.HTTP_OK)], [])
case("other-band BSSID upper in base64", "lookalike",
     [(req("POST", "/w", [CT_JSON], js({"w": b64("BSSID=" + BSSID_5G.upper())})), pcapmk.HTTP_OK)],
     [])
case("second IMEI in hex", "lookalike",
     [(req("GET", "/h?x=" + ("imei=" + IMEI2).encode().hex()), pcapmk.HTTP_OK)], [])
case("hash of the second IMEI", "lookalike",
     [(req("GET", "/m?muid=" + hashlib.md5(IMEI2.encode()).hexdigest()), pcapmk.HTTP_OK)], [])
case("second IMEI in base64 gzip JSON", "lookalike",
     [(req("POST", "/g", [CT_BIN], b64(gzip.compress(js({"imei": IMEI2}), mtime=0)).encode()),
       pcapmk.HTTP_OK)], [])

# Families whose every case must pass (the others are measured with --report only).
ASSERTED = {"plain", "nested", "lookalike", "body", "binary", "hashes", "transport"}


def write(work):
    path = os.path.join(work, "depth.pcap")
    p = pcapmk.Pcap(path)
    for i, (name, fam, ex, mss, exp) in enumerate(CASES):
        if ex and ex[0] == "udp":
            p.udp(DEV_MAC, DEV_IP, 41000 + i, "02:00:00:00:00:01", "10.0.2.1", ex[1], ex[2])
            continue
        p.tcp_flow(DEV_MAC, DEV_IP, 41000 + i, "198.18.7.%d" % (1 + i % 200), PORTS.get(i, 80), ex,
                   mss=mss)
    p.close()
    prof = os.path.join(work, "depth.yaml")
    with open(prof, "w") as f:
        f.write("devices:\n  - id: phone-d\n    mac: \"%s\"\n    ip: %s\n    identifiers:\n"
                % (DEV_MAC, DEV_IP))
        for k, v in [("imei", IMEI), ("oaid", OAID), ("android_id", AID), ("mac", MAC),
                     ("imsi", IMSI), ("bssid", BSSID), ("phone", PHONE), ("email", EMAIL)]:
            f.write("      %s: \"%s\"\n" % (k, v))
    return path, prof


# Cases whose identifiers travel server -> device: the default (--inspect out) must not
# report them, --inspect both must.
INBOUND = {"br response body", "zstd response body"}


def run(leakwatch, pcap_path, prof, threads, extra=()):
    r = subprocess.run([leakwatch, "-q", "-t", str(threads), "-r", pcap_path, "--profile", prof,
                        *extra], capture_output=True, text=True)
    if r.returncode != 0:
        raise SystemExit("leakwatch exit %d: %s" % (r.returncode, r.stderr))
    by_case = {}
    for line in r.stdout.splitlines():
        e = json.loads(line)
        if e["event_type"] != "privacy_leak" or e["identifier"]["source"] != "profile":
            continue
        i = e["identifier"]
        got = (i["type"], i["form"], i["where"], i["key"], i.get("encoding", []))
        by_case.setdefault(e["src_port"] - 41000, []).append(got)
    return by_case


def score(by_case, families):
    """Per family: planted, found (type in its flow), profile findings, correct ones."""
    out = {}
    for i, (name, fam, ex, mss, exp) in enumerate(CASES):
        if families and fam not in families:
            continue
        s = out.setdefault(fam, [0, 0, 0, 0])
        got = by_case.get(i, [])
        types = {g[0] for g in got}
        s[0] += len(exp)
        s[1] += sum(1 for x in exp if x[0] in types)
        want_types = {x[0] for x in exp}
        s[2] += len(got)
        s[3] += sum(1 for g in got if g[0] in want_types)
    return out


def main():
    args = sys.argv[1:]
    report = "--report" in args
    fams = set(args[args.index("--family") + 1:]) if "--family" in args else set()
    leakwatch, work = args[0], args[1]
    os.makedirs(work, exist_ok=True)
    pcap_path, prof = write(work)
    runs = {t: run(leakwatch, pcap_path, prof, t) for t in (1, 2)}
    both = run(leakwatch, pcap_path, prof, 1, ("--inspect", "both"))
    if report:
        for fam, (planted, found, nf, ok) in sorted(score(both, fams).items()):
            print("%-10s recall %3d/%-3d = %5.1f%%   precision %3d/%-3d = %5.1f%%" % (
                fam, found, planted, 100.0 * found / planted if planted else 100.0,
                ok, nf, 100.0 * ok / nf if nf else 100.0))
        return 0
    failed = 0
    for i, (name, fam, ex, mss, exp) in enumerate(CASES):
        if fam not in ASSERTED or (fams and fam not in fams):
            continue
        fails = []
        g1, g2 = sorted(runs[1].get(i, [])), sorted(runs[2].get(i, []))
        gb = sorted(both.get(i, []))
        if g1 != g2:
            fails.append("-t 1 %s != -t 2 %s" % (g1, g2))
        for label, got, want in (("", g1, [] if name in INBOUND else exp),
                                 ("--inspect both: ", gb, exp)):
            for x in want:
                if x not in got:
                    fails.append("%sMISSING %s" % (label, x))
            for g in got:
                if g not in want:
                    fails.append("%sUNEXPECTED %s" % (label, g))
        print("%s %s / %s" % ("FAIL" if fails else "ok", fam, name))
        for f in fails:
            print("   ", f)
        failed += bool(fails)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
