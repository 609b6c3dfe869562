#!/usr/bin/env bash
# Defect 10 of issue 15: `leakwatch -V` names every library it runs on with its version,
# checked against pkg-config (the independent record of what is installed), Hyperscan's
# CPU features against /proc/cpuinfo, and the rule data's version and date against the
# VERSION file of the rules in use (--rules / $LEAKWATCH_RULES respected).
set -u
. "$LW_SOURCE_DIR/tests/lib/check.sh"
T=$(mktemp -d "${TMPDIR:-/tmp}/lw-version.XXXXXX")
trap 'rm -rf "$T"' EXIT
unset LEAKWATCH_RULES
"$LEAKWATCH" -V > "$T/v" 2> "$T/err"; check_eq "-V: exit 0" 0 $?
check_eq "-V: nothing on stderr" "" "$(cat "$T/err")"
sed 's/^/    /' "$T/v"
check_grep "-V: leakwatch's own version" '^leakwatch [0-9]' "$T/v"
# name in -V, pkg-config module
while read -r name mod; do
    if pkg-config --exists "$mod" 2> /dev/null; then
        want=$(pkg-config --modversion "$mod")
        check_grep "-V: $name $want (pkg-config $mod)" "^$name.*$want" "$T/v"
    else
        check_grep "-V: $name named" "^$name" "$T/v"
    fi
done <<'X'
nDPI libndpi
Hyperscan libhs
libpcap libpcap
OpenSSL libcrypto
hiredis hiredis
nghttp2 libnghttp2
jansson jansson
libyaml yaml-0.1
zlib zlib
X
check_grep "-V: Hyperscan says whether the platform is supported" '^Hyperscan .*platform supported' "$T/v"
if grep -qw avx2 /proc/cpuinfo; then
    check_grep "-V: this CPU has AVX2, Hyperscan uses it" '^Hyperscan .*AVX2' "$T/v"
else
    check_ok "-V: no AVX2 on this CPU, none claimed" "! grep -q '^Hyperscan .*AVX2' '$T/v'"
fi
ver=$(sed -n 's/^version: *//p' "$LW_SOURCE_DIR/data/VERSION")
date=$(sed -n 's/^date: *//p' "$LW_SOURCE_DIR/data/VERSION")
check_ok "data/VERSION has a version and a date" "[ -n '$ver' ] && [ -n '$date' ]"
check_grep "-V: rule data version and date" "^rule data $ver ($date)" "$T/v"
mkdir -p "$T/lab"; printf 'version: lab-7\ndate: 2027-01-01\n' > "$T/lab/VERSION"
"$LEAKWATCH" -V --rules "$LW_SOURCE_DIR/data" --rules "$T/lab" > "$T/v2"
check_grep "-V: the last layer with a VERSION names the rule data" "^rule data lab-7 (2027-01-01), $T/lab" "$T/v2"
check_grep "-V: memory per flow still printed" '^memory per flow: [0-9]* bytes' "$T/v"
check_done
