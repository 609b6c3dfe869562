/* quic.c - QUIC packets, keys and frames; see quic.h.
 *
 * A datagram is cut into packets (a long header says its length; a short header runs
 * to the end). Each packet's header protection is removed with its space's keys, the
 * packet number recovered (RFC 9000 A.3), the payload opened into a per-flow scratch
 * buffer, and its frames walked. Nothing is used from a packet whose tag fails. Keys
 * come from quic_crypto.c; secrets from the key log (keylog.h) by client random, looked
 * up again only when the key log has grown. CRYPTO and STREAM data share one
 * reassembler: in-order bytes go straight out (zero-copy), early bytes are copied into
 * a sorted list under QUIC_PEND_MAX per flow. */
#include "dissectors/quic.h"

#include <openssl/crypto.h>
#include <stdlib.h>
#include <string.h>

#include "dissectors/keylog.h"
#include "dissectors/quic_crypto.h"
#include "dissectors/tls.h"

enum { QUIC_SP_INITIAL, QUIC_SP_HANDSHAKE, QUIC_SP_APP, QUIC_SPACES };
enum { QUIC_PT_INITIAL, QUIC_PT_0RTT, QUIC_PT_HANDSHAKE, QUIC_PT_RETRY, QUIC_PT_1RTT };

#define QUIC_CIDLS 4          /* short-header CID lengths tried per direction */
#define QUIC_REDERIVE_MAX 8   /* client Initials under a new DCID before one decrypted */
#define QUIC_VARINT_MAX ((1ull << 62) - 1)
/* As for TLS records (tls.c): a followed key log gets a session's secrets moments
 * after its handshake; packets wait that long at most, under QUIC_WAIT_MAX per flow and
 * the env's shared DISSECT_TLS_WAIT_TOTAL. */
#define QUIC_WAIT_SECS 5
#define QUIC_WAIT_MAX (256u * 1024)

struct quic_seg {
    struct quic_seg *nx;
    uint64_t off;
    size_t n;
    uint8_t d[];
};

/* One direction of a byte stream (CRYPTO of a level, or a STREAM). */
struct quic_rs {
    uint64_t next;            /* bytes delivered */
    uint64_t fin;             /* final size, when has_fin */
    int has_fin, fin_done;
    struct quic_seg *pend;    /* early bytes, sorted by offset */
};

struct quic_stream {
    int used;
    uint64_t sid, last;
    struct quic_rs rs[2];
};

struct quic_space {
    struct quic_keys k;
    int have, failed;         /* keys installed; derivation failed (do not retry) */
    uint32_t kver;            /* version the keys were derived for */
    int any;                  /* a packet of this space was opened */
    uint64_t largest;
};

struct quic_dir {
    struct quic_space sp[QUIC_SPACES];
    struct quic_keys prev, next; /* 1-RTT keys around a key update */
    int phase, have_prev, have_next;
    struct quic_rs crypto[QUIC_SPACES];
    uint8_t cidl[QUIC_CIDLS];    /* DCID lengths of short headers in this direction */
    int ncidl;
    int nokey;                   /* packets dropped for want of a secret */
};

struct quic {
    struct dissect_env *env;
    struct dissect_stats *st;
    quic_stream_fn fn;
    void *arg;
    struct tls *tls;             /* handshake parser fed from CRYPTO frames */
    struct quic_dir d[2];
    struct quic_stream *streams; /* QUIC_STREAMS, allocated with the first STREAM */
    uint64_t stream_clock;
    uint32_t version;            /* of the latest long header seen */
    uint8_t odcid[20];
    size_t odcid_len;
    int have_odcid, retry, rederive, unsupported, app_plain, long_seen, short_only;
    uint64_t app_pkts[2];        /* short-header packets seen, decrypted or not */
    int client_plain;            /* a 1-RTT packet of the client was decrypted */
    size_t pend_bytes;
    uint8_t *buf;                /* header + plaintext of one packet */
    size_t buf_alloc;
    int looked;
    uint64_t gen;
    struct keylog_secrets sec;
    uint8_t *wait;               /* packets waiting for a key: [dir][len16][packet]... */
    size_t wait_len, wait_alloc;
    uint64_t wait_since, wait_gen; /* env->now_s of the oldest; key log generation tried */
    int replaying;                 /* quic_flush's last try: keyless packets are dropped */
};

/* ---- bounds-checked reader ---- */

struct quic_rd {
    const uint8_t *p;
    size_t n, off;
    int bad;
};

