/* Decoding of every supported link type and tag, IPv6 extension headers, IPv4 and
 * IPv6 fragments, flow key symmetry - from hand-built byte arrays. */
#include <stdlib.h>
#include <string.h>

#include "capture/decode.h"
#include "capture/flow.h"
#include "capture/frag.h"
#include "tests/testutil.h"

/* IPv4/TCP 10.0.0.1:40000 -> 10.0.0.2:80, seq 0x01020304, flags PSH|ACK, "hi". */
static const uint8_t ip4_tcp[] = {
    0x45, 0, 0, 42, 0, 1, 0, 0, 64, 6, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2,
    0x9c, 0x40, 0, 80, 1, 2, 3, 4, 0, 0, 0, 0, 0x50, 0x18, 0xff, 0xff, 0, 0, 0, 0,
    'h', 'i'};

/* IPv6/UDP 2001:db8::1:5353 -> 2001:db8::2:53 behind hop-by-hop and destination
 * options headers, payload "dns!". */
static const uint8_t ip6_ext_udp[] = {
    0x60, 0, 0, 0, 0, 28, 0, 64,
    0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1,
    0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2,
    60, 0, 1, 4, 0, 0, 0, 0,     /* hop-by-hop -> dest opts, PadN */
    17, 0, 1, 4, 0, 0, 0, 0,     /* dest opts -> UDP */
    0x14, 0xe9, 0, 53, 0, 12, 0, 0, 'd', 'n', 's', '!'};

static size_t eth(uint8_t *out, const uint16_t *vlans, int nvlan, uint16_t type,
                  const uint8_t *l3, size_t l3len)
{
    static const uint8_t dst[6] = {0xa0, 0xb1, 0xc2, 0xd3, 0xe4, 0xf5};
    static const uint8_t src[6] = {0x3c, 0x28, 0x6d, 0x11, 0x22, 0x33};
    size_t o = 0;
    memcpy(out, dst, 6);
    memcpy(out + 6, src, 6);
    o = 12;
    for (int i = 0; i < nvlan; i++) {
        uint16_t tpid = (nvlan == 2 && i == 0) ? 0x88a8 : 0x8100;
        out[o++] = (uint8_t)(tpid >> 8);
        out[o++] = (uint8_t)tpid;
        out[o++] = (uint8_t)(vlans[i] >> 8);
        out[o++] = (uint8_t)vlans[i];
    }
    out[o++] = (uint8_t)(type >> 8);
    out[o++] = (uint8_t)type;
    memcpy(out + o, l3, l3len);
    return o + l3len;
}

static void check_tcp(const struct decode_pkt *p, const uint8_t *frame)
{
    CU_ASSERT_EQUAL(p->family, 4);
    CU_ASSERT_EQUAL(p->proto, 6);
    CU_ASSERT_EQUAL(p->sport, 40000);
    CU_ASSERT_EQUAL(p->dport, 80);
    CU_ASSERT_EQUAL(p->seq, 0x01020304u);
    CU_ASSERT_EQUAL(p->tcp_flags, 0x18);
    CU_ASSERT_EQUAL(p->payload_len, 2);
    CU_ASSERT(memcmp(frame + p->l3_off + p->payload_off, "hi", 2) == 0);
    CU_ASSERT(memcmp(p->src_ip, "\x0a\x00\x00\x01", 4) == 0);
}

