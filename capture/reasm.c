/* reasm.c - see reasm.h.
 *
 * Buffered data lives in fixed-size chunks so the pool is one free list with no
 * fragmentation; a segment larger than a chunk spans several. Positions inside a
 * direction are handled as offsets relative to next_seq (uint32 subtraction), which
 * makes sequence wrap-around a non-event as long as the window stays below 2^31. */
#include "capture/reasm.h"

#include <stdlib.h>
#include <string.h>

#define CHUNK_DATA 2016
#define SLAB_CHUNKS 64
#define TH_FIN 0x01
#define TH_SYN 0x02
#define TH_RST 0x04

struct reasm_chunk {
    struct reasm_chunk *next;
    uint32_t seq;
    uint32_t len;
    uint8_t data[CHUNK_DATA];
};

struct slab {
    struct slab *next;
    struct reasm_chunk c[SLAB_CHUNKS];
};

struct reasm_pool {
    struct reasm_chunk *free;
    struct slab *slabs;
    size_t chunks_max, chunks_total, chunks_used;
    size_t per_dir_bytes;
    struct reasm_stats st;
};

reasm_pool_t *reasm_pool_new(size_t max_bytes, size_t per_dir_bytes)
{
    reasm_pool_t *p = calloc(1, sizeof *p);
    if (!p)
        return NULL;
    p->chunks_max = max_bytes / CHUNK_DATA;
    if (p->chunks_max < 1)
        p->chunks_max = 1;
    p->per_dir_bytes = per_dir_bytes ? per_dir_bytes : CHUNK_DATA;
    return p;
}

void reasm_pool_free(reasm_pool_t *p)
{
    if (!p)
        return;
    for (struct slab *s = p->slabs, *n; s; s = n) {
        n = s->next;
        free(s);
    }
    free(p);
}

struct reasm_stats *reasm_pool_stats(reasm_pool_t *p) { return &p->st; }

size_t reasm_pool_in_use(const reasm_pool_t *p) { return p->chunks_used * sizeof(struct reasm_chunk); }

static struct reasm_chunk *chunk_get(reasm_pool_t *p)
{
    if (p->chunks_used >= p->chunks_max)
        return NULL;
    if (!p->free) {
        struct slab *s = malloc(sizeof *s);
        if (!s)
            return NULL;
        s->next = p->slabs;
        p->slabs = s;
        for (int i = 0; i < SLAB_CHUNKS; i++) {
            s->c[i].next = p->free;
            p->free = &s->c[i];
        }
        p->chunks_total += SLAB_CHUNKS;
    }
    struct reasm_chunk *c = p->free;
    p->free = c->next;
    p->chunks_used++;
    return c;
}

static void chunk_put(reasm_pool_t *p, struct reasm_chunk *c)
{
    c->next = p->free;
    p->free = c;
    p->chunks_used--;
}

static inline uint32_t rel(const struct reasm_dir *d, uint32_t seq) { return seq - d->next_seq; }

static void deliver(reasm_pool_t *p, struct reasm_dir *d, int dir, const uint8_t *data,
                    uint32_t caplen, uint32_t wirelen, const struct reasm_ops *ops, void *ctx)
{
    if (caplen) {
        ops->on_data(ctx, dir, data, caplen);
        p->st.delivered_bytes += caplen;
    }
    if (wirelen > caplen) {
        ops->on_gap(ctx, dir, wirelen - caplen);
        p->st.gaps++;
        p->st.gap_bytes += wirelen - caplen;
    }
    d->next_seq += wirelen;
}

/* Deliver every buffered chunk that has become in order. */
static void drain(reasm_pool_t *p, struct reasm_dir *d, int dir, const struct reasm_ops *ops,
                  void *ctx)
{
    struct reasm_chunk *c;
    while ((c = d->chunks) && (int32_t)(c->seq - d->next_seq) <= 0) {
        uint32_t skip = d->next_seq - c->seq;
        if (skip < c->len)
            deliver(p, d, dir, c->data + skip, c->len - skip, c->len - skip, ops, ctx);
        d->chunks = c->next;
        d->buffered -= c->len;
        chunk_put(p, c);
    }
}

/* Deliver a segment that starts at next_seq. Bytes some buffered chunk already holds
 * come from the chunk (first copy wins), the rest from the segment. */
