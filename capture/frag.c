/* frag.c - see frag.h. A datagram in progress keeps its bytes in a 64 KiB buffer and
 * which 8-byte blocks are filled in a bitmap: simple, and the bound (max_datagrams
 * buffers) is the memory cost, paid only while fragments are in flight.
 *
 * IPv6: the rebuilt datagram is the fixed 40-byte header of the first fragment with
 * its next header set to the fragment header's; extension headers in front of the
 * fragment header (hop-by-hop, routing) are dropped: nothing downstream reads them. */
#include "capture/frag.h"

#include <stdlib.h>
#include <string.h>

#include "common/bytes.h"

#define FRAG_MAX 65535u
#define FRAG_BLOCKS (65536u / 8)

struct frag_dgram {
    int used;
    uint8_t family;
    uint8_t src[16], dst[16];
    uint32_t id;
    uint8_t proto;
    uint64_t first_ts;
    uint32_t total;          /* payload length, known once the last fragment came */
    uint32_t hlen;           /* header of the offset-0 fragment, 0 until seen */
    uint8_t hdr[60];
    uint8_t *data;           /* FRAG_MAX bytes of payload */
    uint8_t have[FRAG_BLOCKS / 8];
};

struct frag_table {
    struct frag_dgram *d;
    size_t n;
    uint64_t timeout_us;
    struct frag_stats st;
};

frag_table_t *frag_new(size_t max_datagrams, uint64_t timeout_us)
{
    frag_table_t *t = calloc(1, sizeof *t);
    if (!t)
        return NULL;
    t->d = calloc(max_datagrams ? max_datagrams : 1, sizeof *t->d);
    if (!t->d) {
        free(t);
        return NULL;
    }
    t->n = max_datagrams ? max_datagrams : 1;
    t->timeout_us = timeout_us;
    return t;
}

void frag_free(frag_table_t *t)
{
    if (!t)
        return;
    for (size_t i = 0; i < t->n; i++)
        free(t->d[i].data);
    free(t->d);
    free(t);
}

const struct frag_stats *frag_stats(const frag_table_t *t) { return &t->st; }

static void dgram_reset(struct frag_dgram *d)
{
    d->used = 0;
    d->total = 0;
    d->hlen = 0;
    memset(d->have, 0, sizeof d->have);
}

void frag_expire(frag_table_t *t, uint64_t now_us)
{
    for (size_t i = 0; i < t->n; i++) {
        struct frag_dgram *d = &t->d[i];
        if (d->used && now_us > d->first_ts + t->timeout_us) {
            dgram_reset(d);
            t->st.timeouts++;
        }
    }
}

static int block_have(const struct frag_dgram *d, uint32_t b)
{
    return d->have[b >> 3] & (1u << (b & 7));
}

static struct frag_dgram *dgram_find(frag_table_t *t, const struct decode_pkt *p,
                                     uint64_t ts_us)
{
    struct frag_dgram *free_slot = NULL, *oldest = NULL;
    for (size_t i = 0; i < t->n; i++) {
        struct frag_dgram *d = &t->d[i];
        if (!d->used) {
            if (!free_slot)
                free_slot = d;
            continue;
        }
        if (d->id == p->frag_id && d->proto == p->proto && d->family == p->family &&
            !memcmp(d->src, p->src_ip, 16) && !memcmp(d->dst, p->dst_ip, 16))
            return d;
        if (!oldest || d->first_ts < oldest->first_ts)
            oldest = d;
    }
    struct frag_dgram *d = free_slot;
    if (!d) {
        d = oldest;
        dgram_reset(d);
        t->st.evicted++;
    }
    if (!d->data && !(d->data = malloc(FRAG_MAX)))
        return NULL;
    d->used = 1;
    d->family = p->family;
    memcpy(d->src, p->src_ip, 16);
    memcpy(d->dst, p->dst_ip, 16);
    d->id = p->frag_id;
    d->proto = p->proto;
    d->first_ts = ts_us;
    return d;
}

static uint16_t ip_checksum(const uint8_t *h, size_t len)
{
    uint32_t sum = 0;
    for (size_t i = 0; i + 1 < len; i += 2)
        sum += load_be16(h + i);
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return (uint16_t)~sum;
}

size_t frag_add(frag_table_t *t, const uint8_t *l3, const struct decode_pkt *p,
                uint64_t ts_us, uint8_t *out)
{
    t->st.fragments++;
    uint32_t off = p->frag_offset, len = p->payload_len;
    uint32_t poff = p->payload_off;               /* where this fragment's bytes start */
    uint32_t hlen = p->family == 6 ? 40 : poff;   /* header kept for the datagram */
    /* A captured fragment shorter than its wire length cannot complete a datagram
     * truthfully; so can't one reaching past the IP maximum. */
    if (off + p->payload_wire + hlen > FRAG_MAX || len < p->payload_wire ||
        (p->frag_more && (len & 7))) {
        t->st.invalid++;
        return 0;
    }
    struct frag_dgram *d = dgram_find(t, p, ts_us);
    if (!d)
        return 0;
    if (off == 0 && !d->hlen) {
        d->hlen = hlen;
        memcpy(d->hdr, l3, hlen);
    }
    if (!p->frag_more)
        d->total = off + len;
    int overlap = 0;
    for (uint32_t b = off / 8; b * 8 < off + len; b++) {
        uint32_t s = b * 8, e = s + 8 < off + len ? s + 8 : off + len;
        if (block_have(d, b)) {
            overlap = 1;
            continue;
        }
        memcpy(d->data + s, l3 + poff + (s - off), e - s);
        /* The last fragment may end inside a block: it is the final one, so mark it. */
        d->have[b >> 3] |= (uint8_t)(1u << (b & 7));
    }
    if (overlap)
        t->st.overlaps++;
    if (!d->hlen || !d->total)
        return 0;
    for (uint32_t b = 0; b * 8 < d->total; b++)
        if (!block_have(d, b))
            return 0;
    size_t n = d->hlen + d->total;
    if (n > FRAG_MAX) {
        t->st.invalid++;
        dgram_reset(d);
        return 0;
    }
    memcpy(out, d->hdr, d->hlen);
    memcpy(out + d->hlen, d->data, d->total);
    t->st.reassembled++;
    if (d->family == 6) {
        store_be16(out + 4, (uint16_t)d->total);
        out[6] = d->proto;
        dgram_reset(d);
        return n;
    }
    store_be16(out + 2, (uint16_t)n);
    out[6] = out[7] = 0;
    out[10] = out[11] = 0;
    uint16_t c = ip_checksum(out, d->hlen);
    store_be16(out + 10, c);
    dgram_reset(d);
    return n;
}