static void test_ethernet_vlans(void)
{
    uint8_t f[200];
    struct decode_stats st = {0};
    struct decode_pkt p;
    uint16_t v[2] = {100, 200};
    for (int n = 0; n <= 2; n++) {
        size_t len = eth(f, v, n, 0x0800, ip4_tcp, sizeof ip4_tcp);
        CU_ASSERT_EQUAL_FATAL(decode_frame(DECODE_LINK_ETHERNET, f, (uint32_t)len, &p, &st),
                              DECODE_OK);
        check_tcp(&p, f);
        CU_ASSERT_EQUAL(p.nvlan, n);
        if (n >= 1)
            CU_ASSERT_EQUAL(p.vlan[0], 100);
        if (n == 2)
            CU_ASSERT_EQUAL(p.vlan[1], 200);
        CU_ASSERT(p.has_mac);
        CU_ASSERT_EQUAL(p.src_mac[0], 0x3c);
    }
    /* Three tags is more than we keep: refused and counted, not misread. */
    uint16_t v3[3] = {1, 2, 3};
    size_t o = 12;
    memset(f, 0, 12);
    for (int i = 0; i < 3; i++) {
        f[o++] = 0x81, f[o++] = 0, f[o++] = 0, f[o++] = (uint8_t)v3[i];
    }
    f[o++] = 0x08, f[o++] = 0;
    memcpy(f + o, ip4_tcp, sizeof ip4_tcp);
    CU_ASSERT_EQUAL(decode_frame(DECODE_LINK_ETHERNET, f, (uint32_t)(o + sizeof ip4_tcp), &p, &st),
                    DECODE_ERR);
    CU_ASSERT_EQUAL(st.anomalies[DECODE_E_VLAN_DEPTH], 1);
}

static void test_sll_sll2_raw(void)
{
    uint8_t f[200];
    struct decode_stats st = {0};
    struct decode_pkt p;
    /* SLL: packet type 4 (outgoing), ARPHRD_ETHER, addr len 6, addr, pad, protocol. */
    static const uint8_t sll[16] = {0, 4, 0, 1, 0, 6, 0x3c, 0x28, 0x6d, 0x11, 0x22, 0x33, 0, 0,
                                    0x08, 0x00};
    memcpy(f, sll, 16);
    memcpy(f + 16, ip4_tcp, sizeof ip4_tcp);
    CU_ASSERT_EQUAL_FATAL(decode_frame(DECODE_LINK_SLL, f, 16 + sizeof ip4_tcp, &p, &st),
                          DECODE_OK);
    check_tcp(&p, f);
    CU_ASSERT(p.has_mac && p.src_mac[5] == 0x33);
    /* SLL2: protocol, reserved, ifindex, ARPHRD_ETHER, type, addr len, addr[8]. */
    static const uint8_t sll2[20] = {0x08, 0x00, 0, 0, 0, 0, 0, 2, 0, 1, 0, 6,
                                     0x3c, 0x28, 0x6d, 0x11, 0x22, 0x34, 0, 0};
    memcpy(f, sll2, 20);
    memcpy(f + 20, ip4_tcp, sizeof ip4_tcp);
    CU_ASSERT_EQUAL_FATAL(decode_frame(DECODE_LINK_SLL2, f, 20 + sizeof ip4_tcp, &p, &st),
                          DECODE_OK);
    check_tcp(&p, f);
    CU_ASSERT(p.has_mac && p.src_mac[5] == 0x34);
    CU_ASSERT_EQUAL_FATAL(decode_frame(DECODE_LINK_RAW, ip4_tcp, sizeof ip4_tcp, &p, &st),
                          DECODE_OK);
    check_tcp(&p, ip4_tcp);
    CU_ASSERT(!p.has_mac);
    /* ARP is not IP: skipped and counted as such, not as an error. */
    size_t len = eth(f, NULL, 0, 0x0806, ip4_tcp, 28);
    CU_ASSERT_EQUAL(decode_frame(DECODE_LINK_ETHERNET, f, (uint32_t)len, &p, &st), DECODE_SKIP);
    CU_ASSERT_EQUAL(st.non_ip, 1);
}

