/* flow.c - see flow.h.
 *
 * Two intrusive lists keep flows in idle order (every packet moves its flow to the
 * tail): "active" with the idle timeout and "closing" with the short close timeout.
 * Because each list is ordered by last packet time, expiry only ever looks at heads,
 * and the longest-idle flow to evict is the older of the two heads. */
#include "capture/flow.h"
#include "common/bigmem.h"
#include "common/bytes.h"
#include "common/memcap.h"

#include <stdlib.h>
#include <string.h>

/* Room left in a slab's pages for its next pointer and malloc's header. */
#define FLOW_SLAB ((FLOW_SLAB_BYTES - 64) / sizeof(struct flow))
struct slab {
    struct slab *next;
    struct flow f[FLOW_SLAB];
};
_Static_assert(sizeof(struct slab) + 16 <= FLOW_SLAB_BYTES, "a slab overflows its pages");

struct flist {
    struct flow *head, *tail;
};

struct flow_table {
    struct flow **buckets;
    size_t mask;
    size_t max_flows;
    uint64_t idle_us, close_us;
    struct flist lists[2];
    struct flow *free;
    struct slab *slabs;
    size_t allocated;
    flow_end_fn end;
    void *ctx;
    struct flow_table_stats st;
    struct memcap *mc;  /* borrowed, may be NULL: each live flow draws per_flow bytes */
    size_t per_flow, per_payload;
};

void flow_table_set_memcap(flow_table_t *t, struct memcap *mc, size_t per_flow,
                           size_t per_payload)
{
    t->mc = mc;
    t->per_flow = per_flow;
    t->per_payload = per_payload;
}

static size_t bucket_count(size_t max_flows)
{
    size_t nb = 1024;
    while (nb < max_flows && nb < ((size_t)1 << 30))
        nb <<= 1;
    return nb;
}

size_t flow_table_entry_bytes(void)
{
    return (FLOW_SLAB_BYTES + FLOW_SLAB - 1) / FLOW_SLAB;
}

size_t flow_table_bucket_bytes(size_t max_flows)
{
    return bucket_count(max_flows) * sizeof(struct flow *);
}

flow_table_t *flow_table_new(size_t max_flows, uint64_t idle_us, uint64_t close_us,
                             flow_end_fn end, void *ctx)
{
    flow_table_t *t = calloc(1, sizeof *t);
    if (!t)
        return NULL;
    size_t nb = bucket_count(max_flows);
    t->buckets = bigmem_alloc(nb * sizeof *t->buckets);
    if (!t->buckets) {
        free(t);
        return NULL;
    }
    t->mask = nb - 1;
    t->max_flows = max_flows ? max_flows : 1;
    t->idle_us = idle_us;
    t->close_us = close_us;
    t->end = end;
    t->ctx = ctx;
    return t;
}

void flow_table_free(flow_table_t *t)
{
    if (!t)
        return;
    for (struct slab *s = t->slabs, *n; s; s = n) {
        n = s->next;
        free(s);
    }
    bigmem_free(t->buckets, (t->mask + 1) * sizeof *t->buckets);
    free(t);
}

const struct flow_table_stats *flow_table_stats(const flow_table_t *t) { return &t->st; }

/* Every packet's key is made here by the reader: sizes are constants in each branch,
 * so the compares and copies are inline loads and stores, not library calls. */