static uint64_t quic_vi(struct quic_rd *r)
{
    if (r->bad || r->off >= r->n) {
        r->bad = 1;
        return 0;
    }
    size_t len = (size_t)1 << (r->p[r->off] >> 6);
    if (r->n - r->off < len) {
        r->bad = 1;
        return 0;
    }
    uint64_t v = r->p[r->off] & 0x3f;
    for (size_t i = 1; i < len; i++)
        v = v << 8 | r->p[r->off + i];
    r->off += len;
    return v;
}

static const uint8_t *quic_take(struct quic_rd *r, uint64_t len)
{
    if (r->bad || len > r->n - r->off) {
        r->bad = 1;
        return NULL;
    }
    const uint8_t *p = r->p + r->off;
    r->off += (size_t)len;
    return p;
}

static uint32_t quic_be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* ---- life cycle ---- */

struct quic *quic_new(struct dissect_env *env, quic_stream_fn fn, void *arg)
{
    struct quic *q = calloc(1, sizeof *q);
    if (!q)
        return NULL;
    q->env = env;
    q->st = &env->stats;
    q->fn = fn;
    q->arg = arg;
    if (!(q->tls = tls_new(env, NULL, NULL))) {
        free(q);
        return NULL;
    }
    return q;
}

static void quic_rs_free(struct quic *q, struct quic_rs *rs)
{
    while (rs->pend) {
        struct quic_seg *s = rs->pend;
        rs->pend = s->nx;
        q->pend_bytes -= sizeof *s + s->n;
        free(s);
    }
}

void quic_free(struct quic *q)
{
    if (!q)
        return;
    for (int i = 0; i < 2; i++) {
        struct quic_dir *d = &q->d[i];
        for (int s = 0; s < QUIC_SPACES; s++) {
            quic_keys_clear(&d->sp[s].k);
            quic_rs_free(q, &d->crypto[s]);
        }
        quic_keys_clear(&d->prev);
        quic_keys_clear(&d->next);
    }
    for (int i = 0; q->streams && i < QUIC_STREAMS; i++)
        for (int r = 0; r < 2; r++)
            quic_rs_free(q, &q->streams[i].rs[r]);
    free(q->streams);
    free(q->buf);
    q->env->tls_wait_bytes -= q->wait_len;
    free(q->wait);
    tls_free(q->tls);
    OPENSSL_cleanse(&q->sec, sizeof q->sec);
    free(q);
}

int quic_decrypting(const struct quic *q)
{
    return q && q->app_plain;
}

size_t quic_mem(const struct quic *q)
{
    if (!q)
        return 0;
    return sizeof *q + q->pend_bytes + q->buf_alloc + q->wait_alloc +
           (q->streams ? QUIC_STREAMS * sizeof *q->streams : 0);
}

/* ---- reassembly ---- */

struct quic_sink {
    int dir, crypto;
    uint64_t sid;
    const struct dissect_cb *cb;
    void *ctx;
};

static void quic_deliver(struct quic *q, const struct quic_sink *s, const uint8_t *p, size_t n,
                         int fin)
{
    if (s->crypto)
        tls_handshake_data(q->tls, s->dir, p, n, s->cb, s->ctx);
    else if (q->fn)
        q->fn(q->arg, s->dir, s->sid, p, n, fin, s->cb, s->ctx);
}

/* Bytes [off, off+n) with off <= rs->next: hand over the part past rs->next (a
 * retransmission or overlap gives nothing twice), and the end of the stream once. */
static void quic_rs_push(struct quic *q, struct quic_rs *rs, const struct quic_sink *s,
                         uint64_t off, const uint8_t *p, size_t n)
{
    uint64_t end = off + n;
    size_t m = end > rs->next ? (size_t)(end - rs->next) : 0;
    rs->next += m;
    int fin = rs->has_fin && rs->next >= rs->fin && !rs->fin_done;
    if (fin)
        rs->fin_done = 1;
    if (m || fin)
        quic_deliver(q, s, m ? p + (n - m) : NULL, m, fin);
}

static void quic_rs_hold(struct quic *q, struct quic_rs *rs, uint64_t off, const uint8_t *p,
                         size_t n)
{
    if (q->pend_bytes + sizeof(struct quic_seg) + n > QUIC_PEND_MAX) {
        q->st->quic_reasm_dropped += n;
        return;
    }
    struct quic_seg *g = malloc(sizeof *g + n);
    if (!g) {
        q->st->quic_reasm_dropped += n;
        return;
    }
    g->off = off;
    g->n = n;
    memcpy(g->d, p, n);
    struct quic_seg **pp = &rs->pend;
    while (*pp && (*pp)->off <= off)
        pp = &(*pp)->nx;
    g->nx = *pp;
    *pp = g;
    q->pend_bytes += sizeof *g + n;
}

