/* pcapw.c - synthetic capture writer (see pcapw.h).
 *
 * Every frame is built in one buffer held by the writer: the IP packet is laid out at
 * a fixed offset and the link-layer header is prepended in front of it, so writing a
 * packet costs no allocation. Checksums (IPv4 header, TCP/UDP with the IPv4 or IPv6
 * pseudo-header) are always correct; tests that want broken packets write them with
 * pcapw_raw().
 *
 * Deliberately not handled: IPv6 fragmentation, IP options, TCP options other than MSS
 * on SYN/SYN-ACK, TCP window scaling or SACK, nanosecond pcap or pcapng output. */
#include "tests/gen/pcapw.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PCAPW_MAGIC 0xa1b2c3d4u
#define PCAPW_IP_MAX 65535u
/* Room in front of the IP packet for the longest link header:
 * Ethernet 14 + two VLAN tags 8 = 22, SLL 16, SLL2 20. */
#define PCAPW_HEADROOM 32u
/* Room behind it for a PCAPdroid trailer and its alignment padding. */
#define PCAPW_TAILROOM 32u
#define PCAPDROID_MAGIC 0x01072021u
#define PCAPDROID_TRAILER 28u

#define TCP_FIN 0x01
#define TCP_SYN 0x02
#define TCP_RST 0x04
#define TCP_PSH 0x08
#define TCP_ACK 0x10

#define SLL_HOST 0     /* addressed to the capturing host */
#define SLL_OUTGOING 4 /* sent by the capturing host */

struct pcapw {
    FILE *f;
    enum pcapw_link link;
    uint32_t snaplen;
    int nvlan;
    uint16_t vids[2];
    uint16_t ip_id;
    int failed;
    uint64_t packets;
    uint64_t bytes;
    uint64_t last_ts;
    int32_t pd_uid;           /* PCAPdroid trailer: the app's UID, < 0 for none */
    char pd_label[20];
    /* Reused for every frame: headroom for the link header, then the IP packet. */
    uint8_t frame[PCAPW_HEADROOM + PCAPW_IP_MAX + PCAPW_TAILROOM];
    /* A whole UDP datagram before it is cut into fragments. */
    uint8_t dgram[PCAPW_IP_MAX];
};

struct pcapw_tcp {
    pcapw_t *w;
    struct pcapw_ep ep[2]; /* [0] client, [1] server */
    uint32_t nxt[2];       /* next sequence number each side sends */
};

static const uint8_t default_mac_prefix[2] = {0x02, 0x00}; /* locally administered */

static void put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

static uint32_t csum_add(uint32_t sum, const uint8_t *p, size_t n)
{
    size_t i;
    for (i = 0; i + 1 < n; i += 2)
        sum += (uint32_t)p[i] << 8 | p[i + 1];
    if (n & 1)
        sum += (uint32_t)p[n - 1] << 8;
    return sum;
}

static uint16_t csum_fold(uint32_t sum)
{
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return (uint16_t)~sum;
}

static int ip_hdr_len(int family)
{
    return family == 4 ? 20 : 40;
}

static int mac_is_zero(const uint8_t *m)
{
    static const uint8_t zero[6];
    return memcmp(m, zero, 6) == 0;
}

/* A MAC derived from the address keeps endpoints distinct without the caller naming one. */
static void default_mac(uint8_t *mac, const struct pcapw_ep *ep)
{
    const uint8_t *tail = ep->family == 6 ? ep->ip + 12 : ep->ip;
    memcpy(mac, default_mac_prefix, 2);
    memcpy(mac + 2, tail, 4);
}

static void ep_mac(uint8_t *mac, const struct pcapw_ep *ep)
{
    if (mac_is_zero(ep->mac))
        default_mac(mac, ep);
    else
        memcpy(mac, ep->mac, 6);
}

int pcapw_ep(struct pcapw_ep *ep, const char *ip, uint16_t port, const char *mac)
{
    memset(ep, 0, sizeof *ep);
    if (!ip)
        return -1;
    if (inet_pton(AF_INET, ip, ep->ip) == 1)
        ep->family = 4;
    else if (inet_pton(AF_INET6, ip, ep->ip) == 1)
        ep->family = 6;
    else
        return -1;
    ep->port = port;
    if (mac) {
        unsigned v[6];
        char tail;
        if (sscanf(mac, "%2x:%2x:%2x:%2x:%2x:%2x%c", &v[0], &v[1], &v[2], &v[3], &v[4],
                   &v[5], &tail) != 6)
            return -1;
        for (int i = 0; i < 6; i++)
            ep->mac[i] = (uint8_t)v[i];
    } else {
        default_mac(ep->mac, ep);
    }
    return 0;
}