void flow_key_make(struct flow_key *k, const struct decode_pkt *p, int *from_lo)
{
    int c;
    memset(k, 0, sizeof *k);
    if (p->family == 4) {
        uint32_t s = load_be32(p->src_ip), d = load_be32(p->dst_ip);
        c = (s > d) - (s < d);
    } else {
        c = memcmp(p->src_ip, p->dst_ip, 16);
    }
    int lo = c < 0 || (c == 0 && p->sport <= p->dport);
    if (p->family == 4) {
        memcpy(k->ip[lo ? 0 : 1], p->src_ip, 4);
        memcpy(k->ip[lo ? 1 : 0], p->dst_ip, 4);
    } else {
        memcpy(k->ip[lo ? 0 : 1], p->src_ip, 16);
        memcpy(k->ip[lo ? 1 : 0], p->dst_ip, 16);
    }
    k->port[lo ? 0 : 1] = p->sport;
    k->port[lo ? 1 : 0] = p->dport;
    k->vlan[0] = p->nvlan > 0 ? p->vlan[0] : 0;
    k->vlan[1] = p->nvlan > 1 ? p->vlan[1] : 0;
    k->proto = p->proto;
    k->family = p->family;
    *from_lo = lo;
}

static inline uint64_t mix64(uint64_t x)
{
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    x *= 0xc4ceb9fe1a85ec53ULL;
    x ^= x >> 33;
    return x;
}

uint64_t flow_key_hash(const struct flow_key *k)
{
    uint64_t w[sizeof *k / 8 + 1] = {0};
    memcpy(w, k, sizeof *k);
    uint64_t h = 0x9e3779b97f4a7c15ULL;
#pragma GCC unroll 8
    for (size_t i = 0; i < sizeof w / sizeof w[0]; i++)
        h = mix64(h ^ w[i]) + i;
    return h;
}

uint64_t flow_id(const struct flow *f)
{
    return mix64(f->hash ^ mix64(f->first_pkt + 1)) & ((1ULL << 51) - 1);
}

static void list_unlink(flow_table_t *t, struct flow *f)
{
    if (f->list == FLOW_LIST_NONE)
        return;
    struct flist *l = &t->lists[f->list];
    if (f->prev)
        f->prev->next = f->next;
    else
        l->head = f->next;
    if (f->next)
        f->next->prev = f->prev;
    else
        l->tail = f->prev;
    f->prev = f->next = NULL;
    f->list = FLOW_LIST_NONE;
}

static void list_append(flow_table_t *t, struct flow *f, enum flow_list which)
{
    struct flist *l = &t->lists[which];
    f->list = (uint8_t)which;
    f->prev = l->tail;
    f->next = NULL;
    if (l->tail)
        l->tail->next = f;
    else
        l->head = f;
    l->tail = f;
}

static void flow_end(flow_table_t *t, struct flow *f, enum flow_end why)
{
    list_unlink(t, f);
    struct flow **pp = &t->buckets[f->hash & t->mask];
    while (*pp && *pp != f)
        pp = &(*pp)->hnext;
    if (*pp)
        *pp = f->hnext;
    t->end(t->ctx, f, why);
    memcap_give(t->mc, t->per_flow + (f->charged ? t->per_payload : 0));
    t->st.ended[why]++;
    t->st.active--;
    f->hnext = t->free;
    t->free = f;
}

static struct flow *flow_alloc(flow_table_t *t)
{
    if (!t->free) {
        struct slab *s = malloc(sizeof *s);
        if (!s)
            return NULL;
        s->next = t->slabs;
        t->slabs = s;
        for (size_t i = FLOW_SLAB; i-- > 0;) {
            s->f[i].hnext = t->free;
            t->free = &s->f[i];
        }
        t->allocated += FLOW_SLAB;
    }
    struct flow *f = t->free;
    t->free = f->hnext;
    memset(f, 0, sizeof *f);
    return f;
}

/* The longest-idle flow other than keep (NULL: any), or NULL. */
static struct flow *oldest(flow_table_t *t, const struct flow *keep)
{
    struct flow *a = t->lists[FLOW_LIST_ACTIVE].head, *c = t->lists[FLOW_LIST_CLOSING].head;
    if (keep && a == keep)
        a = a->next;
    if (keep && c == keep)
        c = c->next;
    if (!a || !c)
        return a ? a : c;
    return c->last_us < a->last_us ? c : a;
}

static int expired(const flow_table_t *t, const struct flow *f, uint64_t now_us)
{
    uint64_t limit = f->list == FLOW_LIST_CLOSING ? t->close_us : t->idle_us;
    return now_us > f->last_us && now_us - f->last_us > limit;
}

