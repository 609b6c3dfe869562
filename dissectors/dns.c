/* dns.c - DNS message parsing and TCP framing; see dns.h.
 *
 * Everything is parsed from the message bytes into fixed stack arrays: at most
 * DNS_MAX_RR answer records are considered, later ones are ignored.
 *
 * Work is bounded per message, not only per name: backward-only pointers rule out
 * loops, but thousands of questions each pointing into one long pointer chain made a
 * 64 KiB message walk ~10^8 pointers on the reader thread (issue 20 defect 3). Each
 * name follows at most DNS_NAME_HOPS_MAX pointers, and a message examines at most
 * DNS_MSG_STEPS_MAX labels and pointers in all; past either, parsing stops where it
 * is (what was complete is kept) and dns_work_capped counts it. */
#include "dissectors/dns.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/ascii.h"
#include "common/bytes.h"

#define DNS_MAX_RR 24
#define DNS_HDR 12

/* Real encoders point once per name, to a name that may itself end in one pointer:
 * a handful of hops. 1024 steps cover the question and DNS_MAX_RR answers of 3-4
 * labels each, several times over. */
#define DNS_NAME_HOPS_MAX 16
#define DNS_MSG_STEPS_MAX 1024

enum { DNS_OK = 0, DNS_BAD = -1, DNS_LOOP = -2, DNS_WORK = -3 };

/* Decode the name at *off into out (dotted text, no trailing dot, "" for the root).
 * *off moves past the name as it appears in place. *steps counts the labels and
 * pointers examined in this message (the budget above). */
static int dns_name(const uint8_t *m, size_t len, size_t *off, char out[DNSMAP_NAME_MAX],
                    unsigned *steps)
{
    size_t pos = *off, o = 0, end = 0;
    size_t limit = pos; /* a pointer must go strictly before where it was read */
    int jumped = 0;
    unsigned hops = 0;
    out[0] = 0;
    for (;;) {
        if (++*steps > DNS_MSG_STEPS_MAX)
            return DNS_WORK;
        if (pos >= len)
            return DNS_BAD;
        uint8_t l = m[pos];
        if ((l & 0xc0) == 0xc0) {
            if (pos + 1 >= len)
                return DNS_BAD;
            size_t ptr = load_be16(m + pos) & 0x3fffu;
            if (!jumped)
                end = pos + 2;
            if (ptr >= limit)
                return DNS_LOOP;
            if (++hops > DNS_NAME_HOPS_MAX)
                return DNS_WORK;
            jumped = 1;
            limit = ptr;
            pos = ptr;
            continue;
        }
        if (l & 0xc0)
            return DNS_BAD;
        if (l == 0) {
            if (!jumped)
                end = pos + 1;
            break;
        }
        if (pos + 1 + l > len || o + l + 1 >= DNSMAP_NAME_MAX)
            return DNS_BAD;
        if (o)
            out[o++] = '.';
        for (size_t i = 0; i < l; i++) {
            uint8_t c = m[pos + 1 + i];
            out[o++] = (char)(c ? ascii_lower(c) : '?');
        }
        pos += 1 + l;
    }
    out[o] = 0;
    *off = end;
    return DNS_OK;
}

struct dns_rr {
    char owner[DNSMAP_NAME_MAX];
    char target[DNSMAP_NAME_MAX]; /* CNAME only */
    uint16_t type;
    uint32_t ttl;
    uint8_t ip[16];
};

static int dns_count_err(struct dissect_env *env, int r)
{
    if (r == DNS_LOOP)
        env->stats.dns_ptr_loops++;
    else if (r == DNS_WORK)
        env->stats.dns_work_capped++;
    else
        env->stats.dns_malformed++;
    return r;
}

static void dns_emit_query(const char *name, const struct dissect_cb *cb, void *ctx)
{
    if (!name[0] || !cb)
        return;
    if (cb->name)
        cb->name(ctx, "dns.query", name);
    if (cb->field)
        cb->field(ctx, "dns.query", "", (const uint8_t *)name, strlen(name));
}

/* Is name in the set of names reached from the query through CNAMEs? */
static int dns_in(const char *name, const char *const *set, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (strcasecmp(name, set[i]) == 0)
            return 1;
    return 0;
}

static void dns_fill_map(struct dissect_env *env, const char *qname,
                         const struct dns_rr *rr, size_t nrr)
{
    const char *set[DNS_MAX_RR + 1];
    size_t ns = 0;
    if (qname[0])
        set[ns++] = qname;
    /* Each pass can extend the chain by one link; nrr passes cover any order. */
    for (size_t pass = 0; pass < nrr && ns; pass++) {
        size_t before = ns;
        for (size_t i = 0; i < nrr; i++)
            if (rr[i].type == 5 && dns_in(rr[i].owner, set, ns) &&
                !dns_in(rr[i].target, set, ns) && ns < DNS_MAX_RR + 1)
                set[ns++] = rr[i].target;
        if (ns == before)
            break;
    }
    for (size_t i = 0; i < nrr; i++) {
        if (rr[i].type != 1 && rr[i].type != 28)
            continue;
        /* On the question's CNAME chain: the name the app asked for. Otherwise
         * (extra records) the record's own name is still better than none. */
        const char *name = dns_in(rr[i].owner, set, ns) ? qname : rr[i].owner;
        if (env->dns &&
            dnsmap_put(env->dns, rr[i].type == 1 ? 4 : 6, rr[i].ip, name, rr[i].ttl,
                       env->now_s) == 0)
            env->stats.dnsmap_puts++;
    }
}