static void writebytes(pcapw_t *w, const void *p, size_t n)
{
    if (fwrite(p, 1, n, w->f) != n)
        w->failed = 1;
    w->bytes += n;
}

pcapw_t *pcapw_open(const char *path, enum pcapw_link link, uint32_t snaplen, char *err,
                    size_t errlen)
{
    pcapw_t *w = NULL;
    if (link != PCAPW_LINK_ETHERNET && link != PCAPW_LINK_RAW && link != PCAPW_LINK_SLL &&
        link != PCAPW_LINK_SLL2) {
        snprintf(err, errlen, "pcapw: unsupported link type %d", (int)link);
        goto fail;
    }
    w = calloc(1, sizeof *w);
    if (!w) {
        snprintf(err, errlen, "pcapw: out of memory");
        goto fail;
    }
    w->f = fopen(path, "wb");
    if (!w->f) {
        snprintf(err, errlen, "pcapw: cannot create %s: %s", path, strerror(errno));
        goto fail;
    }
    /* Large benchmark captures are written much faster through a big stdio buffer. */
    setvbuf(w->f, NULL, _IOFBF, 1 << 20);
    w->link = link;
    w->snaplen = snaplen ? snaplen : 65535;
    w->ip_id = 1;
    w->pd_uid = -1;

    uint32_t hdr[6] = {PCAPW_MAGIC, 0, 0, 0, w->snaplen, (uint32_t)link};
    /* version 2.4 as two host-order 16-bit fields, like the magic number */
    uint16_t ver[2] = {2, 4};
    memcpy(&hdr[1], ver, sizeof ver);
    writebytes(w, hdr, sizeof hdr);
    if (w->failed) {
        snprintf(err, errlen, "pcapw: cannot write %s: %s", path, strerror(errno));
        goto fail;
    }
    return w;
fail:
    if (w && w->f)
        fclose(w->f);
    free(w);
    return NULL;
}

int pcapw_close(pcapw_t *w)
{
    if (!w)
        return 0;
    int rc = w->failed ? -1 : 0;
    if (fclose(w->f) != 0)
        rc = -1;
    free(w);
    return rc;
}

void pcapw_set_vlans(pcapw_t *w, int n, const uint16_t *vids)
{
    if (n < 0 || !vids)
        n = 0;
    if (n > 2)
        n = 2;
    w->nvlan = n;
    for (int i = 0; i < n; i++)
        w->vids[i] = vids[i] & 0x0fff;
}

void pcapw_set_pcapdroid(pcapw_t *w, int32_t uid, const char *label)
{
    w->pd_uid = uid;
    memset(w->pd_label, 0, sizeof w->pd_label);
    if (label)
        strncpy(w->pd_label, label, sizeof w->pd_label - 1);
}

/* CRC-32 as zlib computes it (reflected 0xEDB88320), bit by bit: written here rather
 * than taken from zlib so the reader's check (zlib) meets an independent writer. */
static uint32_t crc32_bitwise(const uint8_t *p, size_t n)
{
    uint32_t c = 0xffffffffu;
    for (size_t i = 0; i < n; i++) {
        c ^= p[i];
        for (int k = 0; k < 8; k++)
            c = (c >> 1) ^ (0xedb88320u & (0u - (c & 1)));
    }
    return ~c;
}

/* Pad frame[0..len) to 4 bytes and append the trailer; the new length. */
static size_t pcapdroid_trailer(const pcapw_t *w, uint8_t *frame, size_t len)
{
    while (len % 4)
        frame[len++] = 0;
    uint8_t *t = frame + len;
    put32(t, PCAPDROID_MAGIC);
    put32(t + 4, (uint32_t)w->pd_uid);
    memcpy(t + 8, w->pd_label, sizeof w->pd_label);
    uint32_t fcs = crc32_bitwise(frame, len + PCAPDROID_TRAILER - 4);
    for (int i = 0; i < 4; i++)  /* the phone's byte order: little-endian */
        t[24 + i] = (uint8_t)(fcs >> (8 * i));
    return len + PCAPDROID_TRAILER;
}