void flow_table_charge(flow_table_t *t, struct flow *f)
{
    if (f->charged)
        return;
    f->charged = 1;
    while (!memcap_take(t->mc, t->per_payload)) {
        struct flow *o = oldest(t, f);
        if (!o) {
            memcap_force(t->mc, t->per_payload);
            return;
        }
        flow_end(t, o, FLOW_END_EVICTED);
        t->st.memcap_evicted++;
    }
}

struct flow *flow_table_get(flow_table_t *t, const struct flow_key *k, uint64_t hash,
                            uint64_t ts_us, uint64_t pkt_no, int is_syn, int *created)
{
    *created = 0;
    struct flow *f = t->buckets[hash & t->mask];
    while (f && (f->hash != hash || memcmp(&f->key, k, sizeof *k)))
        f = f->hnext;
    if (f && (expired(t, f, ts_us) || (is_syn && f->list == FLOW_LIST_CLOSING))) {
        flow_end(t, f, expired(t, f, ts_us) && f->list == FLOW_LIST_ACTIVE ? FLOW_END_TIMEOUT
                                                                           : FLOW_END_CLOSED);
        f = NULL;
    }
    if (!f) {
        if (t->st.active >= t->max_flows)
            flow_end(t, oldest(t, NULL), FLOW_END_EVICTED);
        /* Emergency mode: the memory budget is spent, so the longest-idle flows end
         * (their bodies and buffers are given back) until this one fits; with none
         * left to end, the packet is dropped rather than the budget passed. */
        while (!memcap_take(t->mc, t->per_flow)) {
            if (!t->st.active) {
                t->st.alloc_failures++;
                return NULL;
            }
            flow_end(t, oldest(t, NULL), FLOW_END_EVICTED);
            t->st.memcap_evicted++;
        }
        if (!(f = flow_alloc(t))) {
            memcap_give(t->mc, t->per_flow);
            t->st.alloc_failures++;
            return NULL;
        }
        f->key = *k;
        f->hash = hash;
        f->first_us = ts_us;
        f->first_pkt = pkt_no;
        f->hnext = t->buckets[hash & t->mask];
        t->buckets[hash & t->mask] = f;
        f->list = FLOW_LIST_NONE;
        list_append(t, f, FLOW_LIST_ACTIVE);
        t->st.created++;
        if (++t->st.active > t->st.peak)
            t->st.peak = t->st.active;
        *created = 1;
    } else {
        enum flow_list which = f->list;
        list_unlink(t, f);
        list_append(t, f, which);
    }
    /* Packet time can step back across files or in a disordered capture: never let
     * a flow's clock run backwards, so list order stays by last packet time. */
    if (ts_us > f->last_us)
        f->last_us = ts_us;
    return f;
}

void flow_table_closing(flow_table_t *t, struct flow *f)
{
    if (f->list == FLOW_LIST_CLOSING)
        return;
    list_unlink(t, f);
    list_append(t, f, FLOW_LIST_CLOSING);
}

void flow_table_expire(flow_table_t *t, uint64_t now_us)
{
    struct flow *f;
    while ((f = t->lists[FLOW_LIST_CLOSING].head) && expired(t, f, now_us))
        flow_end(t, f, FLOW_END_CLOSED);
    while ((f = t->lists[FLOW_LIST_ACTIVE].head) && expired(t, f, now_us))
        flow_end(t, f, FLOW_END_TIMEOUT);
}

void flow_table_flush(flow_table_t *t)
{
    struct flow *f;
    /* A connection that had already closed ended for that reason, not ours. */
    while ((f = t->lists[FLOW_LIST_CLOSING].head))
        flow_end(t, f, FLOW_END_CLOSED);
    while ((f = t->lists[FLOW_LIST_ACTIVE].head))
        flow_end(t, f, FLOW_END_SHUTDOWN);
}
