/* test_gen_pcapw.c - checks the synthetic capture writer against an independent
 * reader (tcpdump) and by reading header bytes by hand.
 *
 * tcpdump validates IPv4 header, TCP and UDP checksums ("(correct)", "[udp sum ok]"),
 * decodes link types, VLAN tags and fragments. What it cannot show (record lengths,
 * exact header bytes, fragment reassembly) is read from the file here. If tcpdump is
 * missing the tests fail: nothing is skipped. */
#include "tests/gen/pcapw.h"
#include "tests/testutil.h"

#include <CUnit/CUnit.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define T0 1767225600000000ull /* 2026-01-01 00:00:00 UTC in microseconds */

struct rec {
    uint32_t sec, usec, caplen, origlen;
    const uint8_t *data;
};

struct cap {
    uint8_t *buf;
    size_t len;
    uint32_t magic, snaplen, link;
    uint16_t vmaj, vmin;
    int n;
    struct rec r[256];
};

static uint32_t rd32le(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint16_t be16(const uint8_t *p)
{
    return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Parse a little-endian classic pcap written on this (x86/arm64 LE) host. */
static int cap_load(struct cap *c, const char *path)
{
    memset(c, 0, sizeof *c);
    c->buf = (uint8_t *)tu_slurp(path, &c->len);
    if (!c->buf || c->len < 24)
        return -1;
    c->magic = rd32le(c->buf);
    c->vmaj = (uint16_t)(c->buf[4] | c->buf[5] << 8);
    c->vmin = (uint16_t)(c->buf[6] | c->buf[7] << 8);
    c->snaplen = rd32le(c->buf + 16);
    c->link = rd32le(c->buf + 20);
    size_t off = 24;
    while (off + 16 <= c->len && c->n < 256) {
        struct rec *r = &c->r[c->n];
        r->sec = rd32le(c->buf + off);
        r->usec = rd32le(c->buf + off + 4);
        r->caplen = rd32le(c->buf + off + 8);
        r->origlen = rd32le(c->buf + off + 12);
        off += 16;
        if (off + r->caplen > c->len)
            return -1;
        r->data = c->buf + off;
        off += r->caplen;
        c->n++;
    }
    return off == c->len ? 0 : -1;
}

static void cap_free(struct cap *c)
{
    free(c->buf);
    c->buf = NULL;
}

/* tcpdump -nn -vv -e -r path (stderr included, it carries the link-type line). */
static char *tcpdump(const char *path, const char *extra)
{
    char *out = NULL;
    int rc = tu_sh(NULL, "command -v tcpdump >/dev/null 2>&1");
    if (rc != 0) {
        fprintf(stderr, "\nFAIL: tcpdump is not installed; it is the independent reader these "
                        "tests need (apt-get install -y tcpdump)\n");
        CU_FAIL_FATAL("tcpdump is not installed (apt-get install -y tcpdump)");
    }
    rc = tu_sh(&out, "TZ=UTC tcpdump -nn -vv -e %s -r '%s' 2>&1", extra ? extra : "", path);
    CU_ASSERT_EQUAL(rc, 0);
    CU_ASSERT_PTR_NOT_NULL_FATAL(out);
    return out;
}

/* No checksum complaint from tcpdump, and every TCP/UDP packet verified. */
static void assert_sums_ok(const char *out, size_t tcp, size_t udp)
{
    CU_ASSERT_PTR_NULL(strstr(out, "(incorrect")); /* not the SLL2 interface-name warning */
    CU_ASSERT_PTR_NULL(strstr(out, "bad cksum"));
    CU_ASSERT_PTR_NULL(strstr(out, "bad udp cksum"));
    CU_ASSERT_EQUAL(tu_count(out, "cksum 0x") - tu_count(out, "bad cksum"), tcp);
    CU_ASSERT_EQUAL(tu_count(out, "(correct)"), tcp);
    CU_ASSERT_EQUAL(tu_count(out, "[udp sum ok]"), udp);
}

static size_t lines(const char *out, const char *prefix)
{
    /* packet lines start with the time of day "00:00:"; T0 is midnight UTC */
    size_t n = 0;
    const char *p = out;
    while (p && *p) {
        if (strncmp(p, prefix, strlen(prefix)) == 0)
            n++;
        p = strchr(p, '\n');
        if (p)
            p++;
    }
    return n;
}

static void eps(struct pcapw_ep *cli, struct pcapw_ep *srv, int v6)
{
    if (v6) {
        CU_ASSERT_EQUAL(pcapw_ep(cli, "2001:db8::23", 40001, "3c:28:6d:11:22:33"), 0);
        CU_ASSERT_EQUAL(pcapw_ep(srv, "2001:db8:ff::80", 80, NULL), 0);
    } else {
        CU_ASSERT_EQUAL(pcapw_ep(cli, "192.168.50.23", 40001, "3c:28:6d:11:22:33"), 0);
        CU_ASSERT_EQUAL(pcapw_ep(srv, "93.184.216.34", 80, NULL), 0);
    }
}

/* handshake, 3000 bytes at mss 1000 (3 segments + 3 ACKs), 200 back, close: 3+6+2+3 */
static void write_conv(pcapw_t *w, int v6)
{
    struct pcapw_ep cli, srv;
    eps(&cli, &srv, v6);
    pcapw_tcp_t *c = pcapw_tcp_new(w, &cli, &srv, 1000, 700000);
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    char data[3000];
    for (size_t i = 0; i < sizeof data; i++)
        data[i] = (char)('a' + i % 26);
    CU_ASSERT_EQUAL(pcapw_tcp_handshake(c, T0), 0);
    CU_ASSERT_EQUAL(pcapw_tcp_send(c, T0 + 1000, 1, data, sizeof data, 1000), 0);
    CU_ASSERT_EQUAL(pcapw_tcp_send(c, T0 + 2000, 0, data, 200, 0), 0);
    CU_ASSERT_EQUAL(pcapw_tcp_close(c, T0 + 3000, 1), 0);
    CU_ASSERT_EQUAL(pcapw_tcp_next_seq(c, 1), 1000u + 1 + 3000 + 1);
    CU_ASSERT_EQUAL(pcapw_tcp_next_seq(c, 0), 700000u + 1 + 200 + 1);
    pcapw_tcp_free(c);
}

static void test_ethernet_tcp(void)
{
    const char *path = tu_path("eth.pcap");
    char err[256];
    pcapw_t *w = pcapw_open(path, PCAPW_LINK_ETHERNET, 0, err, sizeof err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(w);
    write_conv(w, 0);
    CU_ASSERT_EQUAL(pcapw_packets(w), 14);
    uint64_t bytes = pcapw_bytes(w);
    CU_ASSERT_EQUAL(pcapw_close(w), 0);

    char *out = tcpdump(path, NULL);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "link-type EN10MB"));
    CU_ASSERT_EQUAL(lines(out, "00:00:"), 14);
    assert_sums_ok(out, 14, 0);
    CU_ASSERT_EQUAL(tu_count(out, "options [mss 1460]"), 2);
    CU_ASSERT_EQUAL(tu_count(out, "Flags [S]"), 1);
    CU_ASSERT_EQUAL(tu_count(out, "Flags [S.]"), 1);
    CU_ASSERT_EQUAL(tu_count(out, "Flags [P.]"), 4);
    CU_ASSERT_EQUAL(tu_count(out, "Flags [F.]"), 2);
    CU_ASSERT_EQUAL(tu_count(out, "ttl 64"), 14);
    CU_ASSERT_EQUAL(tu_count(out, "flags [none]"), 14); /* DF unset */
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "3c:28:6d:11:22:33 > 02:00:5d:b8:d8:22, ethertype IPv4"));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "seq 2001:3001, ack 1"));
    free(out);

    /* header bytes by hand */
    struct cap c;
    CU_ASSERT_EQUAL_FATAL(cap_load(&c, path), 0);
    CU_ASSERT_EQUAL(c.len, bytes);
    CU_ASSERT_EQUAL(c.buf[0], 0xd4); /* a1b2c3d4 in host (little-endian) order */
    CU_ASSERT_EQUAL(c.buf[3], 0xa1);
    CU_ASSERT_EQUAL(c.vmaj, 2);
    CU_ASSERT_EQUAL(c.vmin, 4);
    CU_ASSERT_EQUAL(c.snaplen, 65535);
    CU_ASSERT_EQUAL(c.link, 1);
    CU_ASSERT_EQUAL(c.n, 14);
    CU_ASSERT_EQUAL(c.r[0].sec, 1767225600u);
    CU_ASSERT_EQUAL(c.r[0].usec, 0);
    CU_ASSERT_EQUAL(c.r[1].usec, 1);
    CU_ASSERT_EQUAL(c.r[3].usec, 1000);
    CU_ASSERT_EQUAL(c.r[0].caplen, 14 + 20 + 24);
    CU_ASSERT_EQUAL(c.r[0].origlen, 14 + 20 + 24);
    CU_ASSERT_EQUAL(be16(c.r[0].data + 12), 0x0800);
    CU_ASSERT_EQUAL(c.r[0].data[14], 0x45);
    CU_ASSERT_EQUAL(c.r[0].data[14 + 8], 64);
    CU_ASSERT_EQUAL(be16(c.r[0].data + 14 + 6), 0);
    for (int i = 1; i < c.n; i++) /* ID increments across the writer */
        CU_ASSERT_EQUAL(be16(c.r[i].data + 18), (uint16_t)(be16(c.r[i - 1].data + 18) + 1));
    /* the second data segment carries bytes 1000..1999 of the stream */
    CU_ASSERT_EQUAL(c.r[5].caplen, 14 + 20 + 20 + 1000);
    CU_ASSERT_EQUAL(be32(c.r[5].data + 34 + 4), 1000u + 1 + 1000);
    CU_ASSERT_EQUAL(c.r[5].data[54], 'a' + 1000 % 26);
    CU_ASSERT_EQUAL(c.r[5].data[34 + 13], 0x18); /* PSH|ACK */
    CU_ASSERT_EQUAL(c.r[6].data[34 + 13], 0x10); /* the peer's pure ACK */
    CU_ASSERT_EQUAL(be32(c.r[6].data + 34 + 8), 1000u + 1 + 2000);
    cap_free(&c);
}

