# netns.sh - for live-capture tests: two network namespaces joined by a veth pair.
# Sourcing it makes the test's directory $T (world-readable: leakwatch may run as
# nobody), sets LWPID= (the test puts leakwatch's pid there) and a trap that kills
# that process, removes the namespaces and $T on exit. netns_setup TAG then creates
# namespaces $NA and $NB with $VA in NA and $VB in NB, both up, IPv6 off (router
# solicitations and DAD would be traffic nobody sent). When anything needed is missing
# (tcpreplay, ip, root) it prints why and exits 77, which ctest reports as skipped.
skip() { echo "SKIP: $*"; exit 77; }

netns_setup() {
    local tag=$1 err
    command -v tcpreplay >/dev/null || skip "tcpreplay is not installed"
    command -v ip >/dev/null || skip "iproute2 (ip) is not installed"
    NA=lw${tag}a$$ NB=lw${tag}b$$ VA=lw${tag}va$$ VB=lw${tag}vb$$
    err=$(ip netns add "$NA" 2>&1) || skip "cannot create a network namespace: $err"
    err=$(ip netns add "$NB" 2>&1) || skip "cannot create a network namespace: $err"
    for n in "$NA" "$NB"; do
        ip netns exec "$n" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
            net.ipv6.conf.default.disable_ipv6=1
    done
    err=$(ip link add "$VA" netns "$NA" type veth peer name "$VB" netns "$NB" 2>&1) \
        || skip "cannot create a veth pair: $err"
    ip -n "$NA" link set "$VA" up && ip -n "$NB" link set "$VB" up \
        || skip "cannot bring the veth pair up"
}

netns_cleanup() {
    [ -n "${LWPID:-}" ] && kill "$LWPID" 2>/dev/null
    [ -n "${NA:-}" ] && ip netns del "$NA" 2>/dev/null
    [ -n "${NB:-}" ] && ip netns del "$NB" 2>/dev/null
    rm -rf "$T"
}

T=$(mktemp -d "${TMPDIR:-/tmp}/lw-live.XXXXXX")
chmod 755 "$T"
# leakwatch runs as nobody once the capture is open: it must read its rules and the
# profile wherever the checkout is (a clone under a private directory, say).
cp -r "$LW_SOURCE_DIR/data" "$T/rules"
cp "$LW_SOURCE_DIR/docs/sample/lab.yaml" "$T/lab.yaml"
chmod -R a+rX "$T/rules" "$T/lab.yaml"
LWPID=
trap netns_cleanup EXIT