static void quic_rs_add(struct quic *q, struct quic_rs *rs, const struct quic_sink *s,
                        uint64_t off, const uint8_t *p, size_t n, int fin)
{
    if (fin && !rs->has_fin) {
        rs->has_fin = 1;
        rs->fin = off + n;
    }
    if (off > rs->next) {
        if (n)
            quic_rs_hold(q, rs, off, p, n);
        return;
    }
    quic_rs_push(q, rs, s, off, p, n);
    /* Early bytes that now touch the delivered offset. */
    while (rs->pend && rs->pend->off <= rs->next) {
        struct quic_seg *g = rs->pend;
        rs->pend = g->nx;
        q->pend_bytes -= sizeof *g + g->n;
        quic_rs_push(q, rs, s, g->off, g->d, g->n);
        free(g);
    }
}

/* ---- streams ---- */

static struct quic_stream *quic_stream(struct quic *q, uint64_t sid)
{
    if (!q->streams && !(q->streams = calloc(QUIC_STREAMS, sizeof *q->streams)))
        return NULL;
    struct quic_stream *free_slot = NULL, *old = NULL;
    for (int i = 0; i < QUIC_STREAMS; i++) {
        struct quic_stream *s = &q->streams[i];
        if (s->used && s->sid == sid) {
            s->last = ++q->stream_clock;
            return s;
        }
        if (!s->used && !free_slot)
            free_slot = s;
        if (s->used && (!old || s->last < old->last))
            old = s;
    }
    if (!free_slot) {
        /* Every slot taken: the least recently active stream is forgotten. */
        q->st->quic_streams_over_cap++;
        for (int r = 0; r < 2; r++)
            quic_rs_free(q, &old->rs[r]);
        free_slot = old;
    }
    memset(free_slot, 0, sizeof *free_slot);
    free_slot->used = 1;
    free_slot->sid = sid;
    free_slot->last = ++q->stream_clock;
    return free_slot;
}

/* A stream whose sending sides have all ended frees its slot. */
static void quic_stream_done(struct quic *q, struct quic_stream *s)
{
    int uni = (s->sid & 2) != 0, sender = (int)(s->sid & 1);
    int done = uni ? s->rs[sender].fin_done : s->rs[0].fin_done && s->rs[1].fin_done;
    if (!done)
        return;
    for (int r = 0; r < 2; r++)
        quic_rs_free(q, &s->rs[r]);
    s->used = 0;
}

static void quic_stream_frame(struct quic *q, int dir, uint64_t type, struct quic_rd *r,
                              const struct dissect_cb *cb, void *ctx)
{
    uint64_t sid = quic_vi(r);
    uint64_t off = (type & 0x04) ? quic_vi(r) : 0;
    uint64_t len = (type & 0x02) ? quic_vi(r) : (r->bad ? 0 : r->n - r->off);
    const uint8_t *p = quic_take(r, len);
    if (r->bad || off + len > QUIC_VARINT_MAX)
        return;
    struct quic_stream *s = quic_stream(q, sid);
    if (!s)
        return;
    struct quic_sink k = {dir, 0, sid, cb, ctx};
    quic_rs_add(q, &s->rs[dir], &k, off, p, (size_t)len, (int)(type & 0x01));
    quic_stream_done(q, s);
}

static void quic_reset_frame(struct quic *q, int dir, struct quic_rd *r,
                             const struct dissect_cb *cb, void *ctx)
{
    uint64_t sid = quic_vi(r);
    quic_vi(r);
    quic_vi(r);
    if (r->bad || !q->streams)
        return;
    for (int i = 0; i < QUIC_STREAMS; i++) {
        struct quic_stream *s = &q->streams[i];
        if (s->used && s->sid == sid && !s->rs[dir].fin_done) {
            s->rs[dir].fin_done = 1;
            struct quic_sink k = {dir, 0, sid, cb, ctx};
            quic_deliver(q, &k, NULL, 0, 1);
            quic_stream_done(q, s);
            return;
        }
    }
}

/* ---- frames ---- */

static void quic_crypto_frame(struct quic *q, int dir, int sp, struct quic_rd *r,
                              const struct dissect_cb *cb, void *ctx)
{
    uint64_t off = quic_vi(r);
    uint64_t len = quic_vi(r);
    const uint8_t *p = quic_take(r, len);
    if (r->bad || off + len > QUIC_VARINT_MAX)
        return;
    struct quic_sink k = {dir, 1, 0, cb, ctx};
    quic_rs_add(q, &q->d[dir].crypto[sp], &k, off, p, (size_t)len, 0);
}

