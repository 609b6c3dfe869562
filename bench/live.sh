#!/usr/bin/env bash
# Live capture capacity on a veth pair between two network namespaces (needs root,
# tcpreplay, a C compiler):
#   bench/live.sh [BUILD_DIR]            (default build/)
# 1. the rate tcpreplay alone reaches on this veth (--topspeed, nobody capturing);
# 2. raw capture capacity, packets only counted, at --topspeed: libpcap (one
#    TPACKET_V3 handle, one thread) against AF_PACKET + PACKET_FANOUT_HASH with one
#    TPACKET_V3 socket per thread (2 threads, same ring memory in total), both
#    compiled here from the C below;
# 3. leakwatch -i with 1 and 2 workers: the highest replay rate (packets/s, from a
#    fixed ladder) with zero kernel drops and every packet seen.
# Figures are from one run on a shared machine; compare them with each other.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
B=${1:-$top/build}
W=$(mktemp -d "${TMPDIR:-/tmp}/lw-livebench.XXXXXX")
chmod 755 "$W"
NA=lwba$$ NB=lwbb$$ VA=lwbva$$ VB=lwbvb$$
cleanup() { ip netns del "$NA" 2>/dev/null; ip netns del "$NB" 2>/dev/null; rm -rf "$W"; }
trap cleanup EXIT
ip netns add "$NA"; ip netns add "$NB"
for n in "$NA" "$NB"; do
    ip netns exec "$n" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
done
ip link add "$VA" netns "$NA" type veth peer name "$VB" netns "$NB"
ip -n "$NA" link set "$VA" up; ip -n "$NB" link set "$VB" up

cap="$W/lab.pcap"
"$B/tests/gen/pcapgen" -o "$cap" --flows ${LW_BENCH_FLOWS:-3000} --requests-per-flow 2 --body 400 --seed 9 \
    --hosts ulogs.umeng.com,mi.gdt.qq.com,app.adjust.com \
    --plant 'imei=869012045678914&oaid=1f2e3d4c-aaaa-bbbb-cccc-0123456789ab' 2>/dev/null
# The capture is replayed LOOPS times and every capture ring is BUF MiB, far less than
# what is sent: a rate passes only if it is sustained, not absorbed by the buffer.
LOOPS=${LW_BENCH_LOOPS:-5}
BUF=${LW_BENCH_BUF_MIB:-8}
npkt=$(( $(tcpdump -r "$cap" 2>/dev/null | wc -l) * LOOPS ))
echo "capture: $npkt packets ($LOOPS loops of $(stat -c %s "$cap") bytes), ring $BUF MiB; $(nproc) CPUs"

replay() {  # pps|top -> tcpreplay's own summary line of the rate reached
    local r=(--pps="$1"); [ "$1" = top ] && r=(--topspeed)
    ip netns exec "$NA" tcpreplay "${r[@]}" --loop="$LOOPS" -i "$VA" "$cap" 2>&1 | grep -m1 'Rated:' | sed 's/^ *//'
}
echo "== 1. tcpreplay alone, --topspeed: $(replay top)"