static void test_vlan_qinq(void)
{
    char err[256];
    const char *p1 = strdup(tu_path("vlan.pcap"));
    pcapw_t *w = pcapw_open(p1, PCAPW_LINK_ETHERNET, 0, err, sizeof err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(w);
    uint16_t v1 = 100;
    pcapw_set_vlans(w, 1, &v1);
    write_conv(w, 0);
    CU_ASSERT_EQUAL(pcapw_close(w), 0);
    char *out = tcpdump(p1, NULL);
    assert_sums_ok(out, 14, 0);
    CU_ASSERT_EQUAL(tu_count(out, "ethertype 802.1Q (0x8100), length"), 14);
    CU_ASSERT_EQUAL(tu_count(out, "vlan 100, p 0, ethertype IPv4"), 14);
    free(out);

    const char *p2 = strdup(tu_path("qinq.pcap"));
    w = pcapw_open(p2, PCAPW_LINK_ETHERNET, 0, err, sizeof err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(w);
    uint16_t v2[2] = {10, 20};
    pcapw_set_vlans(w, 2, v2);
    write_conv(w, 1);
    CU_ASSERT_EQUAL(pcapw_close(w), 0);
    out = tcpdump(p2, NULL);
    assert_sums_ok(out, 14, 0);
    CU_ASSERT_EQUAL(tu_count(out, "ethertype 802.1Q-QinQ (0x88a8), length"), 14);
    CU_ASSERT_EQUAL(tu_count(out, "vlan 10, p 0, ethertype 802.1Q (0x8100), vlan 20, p 0, "
                                  "ethertype IPv6"),
                    14);
    free(out);

    struct cap c;
    CU_ASSERT_EQUAL_FATAL(cap_load(&c, p2), 0);
    const uint8_t *f = c.r[0].data;
    CU_ASSERT_EQUAL(be16(f + 12), 0x88a8);
    CU_ASSERT_EQUAL(be16(f + 14), 10);
    CU_ASSERT_EQUAL(be16(f + 16), 0x8100);
    CU_ASSERT_EQUAL(be16(f + 18), 20);
    CU_ASSERT_EQUAL(be16(f + 20), 0x86dd);
    CU_ASSERT_EQUAL(f[22] >> 4, 6);
    CU_ASSERT_EQUAL(f[22 + 7], 64); /* hop limit */
    cap_free(&c);
    free((void *)p1);
    free((void *)p2);
}

static void test_cooked_and_raw(void)
{
    static const struct {
        enum pcapw_link link;
        const char *name, *banner;
        size_t hdr;
    } L[] = {
        {PCAPW_LINK_SLL, "sll.pcap", "link-type LINUX_SLL (Linux cooked v1)", 16},
        {PCAPW_LINK_SLL2, "sll2.pcap", "link-type LINUX_SLL2 (Linux cooked v2)", 20},
        {PCAPW_LINK_RAW, "raw.pcap", "link-type RAW (Raw IP)", 0},
    };
    for (size_t k = 0; k < sizeof L / sizeof L[0]; k++) {
        char err[256], *path = strdup(tu_path(L[k].name));
        pcapw_t *w = pcapw_open(path, L[k].link, 0, err, sizeof err);
        CU_ASSERT_PTR_NOT_NULL_FATAL(w);
        write_conv(w, 0);
        write_conv(w, 1);
        struct pcapw_ep a, b;
        CU_ASSERT_EQUAL(pcapw_ep(&a, "10.0.0.2", 31000, NULL), 0);
        CU_ASSERT_EQUAL(pcapw_ep(&b, "10.0.0.9", 31001, NULL), 0);
        CU_ASSERT_EQUAL(pcapw_udp(w, T0 + 9000, &a, &b, "odd", 3), 0);
        CU_ASSERT_EQUAL(pcapw_ep(&a, "fe80::2", 31000, NULL), 0);
        CU_ASSERT_EQUAL(pcapw_ep(&b, "ff02::fb", 31001, NULL), 0);
        CU_ASSERT_EQUAL(pcapw_udp(w, T0 + 9001, &a, &b, "even", 4), 0);
        CU_ASSERT_EQUAL(pcapw_close(w), 0);

        char *out = tcpdump(path, NULL);
        CU_ASSERT_PTR_NOT_NULL(strstr(out, L[k].banner));
        assert_sums_ok(out, 28, 2);
        CU_ASSERT_EQUAL(lines(out, "00:00:"), 30);
        if (L[k].link != PCAPW_LINK_RAW) {
            /* 8 client packets per conversation plus the 2 UDP are outgoing */
            CU_ASSERT_EQUAL(tu_count(out, "Out "), 8 + 8 + 2);
            CU_ASSERT_EQUAL(tu_count(out, "In "), 6 + 6);
        }
        free(out);

        struct cap c;
        CU_ASSERT_EQUAL_FATAL(cap_load(&c, path), 0);
        CU_ASSERT_EQUAL(c.link, (uint32_t)L[k].link);
        const uint8_t *f = c.r[0].data, *g = c.r[1].data; /* SYN out, SYN-ACK in */
        if (L[k].link == PCAPW_LINK_SLL) {
            CU_ASSERT_EQUAL(be16(f), 4);
            CU_ASSERT_EQUAL(be16(g), 0);
            CU_ASSERT_EQUAL(be16(f + 2), 1);
            CU_ASSERT_EQUAL(be16(f + 4), 6);
            CU_ASSERT_EQUAL(memcmp(f + 6, "\x3c\x28\x6d\x11\x22\x33\0\0", 8), 0);
            CU_ASSERT_EQUAL(be16(f + 14), 0x0800);
        } else if (L[k].link == PCAPW_LINK_SLL2) {
            CU_ASSERT_EQUAL(be16(f), 0x0800);
            CU_ASSERT_EQUAL(be16(f + 8), 1);
            CU_ASSERT_EQUAL(f[10], 4);
            CU_ASSERT_EQUAL(g[10], 0);
            CU_ASSERT_EQUAL(f[11], 6);
            CU_ASSERT_EQUAL(memcmp(f + 12, "\x3c\x28\x6d\x11\x22\x33\0\0", 8), 0);
        }
        CU_ASSERT_EQUAL(f[L[k].hdr] >> 4, 4);
        CU_ASSERT_EQUAL(c.r[14].data[L[k].hdr] >> 4, 6);
        CU_ASSERT_EQUAL(c.r[0].caplen, L[k].hdr + 44);
        cap_free(&c);
        free(path);
    }
}

static uint32_t sum16(uint32_t s, const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        s += (i & 1) ? p[i] : (uint32_t)p[i] << 8;
    return s;
}

static void test_fragments(void)
{
    char err[256];
    const char *path = tu_path("frag.pcap");
    pcapw_t *w = pcapw_open(path, PCAPW_LINK_ETHERNET, 0, err, sizeof err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(w);
    struct pcapw_ep a, b;
    CU_ASSERT_EQUAL(pcapw_ep(&a, "10.1.2.3", 33333, NULL), 0);
    CU_ASSERT_EQUAL(pcapw_ep(&b, "10.9.8.7", 9999, NULL), 0);
    uint8_t pay[3001];
    for (size_t i = 0; i < sizeof pay; i++)
        pay[i] = (uint8_t)(i * 7);
    int order[3] = {2, 0, 1};
    CU_ASSERT_EQUAL(pcapw_udp_fragmented(w, T0, &a, &b, pay, sizeof pay, 1480, order, 3), 3);
    CU_ASSERT_EQUAL(pcapw_udp_fragmented(w, T0 + 10, &a, &b, pay, 100, 1480, NULL, 0), 1);
    CU_ASSERT_EQUAL(pcapw_udp_fragmented(w, T0, &a, &b, pay, 100, 1001, NULL, 0), -1);
    CU_ASSERT_EQUAL(pcapw_udp_fragmented(w, T0, &a, &b, pay, 3000, 1480, (int[]){3}, 1), -1);
    CU_ASSERT_EQUAL(pcapw_close(w), 0);

    char *out = tcpdump(path, NULL);
    CU_ASSERT_EQUAL(lines(out, "00:00:"), 4);
    CU_ASSERT_PTR_NULL(strstr(out, "bad cksum"));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "offset 2960, flags [none], proto UDP (17), length 69"));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "offset 0, flags [+], proto UDP (17), length 1500"));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "offset 1480, flags [+], proto UDP (17), length 1500"));
    CU_ASSERT_EQUAL(tu_count(out, "id 1, "), 3);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "UDP, length 3001"));
    CU_ASSERT_EQUAL(tu_count(out, "[udp sum ok]"), 1); /* the unfragmented one */
    free(out);

    /* reassemble by hand and verify the UDP checksum over the pseudo-header */
    struct cap c;
    CU_ASSERT_EQUAL_FATAL(cap_load(&c, path), 0);
    CU_ASSERT_EQUAL_FATAL(c.n, 4);
    uint8_t dg[3009];
    size_t got = 0;
    for (int i = 0; i < 3; i++) {
        const uint8_t *ip = c.r[i].data + 14;
        size_t off = (size_t)(be16(ip + 6) & 0x1fff) * 8, n = be16(ip + 2) - 20u;
        CU_ASSERT_EQUAL(be16(ip + 4), 1);
        CU_ASSERT_EQUAL_FATAL(off + n <= sizeof dg, 1);
        memcpy(dg + off, ip + 20, n);
        got += n;
    }
    CU_ASSERT_EQUAL(got, sizeof dg);
    CU_ASSERT_EQUAL(memcmp(dg + 8, pay, sizeof pay), 0);
    uint8_t ph[12] = {10, 1, 2, 3, 10, 9, 8, 7, 0, 17, sizeof dg >> 8, sizeof dg & 0xff};
    uint32_t s = sum16(sum16(0, ph, 12), dg, sizeof dg);
    while (s >> 16)
        s = (s & 0xffff) + (s >> 16);
    CU_ASSERT_EQUAL(s, 0xffff);
    cap_free(&c);
}