uint64_t pcapw_packets(const pcapw_t *w)
{
    return w->packets;
}

uint64_t pcapw_bytes(const pcapw_t *w)
{
    return w->bytes;
}

uint64_t pcapw_last_ts(const pcapw_t *w)
{
    return w->last_ts;
}

int pcapw_raw(pcapw_t *w, uint64_t ts_us, const void *frame, size_t len, size_t orig_len)
{
    if (!w || (!frame && len) || len > UINT32_MAX)
        return -1;
    if (orig_len == 0)
        orig_len = len;
    uint32_t caplen = len > w->snaplen ? w->snaplen : (uint32_t)len;
    uint32_t rec[4] = {(uint32_t)(ts_us / 1000000u), (uint32_t)(ts_us % 1000000u), caplen,
                       (uint32_t)(orig_len > UINT32_MAX ? UINT32_MAX : orig_len)};
    writebytes(w, rec, sizeof rec);
    writebytes(w, frame, caplen);
    w->packets++;
    w->last_ts = ts_us;
    return w->failed ? -1 : 0;
}

/* Prepend the link header in front of the IP packet at w->frame + PCAPW_HEADROOM and
 * write the record. outgoing only matters for the Linux cooked headers. */
static int emit_ip(pcapw_t *w, uint64_t ts_us, int outgoing, const struct pcapw_ep *src,
                   const struct pcapw_ep *dst, size_t iplen)
{
    uint8_t *ip = w->frame + PCAPW_HEADROOM;
    uint16_t etype = src->family == 4 ? 0x0800 : 0x86dd;
    uint8_t smac[6], dmac[6];
    uint8_t *p = ip;
    int pcapdroid = w->pd_uid >= 0 && w->link == PCAPW_LINK_ETHERNET;
    ep_mac(smac, src);
    ep_mac(dmac, dst);
    if (pcapdroid) { /* its bogus Ethernet header */
        memset(smac, 0, 6);
        memset(dmac, 0, 6);
    }

    switch (w->link) {
    case PCAPW_LINK_ETHERNET:
        put16(p -= 2, etype);
        /* Tags are built inner first because the header grows backwards. */
        for (int i = w->nvlan - 1; i >= 0; i--) {
            put16(p -= 2, w->vids[i]);
            put16(p -= 2, (w->nvlan == 2 && i == 0) ? 0x88a8 : 0x8100);
        }
        memcpy(p -= 6, smac, 6);
        memcpy(p -= 6, dmac, 6);
        break;
    case PCAPW_LINK_SLL:
        p -= 16;
        put16(p, outgoing ? SLL_OUTGOING : SLL_HOST);
        put16(p + 2, 1); /* ARPHRD_ETHER */
        put16(p + 4, 6);
        memcpy(p + 6, smac, 6);
        p[12] = p[13] = 0;
        put16(p + 14, etype);
        break;
    case PCAPW_LINK_SLL2:
        p -= 20;
        put16(p, etype);
        put16(p + 2, 0);
        put32(p + 4, 1); /* interface index */
        put16(p + 8, 1); /* ARPHRD_ETHER */
        p[10] = outgoing ? SLL_OUTGOING : SLL_HOST;
        p[11] = 6;
        memcpy(p + 12, smac, 6);
        p[18] = p[19] = 0;
        break;
    case PCAPW_LINK_RAW:
        break;
    }
    size_t len = (size_t)(ip - p) + iplen;
    if (pcapdroid)
        len = pcapdroid_trailer(w, p, len);
    return pcapw_raw(w, ts_us, p, len, 0);
}

/* Fill the IP header in front of an l4len-byte payload already at its place. */
static void build_ip(pcapw_t *w, const struct pcapw_ep *src, const struct pcapw_ep *dst,
                     uint8_t proto, size_t l4len, uint16_t id, uint16_t frag)
{
    uint8_t *ip = w->frame + PCAPW_HEADROOM;
    if (src->family == 4) {
        ip[0] = 0x45;
        ip[1] = 0;
        put16(ip + 2, (uint16_t)(20 + l4len));
        put16(ip + 4, id);
        put16(ip + 6, frag);
        ip[8] = 64;
        ip[9] = proto;
        put16(ip + 10, 0);
        memcpy(ip + 12, src->ip, 4);
        memcpy(ip + 16, dst->ip, 4);
        put16(ip + 10, csum_fold(csum_add(0, ip, 20)));
    } else {
        put32(ip, 0x60000000u);
        put16(ip + 4, (uint16_t)l4len);
        ip[6] = proto;
        ip[7] = 64;
        memcpy(ip + 8, src->ip, 16);
        memcpy(ip + 24, dst->ip, 16);
    }
}