cat > "$W/cnt.c" <<'EOF'
/* Count packets on an interface: "pcap IFACE MIB" (libpcap) or "fanout IFACE N MIB" (N
 * AF_PACKET TPACKET_V3 sockets in one PACKET_FANOUT_HASH group, one thread each).
 * Stops on SIGINT, prints received and kernel drops. */
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <pcap/pcap.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <arpa/inet.h>
static volatile sig_atomic_t stop;
static void on_int(int s) { (void)s; stop = 1; }
static const char *ifname;
static int blocks = 16;
static unsigned long long tot_pk, tot_dr;
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static void *fan(void *arg)
{
    int id = (int)(long)arg, fd = socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ALL)), v = TPACKET_V3;
    setsockopt(fd, SOL_PACKET, PACKET_VERSION, &v, sizeof v);
    struct tpacket_req3 rq = {.tp_block_size = 1 << 22, .tp_block_nr = 0, .tp_frame_size = 2048,
                              .tp_retire_blk_tov = 60};
    rq.tp_block_nr = (unsigned)blocks;
    rq.tp_frame_nr = rq.tp_block_size / rq.tp_frame_size * rq.tp_block_nr;
    if (setsockopt(fd, SOL_PACKET, PACKET_RX_RING, &rq, sizeof rq)) { perror("ring"); exit(1); }
    unsigned char *ring = mmap(NULL, (size_t)rq.tp_block_size * rq.tp_block_nr,
                               PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    struct sockaddr_ll sl = {.sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_ALL),
                             .sll_ifindex = (int)if_nametoindex(ifname)};
    if (bind(fd, (struct sockaddr *)&sl, sizeof sl)) { perror("bind"); exit(1); }
    int fo = 4242 | (PACKET_FANOUT_HASH << 16);
    if (setsockopt(fd, SOL_PACKET, PACKET_FANOUT, &fo, sizeof fo)) { perror("fanout"); exit(1); }
    unsigned b = 0;
    unsigned long long pk = 0;
    while (!stop) {
        struct tpacket_block_desc *bd = (void *)(ring + (size_t)b * rq.tp_block_size);
        if (!(bd->hdr.bh1.block_status & TP_STATUS_USER)) {
            struct pollfd p = {fd, POLLIN, 0};
            poll(&p, 1, 100);
            continue;
        }
        pk += bd->hdr.bh1.num_pkts;
        bd->hdr.bh1.block_status = TP_STATUS_KERNEL;
        b = (b + 1) % rq.tp_block_nr;
    }
    struct tpacket_stats_v3 st; socklen_t l = sizeof st;
    getsockopt(fd, SOL_PACKET, PACKET_STATISTICS, &st, &l);
    pthread_mutex_lock(&mu);
    tot_pk += pk; tot_dr += st.tp_drops;
    pthread_mutex_unlock(&mu);
    (void)id;
    return NULL;
}
static void cb(u_char *u, const struct pcap_pkthdr *h, const u_char *d) { (void)h; (void)d; (*(unsigned long long *)u)++; }
int main(int argc, char **argv)
{
    signal(SIGINT, on_int);
    ifname = argv[2];
    if (!strcmp(argv[1], "pcap")) {
        char e[PCAP_ERRBUF_SIZE];
        pcap_t *p = pcap_create(ifname, e);
        pcap_set_snaplen(p, 65535); pcap_set_promisc(p, 1); pcap_set_timeout(p, 100);
        pcap_set_buffer_size(p, atoi(argv[3]) << 20);
        if (pcap_activate(p) < 0) { fprintf(stderr, "%s\n", pcap_geterr(p)); return 1; }
        unsigned long long n = 0;
        pcap_setnonblock(p, 1, e);
        struct pollfd pf = {pcap_get_selectable_fd(p), POLLIN, 0};
        while (!stop)
            if (pcap_dispatch(p, -1, cb, (u_char *)&n) == 0)
                poll(&pf, 1, 100);
        struct pcap_stat ps; pcap_stats(p, &ps);
        printf("received=%llu drops=%u\n", n, ps.ps_drop);
        return 0;
    }
    int n = atoi(argv[3]), mib = atoi(argv[4]);
    pthread_t t[16];
    /* The same memory in all as libpcap's one ring: MIB split over n sockets. */
    blocks = mib * 1024 * 1024 / (1 << 22) / n;
    if (blocks < 1) blocks = 1;
    for (int i = 0; i < n; i++) pthread_create(&t[i], NULL, fan, (void *)(long)i);
    for (int i = 0; i < n; i++) pthread_join(t[i], NULL);
    printf("received=%llu drops=%llu\n", tot_pk, tot_dr);
    return 0;
}
EOF
cc -O2 -o "$W/cnt" "$W/cnt.c" -lpcap -lpthread

count() {  # mode args... at topspeed -> "rate | received drops"
    ip netns exec "$NB" timeout -s KILL 60 "$W/cnt" "$@" > "$W/cnt.out" & local pid=$!
    sleep 0.5
    local rate; rate=$(replay top)
    sleep 0.5; kill -INT $pid; wait $pid
    echo "$rate | $(cat "$W/cnt.out") of $npkt"
}
echo "== 2. raw capture, packets counted only, replay at --topspeed"
echo "   libpcap TPACKET_V3, 1 thread:        $(count pcap "$VB" "$BUF")"
echo "   AF_PACKET FANOUT_HASH, 2 sockets:    $(count fanout "$VB" 2 "$BUF")"

# leakwatch at a fixed rate: "ok" when every packet arrived and kernel drops are 0.
lw_at() {  # workers pps -> "ok|drops=... seen=..."
    ip netns exec "$NB" "$B/src/leakwatch" -q -t "$1" -i "$VB" --buffer-size "$BUF" --allow-root tcp > "$W/lw.json" 2>/dev/null &
    local pid=$!
    sleep 0.7
    local rate; rate=$(replay "$2")
    sleep 1; kill -INT $pid; wait $pid || true
    python3 - "$W/lw.json" "$npkt" "$rate" <<'EOF'
import json, sys
s = [json.loads(l) for l in open(sys.argv[1]) if '"event_type":"stats"' in l][-1]['stats']
d, n = s['capture']['kernel_drops'], s['packets']
ok = d == 0 and n == int(sys.argv[2])
print(("ok  " if ok else "LOSS") + f" drops={d} seen={n} | {sys.argv[3]}")
EOF
}
echo "== 3. leakwatch -i: highest zero-drop rate from the ladder"
for t in 1 2; do
    best=none
    for pps in ${LW_BENCH_LADDER:-20000 40000 60000 80000 120000 160000 240000 top}; do
        r=$(lw_at "$t" "$pps")
        echo "   -t $t --pps $pps: $r"
        case "$r" in ok*) best=$pps ;; *) break ;; esac
    done
    echo "   -t $t: highest zero-drop rate: $best"
done