/* A CID the sender of dir hands out: the peer puts it in short headers of !dir. */
static void quic_new_cid(struct quic *q, int dir, struct quic_rd *r)
{
    quic_vi(r);
    quic_vi(r);
    const uint8_t *l = quic_take(r, 1);
    if (!l || *l > 20 || !quic_take(r, *l) || !quic_take(r, 16))
        return;
    struct quic_dir *o = &q->d[!dir];
    for (int i = 0; i < o->ncidl; i++)
        if (o->cidl[i] == *l)
            return;
    if (o->ncidl < QUIC_CIDLS)
        o->cidl[o->ncidl++] = *l;
}

static void quic_ack_frame(struct quic_rd *r, uint64_t type)
{
    quic_vi(r);
    quic_vi(r);
    uint64_t ranges = quic_vi(r);
    quic_vi(r);
    for (uint64_t i = 0; i < ranges && !r->bad; i++) {
        quic_vi(r);
        quic_vi(r);
    }
    if (type == 0x03) {
        quic_vi(r);
        quic_vi(r);
        quic_vi(r);
    }
}

/* Frames that carry nothing for us: how many varints, then how many bytes. */
static int quic_skip_frame(struct quic_rd *r, uint64_t type)
{
    static const uint8_t nvi[0x20] = {
        [0x05] = 2, [0x10] = 1, [0x11] = 2, [0x12] = 1, [0x13] = 1, [0x14] = 1,
        [0x15] = 2, [0x16] = 1, [0x17] = 1, [0x19] = 1,
    };
    if (type == 0x07) {
        quic_take(r, quic_vi(r));
    } else if (type == 0x1a || type == 0x1b) {
        quic_take(r, 8);
    } else if (type == 0x1c || type == 0x1d) {
        quic_vi(r);
        if (type == 0x1c)
            quic_vi(r);
        quic_take(r, quic_vi(r));
    } else if (type == 0x30) {
        r->off = r->n;
    } else if (type == 0x31) {
        quic_take(r, quic_vi(r));
    } else if (type < 0x20 && nvi[type]) {
        for (int i = 0; i < nvi[type]; i++)
            quic_vi(r);
    } else if (type != 0x00 && type != 0x01 && type != 0x1e) {
        return -1;
    }
    return 0;
}

static void quic_frames(struct quic *q, int dir, int sp, const uint8_t *p, size_t n,
                        const struct dissect_cb *cb, void *ctx)
{
    struct quic_rd r = {p, n, 0, 0};
    while (r.off < r.n && !r.bad) {
        uint64_t type = quic_vi(&r);
        if (type == 0x06)
            quic_crypto_frame(q, dir, sp, &r, cb, ctx);
        else if (type >= 0x08 && type <= 0x0f && sp == QUIC_SP_APP)
            quic_stream_frame(q, dir, type, &r, cb, ctx);
        else if (type == 0x04 && sp == QUIC_SP_APP)
            quic_reset_frame(q, dir, &r, cb, ctx);
        else if (type == 0x18)
            quic_new_cid(q, dir, &r);
        else if (type == 0x02 || type == 0x03)
            quic_ack_frame(&r, type);
        else if (quic_skip_frame(&r, type) < 0)
            r.bad = 1;
    }
    if (r.bad)
        q->st->quic_malformed++;
}

/* ---- keys ---- */

/* The secret of one key log kind for this connection, looked up again only when the
 * key log has grown since the last miss. */
static const uint8_t *quic_secret(struct quic *q, int kind, size_t *len)
{
    uint8_t cr[32];
    if (!q->env->keys || !tls_client_random(q->tls, cr))
        return NULL;
    if (!(q->sec.have & 1u << kind)) {
        uint64_t g = keylog_generation(q->env->keys);
        if (!q->looked || g != q->gen) {
            q->looked = 1;
            q->gen = g;
            keylog_lookup(q->env->keys, cr, &q->sec);
        }
    }
    if (!(q->sec.have & 1u << kind))
        return NULL;
    *len = q->sec.len[kind];
    return q->sec.sec[kind];
}

/* Keys of space sp for packets of direction dir under version v, installing them when
 * they can be had; NULL (counted by the caller) when not. */