static void deliver_in_order(reasm_pool_t *p, struct reasm_dir *d, int dir,
                             const uint8_t *payload, uint32_t caplen, uint32_t wirelen,
                             const struct reasm_ops *ops, void *ctx)
{
    while (wirelen) {
        uint32_t n = wirelen;
        if (d->chunks && rel(d, d->chunks->seq) < wirelen)
            n = rel(d, d->chunks->seq);
        uint32_t cn = n < caplen ? n : caplen;
        deliver(p, d, dir, payload, cn, n, ops, ctx);
        payload += cn;
        caplen -= cn;
        wirelen -= n;
        if (!wirelen)
            break;
        uint32_t before = d->next_seq;
        drain(p, d, dir, ops, ctx);
        uint32_t adv = d->next_seq - before;
        p->st.overlaps++;
        if (adv >= wirelen)
            break;
        uint32_t ca = adv < caplen ? adv : caplen;
        payload += ca;
        caplen -= ca;
        wirelen -= adv;
    }
    drain(p, d, dir, ops, ctx);
}

/* Give up waiting for the bytes before the first buffered chunk. */
static void skip_to_first(reasm_pool_t *p, struct reasm_dir *d, int dir,
                          const struct reasm_ops *ops, void *ctx)
{
    uint32_t missing = rel(d, d->chunks->seq);
    if (missing) {
        ops->on_gap(ctx, dir, missing);
        p->st.gaps++;
        p->st.gap_bytes += missing;
        d->next_seq = d->chunks->seq;
    }
    drain(p, d, dir, ops, ctx);
}

/* Buffer captured bytes [s, e) (offsets from next_seq) where no chunk has them yet.
 * Returns 0, or -1 if a bound stopped it (what was inserted stays). */
static int insert(reasm_pool_t *p, struct reasm_dir *d, uint32_t s, const uint8_t *data,
                  uint32_t len)
{
    uint32_t e = s + len, cur = s;
    struct reasm_chunk *prev = NULL, *c = d->chunks;
    int overlapped = 0, conflict = 0;
    while (cur < e) {
        while (c && rel(d, c->seq) + c->len <= cur) {
            prev = c;
            c = c->next;
        }
        if (c && rel(d, c->seq) <= cur) {
            uint32_t cs = rel(d, c->seq), upto = cs + c->len < e ? cs + c->len : e;
            if (memcmp(c->data + (cur - cs), data + (cur - s), upto - cur))
                conflict = 1;
            overlapped = 1;
            cur = upto;
            continue;
        }
        uint32_t limit = c && rel(d, c->seq) < e ? rel(d, c->seq) : e;
        while (cur < limit) {
            if (d->buffered >= p->per_dir_bytes)
                goto bound;
            struct reasm_chunk *n = chunk_get(p);
            if (!n)
                goto bound;
            n->len = limit - cur < CHUNK_DATA ? limit - cur : CHUNK_DATA;
            n->seq = d->next_seq + cur;
            memcpy(n->data, data + (cur - s), n->len);
            n->next = c;
            if (prev)
                prev->next = n;
            else
                d->chunks = n;
            prev = n;
            d->buffered += n->len;
            cur += n->len;
        }
    }
    if (overlapped)
        p->st.overlaps++;
    if (conflict)
        p->st.overlap_conflicts++;
    return 0;
bound:
    return -1;
}

/* Sequence bookkeeping before any data: a SYN fixes the start (and takes one sequence
 * number), a first segment without one starts mid-stream, a FIN records where the
 * stream ends. *seq becomes the sequence of the first payload byte. 0, or -1 when the
 * segment says nothing yet (not started, no data, no FIN). */
static int track_syn_fin(reasm_pool_t *p, struct reasm_dir *d, uint32_t *seq, uint8_t flags,
                         uint32_t wirelen)
{
    if (flags & TH_SYN) {
        /* A repeated SYN after data began says nothing new. */
        if (!d->started) {
            d->started = 1;
            d->next_seq = *seq + 1;
        }
        *seq += 1;
    }
    if (!d->started) {
        if (!wirelen && !(flags & TH_FIN))
            return -1;
        d->started = 1;
        d->next_seq = *seq;
        p->st.midstream++;
    }
    if ((flags & TH_FIN) && !d->fin) {
        d->fin = 1;
        d->fin_seq = *seq + wirelen;
    }
    return 0;
}

/* Data at or past the FIN is counted and dropped; a segment across it is cut there.
 * 0, or -1 when nothing of the segment is left. */