void dns_message(struct dissect_env *env, const uint8_t *m, size_t len,
                 const struct dissect_cb *cb, void *ctx)
{
    struct dns_rr rr[DNS_MAX_RR];
    char qname[DNSMAP_NAME_MAX] = "", tmp[DNSMAP_NAME_MAX];
    if (len < DNS_HDR) {
        env->stats.dns_malformed++;
        return;
    }
    env->stats.dns_msgs++;
    int is_resp = m[2] >> 7;
    unsigned qd = load_be16(m + 4), an = load_be16(m + 6);
    unsigned steps = 0; /* labels and pointers examined, bounded by DNS_MSG_STEPS_MAX */
    /* One cursor over the message; dns_name() moves b.off itself (it follows pointers
     * anywhere in m). */
    struct bytes b = bytes_init(m, len);
    bytes_skip(&b, DNS_HDR);
    for (unsigned i = 0; i < qd; i++) {
        int r = dns_name(m, len, &b.off, i ? tmp : qname, &steps);
        if (r != DNS_OK || bytes_skip(&b, 4) < 0) { /* type, class */
            dns_count_err(env, r == DNS_OK ? DNS_BAD : r);
            env->stats.dns_steps += steps;
            return;
        }
        if (!is_resp)
            dns_emit_query(i ? tmp : qname, cb, ctx);
    }
    if (!is_resp || (m[3] & 0x0f) != 0) {
        env->stats.dns_steps += steps;
        return; /* a query, or an error response */
    }
    size_t nrr = 0;
    struct dns_rr spare; /* parse target once rr[] is full, so framing stays checked */
    for (unsigned i = 0; i < an; i++) {
        struct dns_rr *x = nrr < DNS_MAX_RR ? &rr[nrr] : &spare;
        int r = dns_name(m, len, &b.off, x->owner, &steps);
        if (r != DNS_OK) {
            dns_count_err(env, r);
            break; /* keep what was complete */
        }
        x->type = bytes_u16be(&b);
        bytes_skip(&b, 2); /* class */
        x->ttl = bytes_u32be(&b);
        size_t rdlen = bytes_u16be(&b);
        size_t rdoff = b.off;
        const uint8_t *rd = bytes_ptr(&b, rdlen);
        if (!rd) {
            env->stats.dns_malformed++;
            break;
        }
        int keep = 0;
        if (x->type == 1 && rdlen == 4) {
            memcpy(x->ip, rd, 4);
            keep = 1;
        } else if (x->type == 28 && rdlen == 16) {
            memcpy(x->ip, rd, 16);
            keep = 1;
        } else if (x->type == 5) {
            r = dns_name(m, len, &rdoff, x->target, &steps);
            if (r != DNS_OK) {
                dns_count_err(env, r);
                break;
            }
            keep = 1;
        }
        if (keep && nrr < DNS_MAX_RR)
            nrr++;
    }
    env->stats.dns_steps += steps;
    dns_fill_map(env, qname, rr, nrr);
}

struct dns_tcp_dir {
    int done;
    uint8_t lenb[2];
    size_t lenb_n;
    size_t need, have;
    uint8_t *buf; /* 65535 bytes, on first use */
};

struct dns_tcp {
    struct dns_tcp_dir d[2];
};

struct dns_tcp *dns_tcp_new(void)
{
    return calloc(1, sizeof(struct dns_tcp));
}

void dns_tcp_free(struct dns_tcp *t)
{
    if (!t)
        return;
    free(t->d[0].buf);
    free(t->d[1].buf);
    free(t);
}

void dns_tcp_gap(struct dns_tcp *t, int dir)
{
    t->d[dir & 1].done = 1;
}

void dns_tcp_data(struct dns_tcp *t, struct dissect_env *env, int dir,
                  const uint8_t *data, size_t len, const struct dissect_cb *cb,
                  void *ctx)
{
    struct dns_tcp_dir *d = &t->d[dir & 1];
    while (len && !d->done) {
        if (d->lenb_n < 2) {
            d->lenb[d->lenb_n++] = *data++;
            len--;
            if (d->lenb_n == 2) {
                d->need = load_be16(d->lenb);
                d->have = 0;
                if (!d->need)
                    d->lenb_n = 0;
            }
            continue;
        }
        if (!d->buf && !(d->buf = malloc(65535))) {
            d->done = 1;
            return;
        }
        if (bytes_gather(d->buf, &d->have, d->need, &data, &len)) {
            dns_message(env, d->buf, d->need, cb, ctx);
            d->lenb_n = 0;
        }
    }
}