static void test_ipv6_extension_headers(void)
{
    uint8_t f[200];
    struct decode_stats st = {0};
    struct decode_pkt p;
    size_t len = eth(f, NULL, 0, 0x86dd, ip6_ext_udp, sizeof ip6_ext_udp);
    CU_ASSERT_EQUAL_FATAL(decode_frame(DECODE_LINK_ETHERNET, f, (uint32_t)len, &p, &st),
                          DECODE_OK);
    CU_ASSERT_EQUAL(p.family, 6);
    CU_ASSERT_EQUAL(p.proto, 17);
    CU_ASSERT_EQUAL(p.sport, 5353);
    CU_ASSERT_EQUAL(p.dport, 53);
    CU_ASSERT_EQUAL(p.payload_len, 4);
    CU_ASSERT(memcmp(f + p.l3_off + p.payload_off, "dns!", 4) == 0);
    /* An extension header whose length runs past the packet. */
    uint8_t bad[sizeof ip6_ext_udp];
    memcpy(bad, ip6_ext_udp, sizeof bad);
    bad[41] = 200;
    CU_ASSERT_EQUAL(decode_frame(DECODE_LINK_RAW, bad, sizeof bad, &p, &st), DECODE_ERR);
    CU_ASSERT_EQUAL(st.anomalies[DECODE_E_IPV6_EXT], 1);
}

static void test_malformed(void)
{
    struct decode_stats st = {0};
    struct decode_pkt p;
    uint8_t b[sizeof ip4_tcp];
    /* Every truncation of a valid packet is either decoded (payload shorter) or
     * refused; never read past the end (ASan watches). */
    for (size_t n = 0; n < sizeof ip4_tcp; n++) {
        uint8_t *cut = malloc(n ? n : 1);
        memcpy(cut, ip4_tcp, n);
        enum decode_result r = decode_frame(DECODE_LINK_RAW, cut, (uint32_t)n, &p, &st);
        CU_ASSERT(r == DECODE_ERR || (r == DECODE_OK && p.payload_len < 2));
        free(cut);
    }
    memcpy(b, ip4_tcp, sizeof b);
    b[0] = 0x43; /* header length 12 */
    CU_ASSERT_EQUAL(decode_frame(DECODE_LINK_RAW, b, sizeof b, &p, &st), DECODE_ERR);
    memcpy(b, ip4_tcp, sizeof b);
    b[32] = 0x10; /* TCP header length 4 */
    CU_ASSERT_EQUAL(decode_frame(DECODE_LINK_RAW, b, sizeof b, &p, &st), DECODE_ERR);
    memcpy(b, ip4_tcp, sizeof b);
    b[0] = 0x55; /* version 5 */
    CU_ASSERT_EQUAL(decode_frame(DECODE_LINK_RAW, b, sizeof b, &p, &st), DECODE_ERR);
    CU_ASSERT_EQUAL(st.anomalies[DECODE_E_BAD_IP_VERSION], 1);
    CU_ASSERT_EQUAL(decode_frame(12345, b, sizeof b, &p, &st), DECODE_ERR);
    /* Snaplen cut: decoded, with the payload it has and the length it had. */
    CU_ASSERT_EQUAL(decode_frame(DECODE_LINK_RAW, ip4_tcp, sizeof ip4_tcp - 1, &p, &st),
                    DECODE_OK);
    CU_ASSERT_EQUAL(p.payload_len, 1);
    CU_ASSERT_EQUAL(p.payload_wire, 2);
}

/* An IPv4 UDP datagram with 40 payload bytes in fragments of 16, 16, 8. */
static size_t make_frag(uint8_t *out, int idx, const uint8_t *payload)
{
    static const uint32_t off[3] = {0, 16, 32}, len[3] = {16, 16, 8};
    uint8_t h[20] = {0x45, 0, 0, 0, 0x12, 0x34, 0, 0, 64, 17, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2};
    uint16_t tot = (uint16_t)(20 + len[idx]);
    h[2] = (uint8_t)(tot >> 8);
    h[3] = (uint8_t)tot;
    uint16_t fo = (uint16_t)((off[idx] / 8) | (idx < 2 ? 0x2000 : 0));
    h[6] = (uint8_t)(fo >> 8);
    h[7] = (uint8_t)fo;
    memcpy(out, h, 20);
    memcpy(out + 20, payload + off[idx], len[idx]);
    return 20 + len[idx];
}

/* An IPv6 UDP datagram (2001:db8::1:5000 -> 2001:db8::2:53, 40 payload bytes) in
 * fragments of 16, 16, 8 bytes, each behind a hop-by-hop header and a fragment header
 * with identification 0x12345678 (the same low 16 bits as the IPv4 case's id). */