static int cut_at_fin(reasm_pool_t *p, struct reasm_dir *d, uint32_t seq, uint32_t *caplen,
                      uint32_t *wirelen)
{
    if (*wirelen && d->closed) {
        p->st.after_fin++;
        return -1;
    }
    if (*wirelen && d->fin && (int32_t)(seq + *wirelen - d->fin_seq) > 0) {
        if ((int32_t)(seq - d->fin_seq) >= 0) {
            p->st.after_fin++;
            return -1;
        }
        *wirelen = d->fin_seq - seq;
        if (*caplen > *wirelen)
            *caplen = *wirelen;
    }
    return 0;
}

/* A segment r > 0 bytes ahead of next_seq waits in chunks. When a bound stops that,
 * the oldest wait is given up (a gap) until the segment fits or becomes the next in
 * order; with nothing left to give up, the wait for this segment itself ends. */
static void wait_ahead(reasm_pool_t *p, struct reasm_dir *d, int dir, uint32_t seq, int32_t r,
                       const uint8_t *payload, uint32_t caplen, uint32_t wirelen,
                       const struct reasm_ops *ops, void *ctx)
{
    p->st.out_of_order++;
    while (insert(p, d, (uint32_t)r, payload, caplen) < 0) {
        p->st.memcap++;
        if (d->chunks) {
            skip_to_first(p, d, dir, ops, ctx);
            r = (int32_t)(seq - d->next_seq);
            if (r > 0)
                continue;
        }
        if (r > 0) {
            ops->on_gap(ctx, dir, (uint32_t)r);
            p->st.gaps++;
            p->st.gap_bytes += (uint32_t)r;
            d->next_seq = seq;
            r = 0;
        }
        uint32_t skip = (uint32_t)-r;
        if (skip < wirelen) {
            uint32_t cskip = skip < caplen ? skip : caplen;
            deliver_in_order(p, d, dir, payload + cskip, caplen - cskip, wirelen - skip, ops,
                             ctx);
        }
        break;
    }
}

/* A segment with data (wirelen > 0): a retransmission is counted, bytes already
 * delivered are trimmed, the rest is delivered now or waits. */
static void segment_data(reasm_pool_t *p, struct reasm_dir *d, int dir, uint32_t seq,
                         const uint8_t *payload, uint32_t caplen, uint32_t wirelen,
                         const struct reasm_ops *ops, void *ctx)
{
    int32_t r = (int32_t)(seq - d->next_seq);
    if ((int64_t)r + wirelen <= 0) {
        p->st.retransmitted++;
        return;
    }
    if (r < 0) {
        uint32_t skip = (uint32_t)-r;
        p->st.overlaps++;
        payload += skip < caplen ? skip : caplen;
        caplen = skip < caplen ? caplen - skip : 0;
        wirelen -= skip;
        seq = d->next_seq;
        r = 0;
    }
    if (r == 0)
        deliver_in_order(p, d, dir, payload, caplen, wirelen, ops, ctx);
    else
        wait_ahead(p, d, dir, seq, r, payload, caplen, wirelen, ops, ctx);
}

void reasm_segment(reasm_pool_t *p, struct reasm_dir *d, int dir, uint32_t seq,
                   uint8_t flags, const uint8_t *payload, uint32_t caplen, uint32_t wirelen,
                   const struct reasm_ops *ops, void *ctx)
{
    if (track_syn_fin(p, d, &seq, flags, wirelen) < 0 ||
        cut_at_fin(p, d, seq, &caplen, &wirelen) < 0)
        return;
    if (wirelen)
        segment_data(p, d, dir, seq, payload, caplen, wirelen, ops, ctx);
    if (d->fin && d->next_seq == d->fin_seq)
        d->closed = 1;
}

void reasm_flush(reasm_pool_t *p, struct reasm_dir *d, int dir, const struct reasm_ops *ops,
                 void *ctx)
{
    while (d->chunks)
        skip_to_first(p, d, dir, ops, ctx);
    if (d->fin && !d->closed && (int32_t)(d->fin_seq - d->next_seq) > 0) {
        uint32_t missing = d->fin_seq - d->next_seq;
        ops->on_gap(ctx, dir, missing);
        p->st.gaps++;
        p->st.gap_bytes += missing;
        d->next_seq = d->fin_seq;
    }
    if (d->fin)
        d->closed = 1;
}

void reasm_release(reasm_pool_t *p, struct reasm_dir *d)
{
    for (struct reasm_chunk *c = d->chunks, *n; c; c = n) {
        n = c->next;
        chunk_put(p, c);
    }
    d->chunks = NULL;
    d->buffered = 0;
}
