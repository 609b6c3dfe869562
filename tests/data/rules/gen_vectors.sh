#!/bin/bash
# Regenerates the expected encodings and digests hard-coded in tests/test_rules_matcher.c
# (its vecs[] table), with coreutils/openssl/xxd/python3 only (never with leakwatch
# code). Output: one C initializer per line {type, form, "bytes"}.
set -eu
emit() { # type form bytes(as printf %s input, via stdin)
  local t=$1 f=$2
  local b; b=$(xxd -p | tr -d '\n' | sed 's/\(..\)/\\x\1/g')
  printf '    {"%s", "%s", "%s"},\n' "$t" "$f" "$b"
}
hashes() { # type value
  local t=$1 v=$2
  for h in md5 sha1 sha256; do
    printf %s "$v" | openssl $h -r | cut -d' ' -f1 | tr -d '\n' | emit "$t" "$h-hex"
    printf %s "$v" | openssl $h -r | cut -d' ' -f1 | tr -d '\n' | tr a-f A-F | emit "$t" "$h-HEX"
    printf %s "$v" | openssl $h -binary | base64 | tr -d '\n=' | emit "$t" "$h-base64"
  done
}
b64blobs() { # type value: the value at offsets 0,1,2 inside a longer encoded blob
  local t=$1 v=$2
  for p in "" "x" "xy"; do
    printf '%s%s&tail=1' "$p" "$v" | base64 -w0 | emit "$t" base64
  done
}
IMEI=869012045678914
printf %s $IMEI | emit imei plain
b64blobs imei $IMEI
printf %s $IMEI | xxd -p | tr -d '\n' | emit imei hex
hashes imei $IMEI
MAC=3c:28:6d:11:22:33
printf %s $MAC | emit mac plain
printf %s 3C:28:6D:11:22:33 | emit mac upper
printf %s 3c-28-6d-11-22-33 | emit mac mac-dash
printf %s 3C-28-6D-11-22-33 | emit mac mac-dash
printf %s 3c28.6d11.2233 | emit mac mac-dot
printf %s 3c286d112233 | emit mac mac-bare
printf %s 3C286D112233 | emit mac mac-bare
python3 -c 'import urllib.parse,sys;sys.stdout.write(urllib.parse.quote("3c:28:6d:11:22:33",safe="-._~"))' | emit mac url
printf %s 3C286D112233 | openssl md5 -r | cut -d' ' -f1 | tr -d '\n' | emit mac md5-hex
printf %s $MAC | openssl sha1 -r | cut -d' ' -f1 | tr -d '\n' | emit mac sha1-hex
printf '\x3c\x28\x6d\x11\x22\x33' | emit mac raw-mac
OAID=1f2e3d4c-aaaa-bbbb-cccc-0123456789ab
printf %s $OAID | emit oaid plain
printf %s $OAID | tr a-f A-F | emit oaid upper
printf %s 1f2e3d4caaaabbbbcccc0123456789ab | emit oaid nodash
printf %s 1f2e3d4caaaabbbbcccc0123456789ab | openssl md5 -r | cut -d' ' -f1 | tr -d '\n' | emit oaid md5-hex
SSID2='Office~~~WiFi???'
for p in "" "x" "xy"; do
  printf '%s%s&tail=1' "$p" "$SSID2" | basenc --base64url -w0 | emit ssid base64url
done
PW='c0rrect "horse" \ (b+)*'
printf %s "$PW" | emit wifi_password plain
python3 -c 'import json,sys;sys.stdout.write(json.dumps(sys.argv[1])[1:-1])' "$PW" | emit wifi_password json
python3 -c 'import urllib.parse,sys;sys.stdout.write(urllib.parse.quote(sys.argv[1],safe="-._~"))' "$PW" | emit wifi_password url
python3 -c 'import urllib.parse,sys;sys.stdout.write(urllib.parse.quote_plus(sys.argv[1],safe="-._~"))' "$PW" | emit wifi_password url
python3 -c 'import urllib.parse,sys;sys.stdout.write(urllib.parse.quote(sys.argv[1],safe="-._~!*()\x27"))' "$PW" | emit wifi_password url
b64blobs wifi_password "$PW"
SSID='实验室-5G'
printf %s "$SSID" | emit ssid plain
python3 -c 'import json,sys;sys.stdout.write(json.dumps(sys.argv[1])[1:-1])' "$SSID" | emit ssid json
python3 -c 'import urllib.parse,sys;sys.stdout.write(urllib.parse.quote(sys.argv[1],safe="-._~"))' "$SSID" | emit ssid url
printf %s "$SSID" | xxd -p | tr -d '\n' | emit ssid hex
printf %s Alice.Lab@example.com | emit email plain
printf %s alice.lab@example.com | emit email lower
printf %s alice.lab@example.com | openssl md5 -r | cut -d' ' -f1 | tr -d '\n' | emit email md5-hex
printf %s Alice.Lab@example.com | openssl sha256 -binary | base64 | tr -d '\n=' | emit email sha256-base64
printf %s 22.5431,114.0579 | emit gps plain
printf %s 114.0579,22.5431 | emit gps lonlat
printf %s 13812345678 | emit phone plain
printf %s 13812345678 | openssl md5 -r | cut -d' ' -f1 | tr -d '\n' | emit phone md5-hex
printf %s 460001234567890 | emit imsi plain
printf %s 89860012345678901238 | emit iccid plain
printf %s 89860012345678901238 | openssl sha1 -r | cut -d' ' -f1 | tr -d '\n' | tr a-f A-F | emit iccid sha1-HEX
printf %s 6D92078A-8246-4BA4-AE5B-76104861E7DC | emit idfa plain
printf %s 6d92078a-8246-4ba4-ae5b-76104861e7dc | emit idfa lower
printf %s R58M123ABCD | emit serial plain
printf %s r58m123abcd | emit serial lower
printf %s 9774d56d682e549c | emit android_id plain
printf %s 9774D56D682E549C | emit android_id upper
printf %s 9774d56d682e549c | openssl sha1 -r | cut -d' ' -f1 | tr -d '\n' | emit android_id sha1-hex
printf %s 10.20.30.40 | emit ip plain