static void test_cuts_reorder_retransmit(void)
{
    char err[256];
    const char *path = tu_path("cuts.pcap");
    pcapw_t *w = pcapw_open(path, PCAPW_LINK_ETHERNET, 0, err, sizeof err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(w);
    struct pcapw_ep cli, srv;
    eps(&cli, &srv, 0);
    pcapw_tcp_t *c = pcapw_tcp_new(w, &cli, &srv, 100, 5000);
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    CU_ASSERT_EQUAL(pcapw_tcp_handshake(c, T0), 0);
    const char *msg = "0123456789abcdefghijABCDEFGHIJ";
    size_t cuts[2] = {10, 20};
    int order[4] = {2, 0, 1, 1};
    CU_ASSERT_EQUAL(pcapw_tcp_send_cuts(c, T0 + 100, 1, msg, 30, cuts, 2, order, 4), 0);
    CU_ASSERT_EQUAL(pcapw_last_ts(w), T0 + 100 + 7);
    CU_ASSERT_EQUAL(pcapw_tcp_next_seq(c, 1), 131u);
    size_t bad[2] = {20, 10};
    CU_ASSERT_EQUAL(pcapw_tcp_send_cuts(c, T0 + 200, 1, msg, 30, bad, 2, NULL, 0), -1);
    CU_ASSERT_EQUAL(pcapw_tcp_send_cuts(c, T0 + 200, 1, msg, 30, cuts, 2, (int[]){3}, 1), -1);
    CU_ASSERT_EQUAL(pcapw_tcp_segment_at(c, T0 + 300, 1, -5, "FGHIJ", 5), 0);
    pcapw_tcp_skip(c, 1, 1000);
    CU_ASSERT_EQUAL(pcapw_tcp_segment_at(c, T0 + 400, 1, 0, "after-gap", 9), 0);
    CU_ASSERT_EQUAL(pcapw_tcp_reset(c, T0 + 500, 0), 0);
    pcapw_tcp_free(c);
    CU_ASSERT_EQUAL(pcapw_close(w), 0);

    char *out = tcpdump(path, "-S");
    CU_ASSERT_EQUAL(lines(out, "00:00:"), 3 + 8 + 3);
    assert_sums_ok(out, 14, 0);
    /* data in the given order with absolute sequence numbers; cumulative ACKs */
    const char *want[] = {"seq 121:131, ack 5001", "ack 101,",       "seq 101:111, ack 5001",
                          "ack 111,",              "seq 111:121",    "ack 131,",
                          "seq 111:121",           "ack 131,",       "seq 126:131",
                          "seq 1131:1140",         "Flags [R.], cksum", NULL};
    const char *p = out;
    for (int i = 0; want[i]; i++) {
        const char *q = strstr(p, want[i]);
        CU_ASSERT_PTR_NOT_NULL(q);
        if (!q) {
            fprintf(stderr, "\nmissing in order: %s\n", want[i]);
            break;
        }
        p = q + strlen(want[i]);
    }
    free(out);
    struct cap k;
    CU_ASSERT_EQUAL_FATAL(cap_load(&k, path), 0);
    CU_ASSERT_EQUAL(memcmp(k.r[3].data + 54, "ABCDEFGHIJ", 10), 0);
    CU_ASSERT_EQUAL(memcmp(k.r[5].data + 54, "0123456789", 10), 0);
    cap_free(&k);
}

static void test_snaplen_and_raw(void)
{
    char err[256];
    const char *path = tu_path("snap.pcap");
    pcapw_t *w = pcapw_open(path, PCAPW_LINK_ETHERNET, 60, err, sizeof err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(w);
    struct pcapw_ep a, b;
    CU_ASSERT_EQUAL(pcapw_ep(&a, "10.0.0.1", 1000, "00:00:5e:00:53:01"), 0);
    CU_ASSERT_EQUAL(pcapw_ep(&b, "10.0.0.2", 2000, "00:00:5e:00:53:02"), 0);
    char big[1000];
    memset(big, 'x', sizeof big);
    CU_ASSERT_EQUAL(pcapw_udp(w, T0, &a, &b, big, sizeof big), 0);
    const uint8_t junk[8] = {1, 2, 3, 4, 5, 6, 7, 8};
    CU_ASSERT_EQUAL(pcapw_raw(w, T0 + 2500000, junk, sizeof junk, 1514), 0);
    CU_ASSERT_EQUAL(pcapw_close(w), 0);

    struct cap c;
    CU_ASSERT_EQUAL_FATAL(cap_load(&c, path), 0);
    CU_ASSERT_EQUAL(c.snaplen, 60);
    CU_ASSERT_EQUAL_FATAL(c.n, 2);
    CU_ASSERT_EQUAL(c.r[0].caplen, 60);
    CU_ASSERT_EQUAL(c.r[0].origlen, 14 + 20 + 8 + 1000);
    CU_ASSERT_EQUAL(c.r[1].caplen, 8);
    CU_ASSERT_EQUAL(c.r[1].origlen, 1514);
    CU_ASSERT_EQUAL(c.r[1].sec, 1767225602u);
    CU_ASSERT_EQUAL(c.r[1].usec, 500000u);
    CU_ASSERT_EQUAL(memcmp(c.r[1].data, junk, 8), 0);
    cap_free(&c);
    char *out = tcpdump(path, NULL);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "snapshot length 60"));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "00:00:5e:00:53:01 > 00:00:5e:00:53:02"));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "length 1042"));
    free(out);
}