static uint32_t pseudo_sum(const struct pcapw_ep *src, const struct pcapw_ep *dst,
                           uint8_t proto, size_t l4len)
{
    uint8_t ph[40];
    if (src->family == 4) {
        memcpy(ph, src->ip, 4);
        memcpy(ph + 4, dst->ip, 4);
        ph[8] = 0;
        ph[9] = proto;
        put16(ph + 10, (uint16_t)l4len);
        return csum_add(0, ph, 12);
    }
    uint32_t sum = csum_add(0, src->ip, 16);
    sum = csum_add(sum, dst->ip, 16);
    put32(ph, (uint32_t)l4len);
    ph[4] = ph[5] = ph[6] = 0;
    ph[7] = proto;
    return csum_add(sum, ph, 8);
}

static int check_eps(const struct pcapw_ep *src, const struct pcapw_ep *dst)
{
    if (!src || !dst || (src->family != 4 && src->family != 6) || src->family != dst->family)
        return -1;
    return 0;
}

/* Write one unfragmented IP packet carrying an L4 header and payload; the checksum at
 * csum_off inside the L4 header is filled here. */
static int emit_l4(pcapw_t *w, uint64_t ts_us, int outgoing, const struct pcapw_ep *src,
                   const struct pcapw_ep *dst, uint8_t proto, const uint8_t *hdr,
                   size_t hlen, size_t csum_off, const void *payload, size_t plen)
{
    if (check_eps(src, dst) < 0)
        return -1;
    size_t iph = (size_t)ip_hdr_len(src->family);
    size_t l4len = hlen + plen;
    if (iph + l4len > PCAPW_IP_MAX || (plen && !payload))
        return -1;
    uint8_t *l4 = w->frame + PCAPW_HEADROOM + iph;
    memcpy(l4, hdr, hlen);
    if (plen)
        memcpy(l4 + hlen, payload, plen);
    put16(l4 + csum_off, 0);
    uint16_t ck = csum_fold(csum_add(pseudo_sum(src, dst, proto, l4len), l4, l4len));
    if (proto == 17 && ck == 0)
        ck = 0xffff; /* zero means "no checksum" for UDP */
    put16(l4 + csum_off, ck);
    build_ip(w, src, dst, proto, l4len, src->family == 4 ? w->ip_id++ : 0, 0);
    return emit_ip(w, ts_us, outgoing, src, dst, iph + l4len);
}

int pcapw_udp(pcapw_t *w, uint64_t ts_us, const struct pcapw_ep *src,
              const struct pcapw_ep *dst, const void *payload, size_t len)
{
    if (!w || check_eps(src, dst) < 0 || len > 65535 - 8)
        return -1;
    uint8_t h[8];
    put16(h, src->port);
    put16(h + 2, dst->port);
    put16(h + 4, (uint16_t)(8 + len));
    put16(h + 6, 0);
    return emit_l4(w, ts_us, 1, src, dst, 17, h, 8, 6, payload, len);
}