static struct quic_keys *quic_keys_for(struct quic *q, int dir, int sp, uint32_t v)
{
    struct quic_space *s = &q->d[dir].sp[sp];
    if (s->have && (sp != QUIC_SP_INITIAL || s->kver == v))
        return &s->k;
    if (sp == QUIC_SP_INITIAL) {
        if (!q->have_odcid ||
            quic_crypto_initial(&s->k, v, q->odcid, q->odcid_len, dir) < 0)
            return NULL;
    } else {
        uint16_t suite = tls_server_suite(q->tls);
        if (!suite)
            return NULL;
        if (!quic_crypto_suite_ok(suite)) {
            q->unsupported = 1;
            return NULL;
        }
        int kind = sp == QUIC_SP_HANDSHAKE ? (dir ? KEYLOG_SHS : KEYLOG_CHS)
                                           : (dir ? KEYLOG_STS0 : KEYLOG_CTS0);
        size_t len = 0;
        const uint8_t *sec = quic_secret(q, kind, &len);
        if (!sec)
            return NULL;
        if (quic_crypto_keys(&s->k, v, suite, sec, len) < 0) {
            q->st->tls_kdf_errors++;
            return NULL;
        }
    }
    s->have = 1;
    s->kver = v;
    return &s->k;
}

/* ---- packets ---- */

enum { QUIC_PT_VN = 8, QUIC_PT_UNKNOWN };

struct quic_hdr {
    int type;
    uint32_t version;
    const uint8_t *dcid;
    size_t dcil, scil;
    size_t pn_off, len; /* packet number offset; the whole packet's length */
};

/* RFC 9000 A.3: the full packet number closest to the next expected one. */
static uint64_t quic_pn_decode(uint64_t largest, int any, uint64_t truncated, size_t nbytes)
{
    uint64_t expected = any ? largest + 1 : 0;
    uint64_t win = 1ull << (8 * nbytes), hwin = win / 2, mask = win - 1;
    uint64_t cand = (expected & ~mask) | truncated;
    if (cand + hwin <= expected && cand < (1ull << 62) - win)
        return cand + win;
    if (cand > expected + hwin && cand >= win)
        return cand - win;
    return cand;
}

static int quic_long_type(uint32_t version, uint8_t b)
{
    static const int v1[4] = {QUIC_PT_INITIAL, QUIC_PT_0RTT, QUIC_PT_HANDSHAKE, QUIC_PT_RETRY};
    static const int v2[4] = {QUIC_PT_RETRY, QUIC_PT_INITIAL, QUIC_PT_0RTT, QUIC_PT_HANDSHAKE};
    return (quic_crypto_is_v2(version) ? v2 : v1)[(b >> 4) & 3];
}

/* A long header at p[0..n): 0, or -1 when malformed. */
static int quic_long(const uint8_t *p, size_t n, struct quic_hdr *h)
{
    struct quic_rd r = {p, n, 1, 0};
    const uint8_t *v = quic_take(&r, 4), *l = quic_take(&r, 1);
    h->dcid = quic_take(&r, l ? *l : 0);
    h->dcil = l ? *l : 0;
    l = quic_take(&r, 1);
    quic_take(&r, l ? *l : 0);
    h->scil = l ? *l : 0;
    if (r.bad)
        return -1;
    h->version = quic_be32(v);
    h->len = n;
    if (!h->version) {
        h->type = QUIC_PT_VN;
        return 0;
    }
    if (!quic_crypto_version_ok(h->version)) {
        h->type = QUIC_PT_UNKNOWN;
        return 0;
    }
    /* The fixed bit is not checked: peers may grease it (RFC 9287). */
    if (h->dcil > 20 || h->scil > 20)
        return -1;
    h->type = quic_long_type(h->version, p[0]);
    if (h->type == QUIC_PT_RETRY)
        return 0;
    if (h->type == QUIC_PT_INITIAL)
        quic_take(&r, quic_vi(&r)); /* token */
    uint64_t len = quic_vi(&r);
    if (r.bad || len > n - r.off)
        return -1;
    h->pn_off = r.off;
    h->len = r.off + (size_t)len;
    return 0;
}

static void quic_cidl_add(struct quic_dir *o, size_t l)
{
    for (int i = 0; i < o->ncidl; i++)
        if (o->cidl[i] == l)
            return;
    if (o->ncidl < QUIC_CIDLS)
        o->cidl[o->ncidl++] = (uint8_t)l;
}

