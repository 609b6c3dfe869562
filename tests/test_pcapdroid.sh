#!/usr/bin/env bash
# Per-app attribution from PCAPdroid captures (capture/pcapdroid.h has the layout, read
# from PCAPdroid's pcap_dump.c). One phone, two apps, each with its own policy in the
# profile (apps:): both send the same IMEI to the same SDK (umeng), and each finding is
# judged against its own app's policy - declared for one, undeclared_sdk for the other.
# pcap: our generator writes the per-packet trailer; python3 checks it against the
# documented layout (independent CRC: zlib). pcapng: python3 writes PCAPdroid's UID map
# custom blocks and "u-<uid>" packet comments, and tshark confirms the file is valid.
set -u
. "$LW_SOURCE_DIR/tests/lib/check.sh"
T=$(mktemp -d "${TMPDIR:-/tmp}/lw-pcapdroid.XXXXXX")
trap 'rm -rf "$T"' EXIT
GEN=(--flows 4 --hosts ulogs.umeng.com --plant "imei=869012045678914")
"$PCAPGEN" -o "$T/plain.pcap" "${GEN[@]}" 2>/dev/null
"$PCAPGEN" -o "$T/pd.pcap" "${GEN[@]}" --pcapdroid 10123:Shop,10124:News 2>/dev/null

check_eq "the trailer follows PCAPdroid's layout on every frame" "20 10123:Shop 20 10124:News" \
    "$(python3 - "$T/pd.pcap" <<'PY'
import struct, sys, zlib, collections
d = open(sys.argv[1], 'rb').read(); o = 24; seen = collections.Counter()
assert struct.unpack('<I', d[20:24])[0] == 1            # LINKTYPE_ETHERNET
while o < len(d):
    n = struct.unpack('<I', d[o + 8:o + 12])[0]; f = d[o + 16:o + 16 + n]; o += 16 + n
    t = f[-28:]
    magic, uid = struct.unpack('>Ii', t[:8])
    assert magic == 0x01072021 and f[:12] == b'\0' * 12 and (n - 28) % 4 == 0
    assert struct.unpack('<I', t[24:])[0] == zlib.crc32(f[:-4]), "fcs"
    seen['%d:%s' % (uid, t[8:24].rstrip(b'\0').decode())] += 1
print(' '.join('%d %s' % (c, k) for k, c in sorted(seen.items())))
PY
)"

cat > "$T/lab.yaml" <<'EOF'
devices:
  - id: phone
    ip: 10.0.0.2
    policy: seed-003
    identifiers:
      imei: "869012045678914"
    apps:
      - uid: 10123
        package: com.example.shop
        policy: xiaoying-kankan
      - name: News
        policy: kapi-action
EOF
run() {  # capture profile -> "event app app_uid app_package app_name policy sdk verdict/declared"
    "$LEAKWATCH" -q -t 2 --rules "$LW_SOURCE_DIR/data" --profile "$2" -r "$1" | python3 -c "
import json, sys
for l in sys.stdin:
    e = json.loads(l)
    t = e['event_type']
    if t == 'privacy_leak':
        assert e['sdk_match'] == 'host' and e['sdk_match_confidence'] == 0.95
        print(t, e['app'], e['app_uid'], e['app_package'], e['app_name'], e['policy'], e['sdk'], e['verdict'])
    elif t == 'sdk_contact':
        print(t, e['app'], e['app_uid'], e['app_package'], e['app_name'], e['policy'], e['sdk'], e['declared'])
    elif t == 'flow':
        print(t, e['flow']['bytes_toserver'], e['flow']['bytes_toclient'])
    elif t == 'stats':
        print(t, 'ip_packets', e['stats']['ip_packets'], 'decode_errors', len(e['stats']['decode_errors']))
" | sort
}
run "$T/pd.pcap" "$T/lab.yaml" > "$T/pd"
cat "$T/pd"
check_eq "app with a declared SDK: declared" 2 \
    "$(grep -c '^privacy_leak com.example.shop 10123 None Shop xiaoying-kankan umeng declared$' "$T/pd")"
check_eq "same SDK, same IMEI, other app: judged by its own policy" 2 \
    "$(grep -c '^privacy_leak News 10124 None News kapi-action umeng undeclared_sdk$' "$T/pd")"
check_eq "one contact per app, each with its policy's answer" \
    "sdk_contact News 10124 None News kapi-action umeng False|sdk_contact com.example.shop 10123 None Shop xiaoying-kankan umeng True" \
    "$(grep '^sdk_contact' "$T/pd" | paste -sd'|')"

# The trailer is cut before decoding: flows count the same IP bytes as without it.
run "$T/plain.pcap" "$T/lab.yaml" > "$T/plain"
check_eq "flows decode as without the trailer" "$(grep '^flow' "$T/plain")" "$(grep '^flow' "$T/pd")"
check_grep "no packet is malformed" "^stats ip_packets 40 decode_errors 0$" "$T/pd"
check_grep "without app data: the device's policy, no app fields" \
    "^privacy_leak None None None None seed-003 umeng undeclared_sdk$" "$T/plain"