static size_t make_frag6(uint8_t *out, int idx, const uint8_t *payload)
{
    static const uint32_t off[3] = {0, 16, 32}, len[3] = {16, 16, 8};
    uint8_t h[56] = {0x60, 0, 0, 0, 0, 0, 0, 64};
    h[8] = 0x20, h[9] = 0x01, h[10] = 0x0d, h[11] = 0xb8, h[23] = 1;
    h[24] = 0x20, h[25] = 0x01, h[26] = 0x0d, h[27] = 0xb8, h[39] = 2;
    uint16_t plen = (uint16_t)(8 + 8 + len[idx]);
    h[4] = (uint8_t)(plen >> 8);
    h[5] = (uint8_t)plen;
    h[40] = 44, h[42] = 1, h[43] = 4;            /* hop-by-hop -> fragment, PadN */
    uint16_t fo = (uint16_t)(off[idx] | (idx < 2 ? 1 : 0));
    h[48] = 17;                                  /* fragment -> UDP */
    h[50] = (uint8_t)(fo >> 8);
    h[51] = (uint8_t)fo;
    h[52] = 0x12, h[53] = 0x34, h[54] = 0x56, h[55] = 0x78;
    memcpy(out, h, 56);
    memcpy(out + 56, payload + off[idx], len[idx]);
    return 56 + len[idx];
}

/* Fragments of the 40-byte UDP datagram (IPv4 or IPv6 builder above) added in the
 * given order; expect_done: the datagram must come out whole and decode as UDP. */
static void frag_round(int family, const int *order, int n, int expect_done)
{
    uint8_t payload[40] = {0x13, 0x88, 0x00, 0x35, 0x00, 40};
    for (int i = 8; i < 40; i++)
        payload[i] = (uint8_t)('A' + i - 8);
    frag_table_t *t = frag_new(4, 30000000);
    struct decode_stats st = {0};
    uint8_t out[65536], f[128];
    size_t got = 0;
    if (family == 6) {
        /* An IPv4 fragment with the same low id bits, in the same table: kept apart. */
        uint8_t v4[64], p4[40] = {0};
        struct decode_pkt q;
        size_t l4 = make_frag(v4, 1, p4);
        CU_ASSERT_EQUAL_FATAL(decode_frame(DECODE_LINK_RAW, v4, (uint32_t)l4, &q, &st),
                              DECODE_FRAG);
        CU_ASSERT_EQUAL(frag_add(t, v4, &q, 999, out), 0);
    }
    for (int i = 0; i < n; i++) {
        size_t len = family == 6 ? make_frag6(f, order[i], payload)
                                 : make_frag(f, order[i], payload);
        struct decode_pkt p;
        CU_ASSERT_EQUAL_FATAL(decode_frame(DECODE_LINK_RAW, f, (uint32_t)len, &p, &st),
                              DECODE_FRAG);
        CU_ASSERT_EQUAL(p.family, family);
        if (family == 6)
            CU_ASSERT_EQUAL(p.frag_id, 0x12345678u);
        size_t r = frag_add(t, f, &p, 1000 + (uint64_t)i, out);
        if (r)
            got = r;
    }
    if (!expect_done) {
        CU_ASSERT_EQUAL(got, 0);
        frag_free(t);
        return;
    }
    CU_ASSERT_EQUAL_FATAL(got, family == 6 ? 80u : 60u);
    struct decode_pkt p;
    CU_ASSERT_EQUAL_FATAL(decode_ip(out, (uint32_t)got, &p, &st), DECODE_OK);
    CU_ASSERT_EQUAL(p.family, family);
    CU_ASSERT_EQUAL(p.proto, 17);
    CU_ASSERT_EQUAL(p.sport, 5000);
    CU_ASSERT_EQUAL(p.dport, 53);
    CU_ASSERT_EQUAL(p.payload_len, 32);
    CU_ASSERT(memcmp(out + p.payload_off, payload + 8, 32) == 0);
    if (family == 6)
        CU_ASSERT(p.src_ip[15] == 1 && p.dst_ip[15] == 2);
    CU_ASSERT_EQUAL(frag_stats(t)->reassembled, 1);
    frag_free(t);
}