/* Bookkeeping of a decodable long header; 0 to go on with the packet, -1 to skip it. */
static int quic_long_seen(struct quic *q, int dir, const struct quic_hdr *h)
{
    if (dir == 0 && h->type == QUIC_PT_INITIAL &&
        (!q->have_odcid || h->dcil != q->odcid_len || memcmp(h->dcid, q->odcid, h->dcil))) {
        /* Initial keys come from the client's first DCID. Another DCID is honoured after
         * a Retry, or a few times while nothing has decrypted (a spoofed first packet);
         * otherwise ignored, so a flood of random DCIDs costs no key derivation. */
        int ok = !q->have_odcid || q->retry ||
                 (!q->d[0].sp[QUIC_SP_INITIAL].any && q->rederive < QUIC_REDERIVE_MAX);
        if (!ok) {
            q->st->quic_initial_other_cid++;
            return -1;
        }
        if (q->have_odcid)
            q->rederive++;
        memcpy(q->odcid, h->dcid, h->dcil);
        q->odcid_len = h->dcil;
        q->have_odcid = 1;
        q->retry = 0;
        q->d[0].sp[QUIC_SP_INITIAL].have = q->d[1].sp[QUIC_SP_INITIAL].have = 0;
    }
    q->long_seen = 1;
    if (dir == 1 || !q->version)
        q->version = h->version; /* the server's is the negotiated one */
    quic_cidl_add(&q->d[!dir], h->scil);
    return 0;
}

static int quic_buf(struct quic *q, size_t n)
{
    if (n <= q->buf_alloc)
        return 0;
    if (n > QUIC_DGRAM_MAX)
        return -1;
    size_t a = n < 2048 ? 2048 : QUIC_DGRAM_MAX;
    uint8_t *b = realloc(q->buf, a);
    if (!b)
        return -1;
    q->buf = b;
    q->buf_alloc = a;
    return 0;
}

/* 1-RTT: the keys to try for a Key Phase bit (current; else next, then previous). */
static int quic_app_keys(struct quic_dir *d, int bit, struct quic_keys *c[2])
{
    if (bit == d->phase) {
        c[0] = &d->sp[QUIC_SP_APP].k;
        return 1;
    }
    int n = 0;
    if (!d->have_next && quic_crypto_update(&d->sp[QUIC_SP_APP].k, &d->next) == 0)
        d->have_next = 1;
    if (d->have_next)
        c[n++] = &d->next;
    if (d->have_prev)
        c[n++] = &d->prev;
    return n;
}

/* The next keys opened a packet: they become current, the current ones previous. */
static void quic_key_update(struct quic *q, struct quic_dir *d)
{
    quic_keys_clear(&d->prev);
    d->prev = d->sp[QUIC_SP_APP].k;
    d->sp[QUIC_SP_APP].k = d->next;
    memset(&d->next, 0, sizeof d->next);
    d->have_next = 0;
    d->have_prev = 1;
    d->phase ^= 1;
    q->st->quic_key_updates++;
}

/* Remove header protection and open the packet at p (pn_off, len in h) with space sp's
 * keys; its frames are walked. 0, or -1 when it does not verify. */
static int quic_open(struct quic *q, int dir, int sp, const struct quic_hdr *h, const uint8_t *p,
                     const struct dissect_cb *cb, void *ctx)
{
    struct quic_dir *d = &q->d[dir];
    struct quic_space *s = &d->sp[sp];
    uint8_t mask[5];
    if (h->pn_off + 4 + 16 > h->len || quic_crypto_mask(&s->k, p + h->pn_off + 4, mask) < 0)
        return -1;
    uint8_t first = p[0] ^ (mask[0] & ((p[0] & 0x80) ? 0x0f : 0x1f));
    size_t pnl = (size_t)(first & 3) + 1, hl = h->pn_off + pnl;
    memcpy(q->buf, p, hl);
    q->buf[0] = first;
    uint64_t tpn = 0;
    for (size_t i = 0; i < pnl; i++) {
        q->buf[h->pn_off + i] ^= mask[1 + i];
        tpn = tpn << 8 | q->buf[h->pn_off + i];
    }
    uint64_t pn = quic_pn_decode(s->largest, s->any, tpn, pnl);
    struct quic_keys *c[2] = {&s->k, NULL};
    int nc = sp == QUIC_SP_APP ? quic_app_keys(d, (first >> 2) & 1, c) : 1;
    long pl = -1;
    int i = 0;
    for (; i < nc && pl < 0; i++)
        pl = quic_crypto_open(c[i], pn, q->buf, hl, p + hl, h->len - hl, q->buf + hl);
    if (pl < 0)
        return -1;
    if (c[i - 1] == &d->next)
        quic_key_update(q, d);
    if (!s->any || pn > s->largest)
        s->largest = pn;
    s->any = 1;
    q->st->quic_packets++;
    if (sp == QUIC_SP_APP && !q->app_plain) {
        q->app_plain = 1;
        q->st->quic_flows_decrypted++;
    }
    if (sp == QUIC_SP_APP && dir == 0)
        q->client_plain = 1;
    quic_frames(q, dir, sp, q->buf + hl, (size_t)pl, cb, ctx);
    return 0;
}