# A frame that ends in the magic but whose CRC does not match is left as it is.
python3 - "$T/pd.pcap" "$T/badcrc.pcap" <<'PY'
import sys
d = bytearray(open(sys.argv[1], 'rb').read()); o = 24
while o < len(d):
    n = int.from_bytes(d[o + 8:o + 12], 'little'); d[o + 16 + n - 1] ^= 0xff; o += 16 + n
open(sys.argv[2], 'wb').write(d)
PY
run "$T/badcrc.pcap" "$T/lab.yaml" > "$T/badcrc"
check_eq "a trailer with a wrong CRC names no app" 0 "$(grep -c ' 1012[34] ' "$T/badcrc")"

# pcapng as PCAPdroid writes it: raw IP packets, a UID map custom block before each
# UID's first packet, a "u-<uid>" comment on each packet.
python3 - "$T/pd.pcap" "$T/pd.pcapng" <<'PY'
import struct, sys
d = open(sys.argv[1], 'rb').read(); o = 24; out = bytearray()
def pad(b): return b + b'\0' * (-len(b) % 4)
def block(t, body):
    body = pad(body); n = 12 + len(body)
    return struct.pack('<II', t, n) + body + struct.pack('<I', n)
def opt(code, v): return struct.pack('<HH', code, len(v)) + pad(v)
out += block(0x0A0D0D0A, struct.pack('<IHHq', 0x1A2B3C4D, 1, 0, -1) + opt(4, b'PCAPdroid v1.8') + opt(0, b''))
out += block(1, struct.pack('<HHI', 101, 0, 65535))
pkgs = {10123: (b'com.example.shop', b'Shop'), 10124: (b'com.example.news', b'News')}
mapped = set()
while o < len(d):
    ts, us, n = struct.unpack('<III', d[o:o + 12]); f = d[o + 16:o + 16 + n]; o += 16 + n
    uid = struct.unpack('>i', f[-24:-20])[0]
    ip = f[14:-28]
    ip = ip[:struct.unpack('>H', ip[2:4])[0]]    # IPv4 total length: drop the padding
    if uid not in mapped:
        pkg, app = pkgs[uid]; mapped.add(uid)
        out += block(0x00000BAD, struct.pack('<IHBBiBB', 62652, 1, 1, 0, uid, len(pkg), len(app)) + pkg + app)
    t = ts * 1000000 + us
    out += block(6, struct.pack('<IIIII', 0, t >> 32, t & 0xffffffff, len(ip), len(ip)) + pad(ip)
                 + opt(1, b'u-%d' % uid) + opt(0, b''))
open(sys.argv[2], 'wb').write(out)
PY
if command -v tshark >/dev/null; then
    check_eq "tshark reads the pcapng: 40 IP packets, each with its comment" "40" \
        "$(tshark -r "$T/pd.pcapng" -Y ip -T fields -e frame.comment 2>/dev/null | grep -c '^u-1012[34]$')"
fi
cat > "$T/lab-ng.yaml" <<'EOF'
devices:
  - id: phone
    ip: 10.0.0.2
    policy: seed-003
    apps:
      - package: com.example.shop
        policy: xiaoying-kankan
      - package: com.example.news
        policy: kapi-action
EOF
run "$T/pd.pcapng" "$T/lab-ng.yaml" > "$T/ng"
cat "$T/ng"
check_eq "pcapng: the package from the UID map, the shop's policy" 2 \
    "$(grep -c '^privacy_leak com.example.shop 10123 com.example.shop Shop xiaoying-kankan umeng declared$' "$T/ng")"
check_eq "pcapng: the news app's policy" 2 \
    "$(grep -c '^privacy_leak com.example.news 10124 com.example.news News kapi-action umeng undeclared_sdk$' "$T/ng")"

# Profile errors name file:line and the field.
printf 'devices:\n  - id: p\n    ip: 10.0.0.2\n    apps:\n      - uid: 10123\n        packge: a.b\n' > "$T/e1.yaml"
"$LEAKWATCH" -q --rules "$LW_SOURCE_DIR/data" --profile "$T/e1.yaml" -r "$T/pd.pcap" > /dev/null 2> "$T/e1"
check_grep "unknown app field: file:line and a hint" \
    "e1.yaml:6: devices\[0\].apps\[0\].packge: unknown app field (did you mean \"package\"" "$T/e1"
printf 'devices:\n  - id: p\n    ip: 10.0.0.2\n    apps:\n      - uid: 10123\n        policy: kapi-actoin\n' > "$T/e2.yaml"
"$LEAKWATCH" -q --rules "$LW_SOURCE_DIR/data" --profile "$T/e2.yaml" -r "$T/pd.pcap" > /dev/null 2> "$T/e2"
check_grep "an app's unknown policy: file:line" \
    "e2.yaml:6: devices\[0\].apps\[0\].policy: no policy \"kapi-actoin\".*did you mean \"kapi-action\"" "$T/e2"
printf 'devices:\n  - id: p\n    apps:\n      - uid: 10123\n      - uid: 10123\n' > "$T/e3.yaml"
"$LEAKWATCH" -q --rules "$LW_SOURCE_DIR/data" --profile "$T/e3.yaml" -r "$T/pd.pcap" > /dev/null 2> "$T/e3"
check_grep "the same app twice" "e3.yaml:5: devices\[0\].apps\[1\]: the same app as apps\[0\] (line 4)" "$T/e3"
check_done