static void test_fragments(void)
{
    frag_round(4, (int[]){0, 1, 2}, 3, 1);
    frag_round(4, (int[]){2, 0, 1}, 3, 1);
    frag_round(4, (int[]){1, 2, 1, 0}, 4, 1); /* duplicate */
    frag_round(4, (int[]){0, 2}, 2, 0);       /* one missing: never delivered */
}

static void test_fragments6(void)
{
    frag_round(6, (int[]){0, 1, 2}, 3, 1);
    frag_round(6, (int[]){2, 1, 0}, 3, 1);
    frag_round(6, (int[]){1, 0, 1, 2}, 4, 1); /* duplicate */
    frag_round(6, (int[]){0, 1}, 2, 0);       /* last one missing */
    /* A fragment header whose payload is cut before its end: refused by frag_add. */
    uint8_t f[128], payload[40] = {0}, out[65536];
    struct decode_stats st = {0};
    struct decode_pkt p;
    size_t len = make_frag6(f, 0, payload);
    CU_ASSERT_EQUAL(decode_frame(DECODE_LINK_RAW, f, (uint32_t)len - 3, &p, &st), DECODE_FRAG);
    frag_table_t *t = frag_new(4, 1000);
    CU_ASSERT_EQUAL(frag_add(t, f, &p, 0, out), 0);
    CU_ASSERT_EQUAL(frag_stats(t)->invalid, 1);
    frag_free(t);
    /* Truncated inside the fragment header: a decode error, not a fragment. */
    CU_ASSERT_EQUAL(decode_frame(DECODE_LINK_RAW, f, 52, &p, &st), DECODE_ERR);
}

static void test_frag_timeout(void)
{
    uint8_t payload[40] = {0};
    frag_table_t *t = frag_new(4, 1000);
    struct decode_stats st = {0};
    uint8_t out[65536], f[64];
    struct decode_pkt p;
    size_t len = make_frag(f, 0, payload);
    decode_frame(DECODE_LINK_RAW, f, (uint32_t)len, &p, &st);
    frag_add(t, f, &p, 0, out);
    frag_expire(t, 5000);
    CU_ASSERT_EQUAL(frag_stats(t)->timeouts, 1);
    frag_free(t);
}

static void test_flow_key_symmetry(void)
{
    struct decode_stats st = {0};
    struct decode_pkt a, b;
    CU_ASSERT_EQUAL_FATAL(decode_frame(DECODE_LINK_RAW, ip4_tcp, sizeof ip4_tcp, &a, &st),
                          DECODE_OK);
    b = a;
    memcpy(b.src_ip, a.dst_ip, 16);
    memcpy(b.dst_ip, a.src_ip, 16);
    b.sport = a.dport;
    b.dport = a.sport;
    struct flow_key ka, kb;
    int la, lb;
    flow_key_make(&ka, &a, &la);
    flow_key_make(&kb, &b, &lb);
    CU_ASSERT(memcmp(&ka, &kb, sizeof ka) == 0);
    CU_ASSERT_EQUAL(flow_key_hash(&ka), flow_key_hash(&kb));
    CU_ASSERT_NOT_EQUAL(la, lb);
    /* Same tuple on another VLAN is another flow. */
    b = a;
    b.nvlan = 1;
    b.vlan[0] = 7;
    flow_key_make(&kb, &b, &lb);
    CU_ASSERT(memcmp(&ka, &kb, sizeof ka) != 0);
    CU_ASSERT_NOT_EQUAL(flow_key_hash(&ka), flow_key_hash(&kb));
    /* Same address, ports swapped: still symmetric. */
    b = a;
    memcpy(b.dst_ip, a.src_ip, 16);
    b.sport = 80;
    b.dport = 40000;
    a = b;
    a.sport = 40000;
    a.dport = 80;
    flow_key_make(&ka, &a, &la);
    flow_key_make(&kb, &b, &lb);
    CU_ASSERT_EQUAL(flow_key_hash(&ka), flow_key_hash(&kb));
    CU_ASSERT_NOT_EQUAL(la, lb);
}