/* Keep a packet whose key may still be written to a followed key log. 0 kept, -1 not
 * (no followed key log, nothing to look it up by, or over the caps). */
static int quic_wait(struct quic *q, int dir, const uint8_t *p, size_t n)
{
    uint8_t cr[32];
    struct keylog *kl = q->env->keys;
    if (q->replaying || !kl || !keylog_following(kl) || !tls_client_random(q->tls, cr) ||
        n > 0xffff)
        return -1;
    size_t need = q->wait_len + 3 + n;
    if (need > QUIC_WAIT_MAX || q->env->tls_wait_bytes + 3 + n > DISSECT_TLS_WAIT_TOTAL) {
        q->st->quic_waiting_dropped++;
        return -1;
    }
    if (need > q->wait_alloc) {
        size_t a = q->wait_alloc ? q->wait_alloc : 4096;
        while (a < need)
            a *= 2;
        a = a < QUIC_WAIT_MAX ? a : QUIC_WAIT_MAX;
        uint8_t *w = realloc(q->wait, a);
        if (!w)
            return -1;
        q->wait = w;
        q->wait_alloc = a;
    }
    if (!q->wait_len) {
        q->wait_since = q->env->now_s;
        q->wait_gen = keylog_generation(kl);
    }
    uint8_t *o = q->wait + q->wait_len;
    o[0] = (uint8_t)dir, o[1] = (uint8_t)(n >> 8), o[2] = (uint8_t)n;
    memcpy(o + 3, p, n);
    q->wait_len = need;
    q->env->tls_wait_bytes += 3 + n;
    return 0;
}

static void quic_protected(struct quic *q, int dir, struct quic_hdr *h, const uint8_t *p,
                           const struct dissect_cb *cb, void *ctx)
{
    int sp = h->type == QUIC_PT_INITIAL     ? QUIC_SP_INITIAL
             : h->type == QUIC_PT_HANDSHAKE ? QUIC_SP_HANDSHAKE
                                            : QUIC_SP_APP;
    uint32_t v = h->type == QUIC_PT_1RTT ? q->version : h->version;
    if (!quic_keys_for(q, dir, sp, v)) {
        if (q->unsupported)
            q->st->quic_unsupported++;
        else if (quic_wait(q, dir, p, h->len) == 0)
            return;
        else
            q->st->quic_no_key++;
        q->d[dir].nokey++;
        return;
    }
    if (quic_buf(q, h->len) < 0) {
        q->st->quic_malformed++;
        return;
    }
    if (h->type != QUIC_PT_1RTT) {
        if (quic_open(q, dir, sp, h, p, cb, ctx) < 0)
            q->st->quic_auth_failed++;
        return;
    }
    /* Short header: its DCID length is whatever the peer handed out. */
    for (int i = 0; i < q->d[dir].ncidl; i++) {
        h->pn_off = 1 + (size_t)q->d[dir].cidl[i];
        if (quic_open(q, dir, sp, h, p, cb, ctx) == 0)
            return;
    }
    q->st->quic_auth_failed++;
}

static int quic_zeros(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i])
            return 0;
    return 1;
}

/* One packet at the front of p[0..n): how many bytes it took (0: stop the datagram). */
static size_t quic_packet(struct quic *q, int dir, const uint8_t *p, size_t n,
                          const struct dissect_cb *cb, void *ctx)
{
    struct quic_hdr h = {0};
    if (p[0] & 0x80) {
        if (quic_long(p, n, &h) < 0) {
            q->st->quic_malformed++;
            return 0;
        }
        switch (h.type) {
        case QUIC_PT_VN: q->st->quic_vn++; return n;
        case QUIC_PT_UNKNOWN: q->st->quic_unsupported++; q->unsupported = 1; return n;
        case QUIC_PT_RETRY: q->st->quic_retry++; q->retry |= dir == 1; return n;
        case QUIC_PT_0RTT: q->st->quic_zero_rtt++; return h.len;
        default: break;
        }
        if (quic_long_seen(q, dir, &h) < 0)
            return h.len;
    } else {
        if (!(p[0] & 0x40) && quic_zeros(p, n))
            return 0; /* padding after the last packet */
        h.type = QUIC_PT_1RTT;
        h.len = n;
        q->app_pkts[dir]++;
        if (!q->d[dir].ncidl) {
            if (!q->long_seen && !q->short_only++)
                q->st->quic_midstream++;
            return n;
        }
    }
    quic_protected(q, dir, &h, p, cb, ctx);
    return h.len;
}