static void test_bad_arguments(void)
{
    struct pcapw_ep e, v6;
    CU_ASSERT_EQUAL(pcapw_ep(&e, "300.1.1.1", 1, NULL), -1);
    CU_ASSERT_EQUAL(pcapw_ep(&e, "10.0.0.1", 1, "zz:00:00:00:00:00"), -1);
    CU_ASSERT_EQUAL(pcapw_ep(&e, "10.0.0.1", 1, "00:00:00:00:00"), -1);
    CU_ASSERT_EQUAL(pcapw_ep(&e, "10.0.0.1", 1, "00:00:00:00:00:00:11"), -1);
    CU_ASSERT_EQUAL(pcapw_ep(&e, "10.0.0.1", 1, NULL), 0);
    CU_ASSERT_EQUAL(e.family, 4);
    CU_ASSERT_EQUAL(pcapw_ep(&v6, "::1", 1, NULL), 0);
    CU_ASSERT_EQUAL(v6.family, 6);

    char err[256] = "";
    CU_ASSERT_PTR_NULL(pcapw_open("/nonexistent-dir/x.pcap", PCAPW_LINK_ETHERNET, 0, err,
                                  sizeof err));
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "/nonexistent-dir/x.pcap"));
    CU_ASSERT_PTR_NULL(pcapw_open(tu_path("bad.pcap"), (enum pcapw_link)2, 0, err, sizeof err));
    CU_ASSERT_EQUAL(pcapw_close(NULL), 0);
    pcapw_tcp_free(NULL);

    pcapw_t *w = pcapw_open(tu_path("mixed.pcap"), PCAPW_LINK_RAW, 0, err, sizeof err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(w);
    CU_ASSERT_EQUAL(pcapw_udp(w, T0, &e, &v6, "x", 1), -1);     /* mixed families */
    CU_ASSERT_PTR_NULL(pcapw_tcp_new(w, &e, &v6, 1, 2));
    CU_ASSERT_EQUAL(pcapw_udp_fragmented(w, T0, &v6, &v6, "x", 1, 8, NULL, 0), -1);
    static char huge[70000];
    CU_ASSERT_EQUAL(pcapw_udp(w, T0, &e, &e, huge, sizeof huge), -1);
    CU_ASSERT_EQUAL(pcapw_packets(w), 0);
    CU_ASSERT_EQUAL(pcapw_close(w), 0);
}

int main(void)
{
    static const struct tu_case cases[] = {
        {"ethernet tcp conversation", test_ethernet_tcp},
        {"802.1Q and QinQ", test_vlan_qinq},
        {"sll, sll2 and raw links, ipv6, udp", test_cooked_and_raw},
        {"ipv4 fragments", test_fragments},
        {"cut, reordered and retransmitted segments", test_cuts_reorder_retransmit},
        {"snaplen and raw records", test_snaplen_and_raw},
        {"bad arguments", test_bad_arguments},
        {NULL, NULL},
    };
    return tu_run("gen_pcapw", cases);
}