static int ended[4];
static void on_end(void *ctx, struct flow *f, enum flow_end why)
{
    (void)ctx;
    (void)f;
    ended[why]++;
}

static void test_flow_table_timeouts_and_eviction(void)
{
    memset(ended, 0, sizeof ended);
    flow_table_t *t = flow_table_new(3, 1000, 100, on_end, NULL);
    struct flow_key k[4];
    memset(k, 0, sizeof k);
    int created;
    for (int i = 0; i < 4; i++) {
        k[i].port[0] = (uint16_t)(1000 + i);
        k[i].proto = 6;
        k[i].family = 4;
    }
    struct flow *f0 = flow_table_get(t, &k[0], flow_key_hash(&k[0]), 10, 1, 0, &created);
    CU_ASSERT(created);
    flow_table_get(t, &k[1], flow_key_hash(&k[1]), 20, 2, 0, &created);
    flow_table_get(t, &k[2], flow_key_hash(&k[2]), 30, 3, 0, &created);
    /* Touch flow 0: flow 1 becomes the longest idle and is evicted for flow 3. */
    CU_ASSERT_PTR_EQUAL(flow_table_get(t, &k[0], flow_key_hash(&k[0]), 40, 4, 0, &created), f0);
    CU_ASSERT(!created);
    flow_table_get(t, &k[3], flow_key_hash(&k[3]), 50, 5, 0, &created);
    CU_ASSERT_EQUAL(ended[FLOW_END_EVICTED], 1);
    flow_table_get(t, &k[1], flow_key_hash(&k[1]), 60, 6, 0, &created);
    CU_ASSERT(created); /* it was gone */
    CU_ASSERT_EQUAL(ended[FLOW_END_EVICTED], 2);
    /* Closing flows end after the close timeout, others after the idle timeout. */
    struct flow *f3 = flow_table_get(t, &k[3], flow_key_hash(&k[3]), 70, 7, 0, &created);
    flow_table_closing(t, f3);
    flow_table_expire(t, 200);
    CU_ASSERT_EQUAL(ended[FLOW_END_CLOSED], 1);
    CU_ASSERT_EQUAL(ended[FLOW_END_TIMEOUT], 0);
    flow_table_expire(t, 2000);
    CU_ASSERT_EQUAL(ended[FLOW_END_TIMEOUT], 2);
    CU_ASSERT_EQUAL(flow_table_stats(t)->active, 0);
    /* A packet after the idle timeout starts a new flow with a new id. */
    struct flow *a = flow_table_get(t, &k[0], flow_key_hash(&k[0]), 3000, 8, 0, &created);
    uint64_t id = flow_id(a);
    flow_table_get(t, &k[0], flow_key_hash(&k[0]), 9000, 9, 0, &created);
    CU_ASSERT(created);
    CU_ASSERT_EQUAL(ended[FLOW_END_TIMEOUT], 3);
    struct flow *b = flow_table_get(t, &k[0], flow_key_hash(&k[0]), 9001, 10, 0, &created);
    CU_ASSERT_NOT_EQUAL(flow_id(b), id);
    flow_table_flush(t);
    CU_ASSERT_EQUAL(ended[FLOW_END_SHUTDOWN], 1);
    flow_table_free(t);
}

int main(void)
{
    static const struct tu_case cases[] = {
        {"ethernet, 802.1Q, QinQ", test_ethernet_vlans},
        {"SLL, SLL2, raw, non-IP", test_sll_sll2_raw},
        {"IPv6 extension headers", test_ipv6_extension_headers},
        {"malformed and truncated", test_malformed},
        {"IPv4 fragments in and out of order", test_fragments},
        {"IPv6 fragments in and out of order", test_fragments6},
        {"fragment timeout", test_frag_timeout},
        {"flow key symmetry", test_flow_key_symmetry},
        {"flow table timeouts and eviction", test_flow_table_timeouts_and_eviction},
        {NULL, NULL},
    };
    return tu_run("capture/decode", cases);
}
