#!/usr/bin/env bash
# Install the Debian 12 packages leakwatch needs to build and test (only what is
# missing, so a second run costs nothing). Needs root or sudo.
set -euo pipefail
PKGS=(build-essential cmake pkg-config libpcap-dev libndpi-dev libhyperscan-dev
      libhiredis-dev libcunit1-dev zlib1g-dev libyaml-dev libjansson-dev libssl-dev
      libnghttp2-dev libnghttp3-dev libcap-dev clang libfuzzer-14-dev redis-server tcpdump
      python3 iproute2 tcpreplay openssl curl nghttp2-server nghttp2-client ngtcp2-server
      ngtcp2-client tshark python3-jsonschema groff-base python3-jinja2 chromium
      poppler-utils man-db dpkg-dev libbrotli-dev libzstd-dev brotli zstd protobuf-compiler
      mosquitto mosquitto-clients python3-yaml)
missing=()
for p in "${PKGS[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO=sudo
echo "installing: ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get install -y -q "${missing[@]}" >/dev/null 2>&1 || {
    $SUDO apt-get update -q >/dev/null
    $SUDO apt-get install -y -q "${missing[@]}" >/dev/null
}