/* The key log grew, the wait is over, or the flow ends (last): replay the waiting
 * packets in order. One whose key is still missing waits again (quic_wait appends it
 * to a fresh list) unless the wait is over: then it is dropped and counted. */
static void quic_flush(struct quic *q, int last, const struct dissect_cb *cb, void *ctx)
{
    uint64_t g = keylog_generation(q->env->keys), since = q->wait_since;
    int give_up = last || q->env->now_s >= since + QUIC_WAIT_SECS;
    if (!q->wait_len || (g == q->wait_gen && !give_up))
        return;
    uint8_t *w = q->wait;
    size_t n = q->wait_len;
    q->wait = NULL;
    q->env->tls_wait_bytes -= n;
    q->wait_len = q->wait_alloc = 0;
    uint64_t nokey = q->st->quic_no_key, opened = q->st->quic_packets;
    q->replaying = give_up; /* quic_wait refuses: still keyless means dropped */
    for (size_t off = 0; off + 3 <= n;) {
        size_t l = (size_t)w[off + 1] << 8 | w[off + 2];
        quic_packet(q, w[off], w + off + 3, l, cb, ctx);
        off += 3 + l;
    }
    q->replaying = 0;
    free(w);
    q->st->quic_waited += q->st->quic_packets - opened;
    q->st->quic_waiting_dropped += q->st->quic_no_key - nokey;
    if (q->wait_len)
        q->wait_since = since; /* the wait is counted from the oldest packet */
    q->wait_gen = g;
}

void quic_close(struct quic *q, const struct dissect_cb *cb, void *ctx)
{
    if (q && q->wait_len)
        quic_flush(q, 1, cb, ctx);
}

void quic_datagram(struct quic *q, int dir, const uint8_t *p, size_t n,
                   const struct dissect_cb *cb, void *ctx)
{
    dir &= 1;
    if (q->wait_len)
        quic_flush(q, 0, cb, ctx);
    size_t off = 0;
    while (off < n) {
        size_t used = quic_packet(q, dir, p + off, n - off, cb, ctx);
        if (!used)
            break;
        off += used;
    }
}

int quic_sniff(const uint8_t *p, size_t n)
{
    if (n < 7 || !(p[0] & 0x80))
        return 0;
    uint32_t v = quic_be32(p + 1);
    if (!v)
        return 1; /* Version Negotiation */
    /* A CID length QUIC allows; an unknown version only with the fixed bit in a datagram
     * padded as a client's first Initial must be (RFC 9000 14.1). */
    return p[5] <= 20 && (quic_crypto_version_ok(v) || ((p[0] & 0x40) && n >= 1200));
}

/* ---- why dark ---- */

/* Was a secret this flow needed written to the key log after its packets had gone? */
static int quic_key_late(const struct quic *q)
{
    uint8_t cr[32];
    struct keylog_secrets sec;
    if (!q->env->keys || !(q->d[0].nokey || q->d[1].nokey) || !tls_client_random(q->tls, cr))
        return 0;
    unsigned have = keylog_lookup(q->env->keys, cr, &sec);
    OPENSSL_cleanse(&sec, sizeof sec);
    return (have & (1u << KEYLOG_CTS0 | 1u << KEYLOG_STS0)) != 0;
}

const char *quic_dark_reason(const struct quic *q)
{
    uint8_t cr[32];
    /* The server's first 1-RTT packets (SETTINGS) may decrypt while the client never
     * sends a request: the flow is dark unless the client's side was read. */
    if (!q || q->client_plain)
        return NULL;
    if (tls_offered_ech(q->tls))
        return "ech";
    if (q->unsupported)
        return "unsupported";
    if (!q->have_odcid || !tls_client_random(q->tls, cr))
        return q->long_seen || q->short_only ? "midstream" : NULL;
    if (!tls_server_suite(q->tls))
        return "handshake_incomplete";
    if (tls_cert_seen(q->tls) && !q->app_pkts[0])
        return "pinning";
    if (quic_key_late(q))
        return "key_late";
    return "no_key";
}