int pcapw_udp_fragmented(pcapw_t *w, uint64_t ts_us, const struct pcapw_ep *src,
                         const struct pcapw_ep *dst, const void *payload, size_t len,
                         size_t frag_payload, const int *order, int norder)
{
    if (!w || check_eps(src, dst) < 0 || src->family != 4 || frag_payload == 0 ||
        frag_payload % 8 || len > PCAPW_IP_MAX - 28 || (len && !payload))
        return -1;
    size_t dlen = 8 + len;
    uint8_t *d = w->dgram;
    put16(d, src->port);
    put16(d + 2, dst->port);
    put16(d + 4, (uint16_t)dlen);
    put16(d + 6, 0);
    if (len)
        memcpy(d + 8, payload, len);
    uint16_t ck = csum_fold(csum_add(pseudo_sum(src, dst, 17, dlen), d, dlen));
    put16(d + 6, ck ? ck : 0xffff);

    int nfrag = (int)((dlen + frag_payload - 1) / frag_payload);
    if (!order)
        norder = nfrag;
    for (int i = 0; order && i < norder; i++)
        if (order[i] < 0 || order[i] >= nfrag)
            return -1;
    uint16_t id = w->ip_id++;
    for (int i = 0; i < norder; i++) {
        int k = order ? order[i] : i;
        size_t off = (size_t)k * frag_payload;
        size_t n = dlen - off < frag_payload ? dlen - off : frag_payload;
        uint16_t frag = (uint16_t)(off / 8);
        if (k < nfrag - 1)
            frag |= 0x2000; /* MF */
        memcpy(w->frame + PCAPW_HEADROOM + 20, d + off, n);
        build_ip(w, src, dst, 17, n, id, frag);
        if (emit_ip(w, ts_us + (uint64_t)i, 1, src, dst, 20 + n) < 0)
            return -1;
    }
    return norder;
}

pcapw_tcp_t *pcapw_tcp_new(pcapw_t *w, const struct pcapw_ep *cli,
                           const struct pcapw_ep *srv, uint32_t isn_cli, uint32_t isn_srv)
{
    if (!w || check_eps(cli, srv) < 0)
        return NULL;
    pcapw_tcp_t *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    c->w = w;
    c->ep[0] = *cli;
    c->ep[1] = *srv;
    c->nxt[0] = isn_cli;
    c->nxt[1] = isn_srv;
    return c;
}

void pcapw_tcp_free(pcapw_tcp_t *c)
{
    free(c);
}

uint32_t pcapw_tcp_next_seq(const pcapw_tcp_t *c, int from_client)
{
    return c->nxt[from_client ? 0 : 1];
}

/* side 0 = client. The capture point is taken to be the client's host, so client
 * packets are "outgoing" in the Linux cooked headers. */
static int tcp_emit(pcapw_tcp_t *c, uint64_t ts_us, int side, uint32_t seq, uint8_t flags,
                    const void *data, size_t len)
{
    uint8_t h[24];
    size_t hlen = (flags & TCP_SYN) ? 24 : 20;
    const struct pcapw_ep *s = &c->ep[side], *d = &c->ep[!side];
    put16(h, s->port);
    put16(h + 2, d->port);
    put32(h + 4, seq);
    put32(h + 8, (flags & TCP_ACK) ? c->nxt[!side] : 0);
    h[12] = (uint8_t)((hlen / 4) << 4);
    h[13] = flags;
    put16(h + 14, 65535);
    put16(h + 16, 0);
    put16(h + 18, 0);
    if (hlen == 24) {
        uint16_t mss = s->family == 4 ? 1460 : 1440;
        h[20] = 2; /* MSS option */
        h[21] = 4;
        put16(h + 22, mss);
    }
    return emit_l4(c->w, ts_us, side == 0, s, d, 6, h, hlen, 16, data, len);
}

static int side_of(int from_client)
{
    return from_client ? 0 : 1;
}

int pcapw_tcp_syn(pcapw_tcp_t *c, uint64_t ts_us)
{
    if (!c || tcp_emit(c, ts_us, 0, c->nxt[0], TCP_SYN, NULL, 0) < 0)
        return -1;
    c->nxt[0]++;
    return 0;
}

int pcapw_tcp_handshake(pcapw_tcp_t *c, uint64_t ts_us)
{
    if (!c || tcp_emit(c, ts_us, 0, c->nxt[0], TCP_SYN, NULL, 0) < 0)
        return -1;
    c->nxt[0]++;
    if (tcp_emit(c, ts_us + 1, 1, c->nxt[1], TCP_SYN | TCP_ACK, NULL, 0) < 0)
        return -1;
    c->nxt[1]++;
    return tcp_emit(c, ts_us + 2, 0, c->nxt[0], TCP_ACK, NULL, 0);
}

/* One data segment at seq then the peer's acknowledgement of ack_to. */
static int tcp_data_acked(pcapw_tcp_t *c, uint64_t ts_us, int side, uint32_t seq,
                          const uint8_t *data, size_t len, uint32_t ack_to)
{
    if (tcp_emit(c, ts_us, side, seq, TCP_PSH | TCP_ACK, data, len) < 0)
        return -1;
    /* The peer's ACK field is taken from c->nxt[side]; borrow it for this one packet. */
    uint32_t saved = c->nxt[side];
    c->nxt[side] = ack_to;
    int rc = tcp_emit(c, ts_us + 1, !side, c->nxt[!side], TCP_ACK, NULL, 0);
    c->nxt[side] = saved;
    return rc;
}

int pcapw_tcp_send(pcapw_tcp_t *c, uint64_t ts_us, int from_client, const void *data,
                   size_t len, size_t mss)
{
    if (!c || (len && !data))
        return -1;
    if (mss == 0)
        mss = 1460;
    int side = side_of(from_client);
    const uint8_t *p = data;
    for (size_t off = 0; off < len; off += mss) {
        size_t n = len - off < mss ? len - off : mss;
        uint32_t seq = c->nxt[side];
        if (tcp_data_acked(c, ts_us, side, seq, p + off, n, seq + (uint32_t)n) < 0)
            return -1;
        c->nxt[side] = seq + (uint32_t)n;
        ts_us += 2;
    }
    return 0;
}

int pcapw_tcp_send_cuts(pcapw_tcp_t *c, uint64_t ts_us, int from_client, const void *data,
                        size_t len, const size_t *cuts, int ncuts, const int *order,
                        int norder)
{
    if (!c || (len && !data) || ncuts < 0 || (ncuts && !cuts))
        return -1;
    for (int i = 0; i < ncuts; i++)
        if (cuts[i] >= len || (i && cuts[i] <= cuts[i - 1]) || cuts[i] == 0)
            return -1;
    int nseg = ncuts + 1;
    if (!order)
        norder = nseg;
    for (int i = 0; order && i < norder; i++)
        if (order[i] < 0 || order[i] >= nseg)
            return -1;
    unsigned char *got = calloc((size_t)nseg, 1);
    if (!got)
        return -1;
    int side = side_of(from_client);
    uint32_t base = c->nxt[side];
    const uint8_t *p = data;
    int rc = 0, contig = 0;
    for (int i = 0; i < norder; i++) {
        int k = order ? order[i] : i;
        size_t start = k ? cuts[k - 1] : 0;
        size_t end = k < ncuts ? cuts[k] : len;
        got[k] = 1;
        /* The receiver acknowledges what it holds contiguously: a reordered segment
         * draws a duplicate ACK, as a real stack would send. */
        while (contig < nseg && got[contig])
            contig++;
        size_t acked = contig == 0 ? 0 : contig <= ncuts ? cuts[contig - 1] : len;
        rc = tcp_data_acked(c, ts_us + 2 * (uint64_t)i, side, base + (uint32_t)start,
                            p + start, end - start, base + (uint32_t)acked);
        if (rc < 0)
            break;
    }
    free(got);
    c->nxt[side] = base + (uint32_t)len;
    return rc;
}

int pcapw_tcp_segment_at(pcapw_tcp_t *c, uint64_t ts_us, int from_client, int64_t rel_seq,
                         const void *data, size_t len)
{
    if (!c || (len && !data))
        return -1;
    int side = side_of(from_client);
    return tcp_emit(c, ts_us, side, c->nxt[side] + (uint32_t)rel_seq, TCP_PSH | TCP_ACK, data,
                    len);
}

void pcapw_tcp_skip(pcapw_tcp_t *c, int from_client, size_t len)
{
    c->nxt[side_of(from_client)] += (uint32_t)len;
}

int pcapw_tcp_close(pcapw_tcp_t *c, uint64_t ts_us, int from_client)
{
    if (!c)
        return -1;
    int a = side_of(from_client), b = !a;
    if (tcp_emit(c, ts_us, a, c->nxt[a], TCP_FIN | TCP_ACK, NULL, 0) < 0)
        return -1;
    c->nxt[a]++;
    if (tcp_emit(c, ts_us + 1, b, c->nxt[b], TCP_FIN | TCP_ACK, NULL, 0) < 0)
        return -1;
    c->nxt[b]++;
    return tcp_emit(c, ts_us + 2, a, c->nxt[a], TCP_ACK, NULL, 0);
}

int pcapw_tcp_reset(pcapw_tcp_t *c, uint64_t ts_us, int from_client)
{
    if (!c)
        return -1;
    int a = side_of(from_client);
    return tcp_emit(c, ts_us, a, c->nxt[a], TCP_RST | TCP_ACK, NULL, 0);
}
