/* http2.c - HTTP/2 frames and HPACK over a decrypted stream; see http2.h.
 *
 * Per direction: the 9-byte frame header, then the payload gathered in a buffer that
 * grows once up to the largest frame seen (at most DISSECT_H2_FRAME_MAX). Header
 * block fragments go straight into that direction's nghttp2 HPACK inflater as they
 * arrive, so a block split by CONTINUATION frames needs no extra buffer. Bodies are
 * decoded in a fixed set of stream slots per direction whose decoders are allocated
 * once and reused.
 *
 * Deliberately not done: validation beyond framing, flow control, priority trees,
 * stream state checks. Anything that breaks HPACK state (a lost or oversized header
 * block) stops the direction: later header blocks could not be decoded reliably. */
#include "dissectors/http2.h"

#include <nghttp2/nghttp2.h>
#include <stdlib.h>
#include <string.h>

#include "common/bytes.h"
#include "common/memcap.h"
#include "dissectors/http1.h"
#include "dissectors/http_body.h"
#include "dissectors/textenc.h"

#define HTTP2_PREFACE "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
#define HTTP2_PREFACE_LEN 24
#define HTTP2_SLOTS 16 /* streams whose bodies are decoded at once, per direction */
#define HTTP2_META 128 /* content-type / content-encoding kept per header block */
/* Largest HPACK dynamic table honoured from SETTINGS_HEADER_TABLE_SIZE (the peer may
 * announce up to 2^32 - 1); an encoder using more is an HPACK error here. */
#define HTTP2_TABLE_MAX 65536u

enum { HTTP2_DATA = 0, HTTP2_HEADERS = 1, HTTP2_RST_STREAM = 3, HTTP2_SETTINGS = 4,
       HTTP2_PUSH_PROMISE = 5, HTTP2_CONTINUATION = 9 };
enum { HTTP2_END_STREAM = 0x1, HTTP2_END_HEADERS = 0x4, HTTP2_PADDED = 0x8, HTTP2_PRIORITY = 0x20 };

struct http2_slot {
    uint32_t sid; /* 0: free */
    uint64_t opened; /* http2_dir.opened when the body began: the oldest is evicted */
    struct http_body *b;
};

struct http2_dir {
    int done;
    size_t preface; /* preface bytes matched so far (client direction) */
    uint8_t fh[9];
    size_t fh_len;
    size_t flen, fgot;
    uint8_t *frame;
    size_t frame_alloc;
    int skip; /* frame over the cap: its payload is passed over */
    nghttp2_hd_inflater *inf;
    /* The header block in progress (HEADERS or PUSH_PROMISE, then CONTINUATION). */
    int hb_open, hb_end_stream, hb_body;
    uint32_t hb_sid;
    char enc[HTTP2_META], ct[HTTP2_META];
    size_t el, cl;
    int64_t pending_table; /* SETTINGS_HEADER_TABLE_SIZE to apply between blocks */
    uint8_t *scratch;      /* writable copy of :path for in-place decoding */
    struct http2_slot slot[HTTP2_SLOTS];
    uint64_t opened;
};

struct http2 {
    struct http2_dir d[2];
    struct dissect_stats *st;
    struct memcap *mc; /* borrowed, may be NULL: frame buffers and bodies drawn from it */
};

void http2_set_memcap(struct http2 *h, struct memcap *mc)
{
    h->mc = mc;
}

struct http2 *http2_new(struct dissect_stats *st)
{
    struct http2 *h = calloc(1, sizeof *h);
    if (!h)
        return NULL;
    h->st = st;
    for (int i = 0; i < 2; i++) {
        h->d[i].pending_table = -1;
        if (nghttp2_hd_inflate_new(&h->d[i].inf) != 0) {
            http2_free(h);
            return NULL;
        }
    }
    h->d[1].preface = HTTP2_PREFACE_LEN; /* only the client sends one */
    return h;
}

void http2_free(struct http2 *h)
{
    if (!h)
        return;
    for (int i = 0; i < 2; i++) {
        struct http2_dir *d = &h->d[i];
        if (d->inf)
            nghttp2_hd_inflate_del(d->inf);
        memcap_give(h->mc, d->frame_alloc);
        free(d->frame);
        free(d->scratch);
        for (int s = 0; s < HTTP2_SLOTS; s++)
            http_body_free(d->slot[s].b);
    }
    free(h);
}

static void http2_stop(struct http2_dir *d)
{
    d->done = 1;
}

/* A writable copy of a header value (at most DISSECT_HTTP_HDR_MAX) for in-place decoding. */
static size_t http2_copy(struct http2_dir *d, const nghttp2_nv *nv)
{
    if (!d->scratch && !(d->scratch = malloc(DISSECT_HTTP_HDR_MAX)))
        return 0;
    size_t n = nv->valuelen < DISSECT_HTTP_HDR_MAX ? nv->valuelen : DISSECT_HTTP_HDR_MAX;
    memcpy(d->scratch, nv->value, n);
    return n;
}

static void http2_keep(char *dst, size_t *dl, const uint8_t *v, size_t n)
{
    *dl = n < HTTP2_META ? n : HTTP2_META;
    memcpy(dst, v, *dl);
}

static void http2_header(struct http2_dir *d, const nghttp2_nv *nv, const struct dissect_cb *cb,
                         void *ctx)
{
    char name[128];
    size_t nl = nv->namelen < sizeof name - 1 ? nv->namelen : sizeof name - 1;
    memcpy(name, nv->name, nl);
    name[nl] = 0;
    if (memchr(name, 0, nl))
        return;
    struct http_body_out o = {cb, ctx, "http2.header"};
    /* :path goes out as http2.uri only, as HTTP/1's request target: one leak, one place. */
    if (strcmp(name, ":path"))
        http_body_emit(&o, name, nv->value, nv->valuelen);
    if (!strcmp(name, ":path")) {
        size_t n = http2_copy(d, nv);
        if (n)
            http1_target(d->scratch, n, "http2.uri", cb, ctx);
    } else if (!strcmp(name, ":authority") || !strcmp(name, "host")) {
        http1_host(nv->value, nv->valuelen, cb, ctx);
    } else if (!strcmp(name, "cookie")) {
        size_t n = http2_copy(d, nv);
        if (n)
            textenc_kv_split(d->scratch, n, ';', 1, 0, http_body_emit_kv, &o);
    } else if (!strcmp(name, "content-encoding")) {
        http2_keep(d->enc, &d->el, nv->value, nv->valuelen);
    } else if (!strcmp(name, "content-type")) {
        http2_keep(d->ct, &d->cl, nv->value, nv->valuelen);
    }
}

/* The slot of stream sid, or with sid 0 a free slot. Stream 0 is the connection, never
 * a request: callers look a stream up only with sid != 0, or a free slot would be taken
 * for a body that was never opened (its decoder NULL). */
static struct http2_slot *http2_slot_find(struct http2_dir *d, uint32_t sid)
{
    for (int i = 0; i < HTTP2_SLOTS; i++)
        if (d->slot[i].sid == sid)
            return &d->slot[i];
    return NULL;
}

static void http2_body_close(struct http2 *h, struct http2_slot *s, const struct dissect_cb *cb,
                             void *ctx)
{
    if (s->b) /* a free slot never had a body: nothing to end */
        http_body_end(s->b, h->st, "http2.body", cb, ctx);
    s->sid = 0;
}

/* A body begins on stream sid (its header block has ended without END_STREAM). With
 * every slot taken, the oldest body ends where it is: refusing the new one would let a
 * peer hide later bodies behind streams it never ends. */
static void http2_body_open(struct http2 *h, struct http2_dir *d, uint32_t sid,
                            const struct dissect_cb *cb, void *ctx)
{
    struct http2_slot *s = http2_slot_find(d, sid);
    if (!s)
        s = http2_slot_find(d, 0);
    if (!s) {
        s = &d->slot[0];
        for (int i = 1; i < HTTP2_SLOTS; i++)
            if (d->slot[i].opened < s->opened)
                s = &d->slot[i];
        h->st->h2_streams_over_cap++;
        http2_body_close(h, s, cb, ctx);
    }
    if (!s->b && !(s->b = http_body_new()))
        return;
    http_body_set_memcap(s->b, h->mc);
    s->sid = sid;
    s->opened = ++d->opened;
    http_body_start(s->b, d->el ? (const uint8_t *)d->enc : NULL, d->el,
                     d->cl ? (const uint8_t *)d->ct : NULL, d->cl, cb && cb->field);
}

/* Feed one header block fragment; final when END_HEADERS. */
static void http2_hpack(struct http2 *h, int dir, const uint8_t *p, size_t n, int final,
                        const struct dissect_cb *cb, void *ctx)
{
    struct http2_dir *d = &h->d[dir];
    for (;;) {
        nghttp2_nv nv;
        int fl = 0;
        ssize_t rv = nghttp2_hd_inflate_hd2(d->inf, &nv, &fl, (uint8_t *)(uintptr_t)p, n, final);
        if (rv < 0) {
            h->st->h2_hpack_errors++;
            http2_stop(d);
            return;
        }
        if (rv) { /* an empty fragment may come with p == NULL */
            p += rv;
            n -= (size_t)rv;
        }
        if (fl & NGHTTP2_HD_INFLATE_EMIT)
            http2_header(d, &nv, cb, ctx);
        if (fl & NGHTTP2_HD_INFLATE_FINAL) {
            nghttp2_hd_inflate_end_headers(d->inf);
            break;
        }
        if (!(fl & NGHTTP2_HD_INFLATE_EMIT) && !n)
            break;
    }
    if (!final)
        return;
    d->hb_open = 0;
    h->st->h2_streams++;
    if (d->pending_table >= 0) {
        int rc = nghttp2_hd_inflate_change_table_size(d->inf, (size_t)d->pending_table);
        d->pending_table = -1;
        if (rc != 0) {
            h->st->h2_hpack_errors++;
            http2_stop(d);
            return;
        }
    }
    /* HEADERS on stream 0 is a protocol error (RFC 9113 6.2), and sid 0 marks a free
     * slot: without this a header block on it would "close" a free slot's absent body.
     * h2c (cleartext, dissect.c) makes this reachable without any key. */
    if (!d->hb_sid)
        return;
    struct http2_slot *s = http2_slot_find(d, d->hb_sid);
    if (d->hb_body && !s && !d->hb_end_stream)
        http2_body_open(h, d, d->hb_sid, cb, ctx);
    else if (s && d->hb_end_stream)
        http2_body_close(h, s, cb, ctx); /* trailers end the body */
}

static void http2_settings(struct http2 *h, int dir, const uint8_t *p, size_t n, uint8_t flags)
{
    if (flags & 1) /* ACK */
        return;
    if (n % 6) {
        h->st->h2_malformed++;
        return;
    }
    /* The peer's decoder limit bounds what the other direction's encoder may use. */
    struct http2_dir *o = &h->d[!dir];
    for (size_t i = 0; i < n; i += 6) {
        uint16_t id = load_be16(p + i);
        uint32_t v = load_be32(p + i + 2);
        if (id != 1)
            continue;
        if (v > HTTP2_TABLE_MAX)
            v = HTTP2_TABLE_MAX;
        if (o->hb_open) {
            o->pending_table = v;
        } else if (!o->done && nghttp2_hd_inflate_change_table_size(o->inf, v) != 0) {
            h->st->h2_hpack_errors++;
            http2_stop(o);
        }
    }
}

/* Strip padding (and HEADERS priority) from a payload; -1 if inconsistent. */
static int http2_unpad(uint8_t flags, int prio, const uint8_t **p, size_t *n)
{
    struct bytes b = bytes_init(*p, *n);
    size_t pad = (flags & HTTP2_PADDED) ? bytes_u8(&b) : 0;
    if (prio)
        bytes_skip(&b, 5); /* stream dependency and weight */
    if (b.err || pad > bytes_left(&b))
        return -1;
    *p = b.p + b.off;
    *n = bytes_left(&b) - pad;
    return 0;
}

static void http2_frame(struct http2 *h, int dir, const struct dissect_cb *cb, void *ctx)
{
    struct http2_dir *d = &h->d[dir];
    uint8_t type = d->fh[3], flags = d->fh[4];
    uint32_t sid = load_be32(d->fh + 5) & 0x7fffffffu;
    const uint8_t *p = d->frame ? d->frame : (const uint8_t *)""; /* NULL + 0 is UB */
    size_t n = d->flen;
    h->st->h2_frames++;
    if (d->hb_open && type != HTTP2_CONTINUATION) {
        h->st->h2_malformed++; /* a header block must be contiguous */
        http2_stop(d);
        return;
    }
    switch (type) {
    case HTTP2_DATA: {
        if (http2_unpad(flags, 0, &p, &n) < 0) {
            h->st->h2_malformed++;
            return;
        }
        struct http2_slot *s = sid ? http2_slot_find(d, sid) : NULL;
        if (!s)
            return;
        http_body_data(s->b, h->st, p, n);
        if (flags & HTTP2_END_STREAM)
            http2_body_close(h, s, cb, ctx);
        return;
    }
    case HTTP2_HEADERS:
    case HTTP2_PUSH_PROMISE:
        if (!sid) { /* RFC 9113 6.2, 6.6: a connection error; the peer closes it */
            h->st->h2_malformed++;
            http2_stop(d);
            return;
        }
        if (http2_unpad(flags, type == HTTP2_HEADERS && (flags & HTTP2_PRIORITY), &p, &n) < 0 ||
            (type == HTTP2_PUSH_PROMISE && n < 4)) {
            h->st->h2_hpack_errors++;
            http2_stop(d);
            return;
        }
        if (type == HTTP2_PUSH_PROMISE) {
            p += 4;
            n -= 4;
        }
        d->hb_open = 1;
        d->hb_sid = sid;
        d->hb_body = type == HTTP2_HEADERS;
        d->hb_end_stream = type == HTTP2_HEADERS && (flags & HTTP2_END_STREAM);
        d->el = d->cl = 0;
        http2_hpack(h, dir, p, n, !!(flags & HTTP2_END_HEADERS), cb, ctx);
        return;
    case HTTP2_CONTINUATION:
        if (!d->hb_open || !sid || sid != d->hb_sid) {
            h->st->h2_malformed++;
            http2_stop(d);
            return;
        }
        http2_hpack(h, dir, p, n, !!(flags & HTTP2_END_HEADERS), cb, ctx);
        return;
    case HTTP2_SETTINGS:
        http2_settings(h, dir, p, n, flags);
        return;
    case HTTP2_RST_STREAM: /* the stream ends both ways: free its slots for later bodies */
        if (!sid || n != 4) {
            h->st->h2_malformed++;
            return;
        }
        for (int i = 0; i < 2; i++) {
            struct http2_slot *s = http2_slot_find(&h->d[i], sid);
            if (s)
                http2_body_close(h, s, cb, ctx);
        }
        return;
    default:
        return;
    }
}

void http2_data(struct http2 *h, int dir, const uint8_t *data, size_t len,
                const struct dissect_cb *cb, void *ctx)
{
    struct http2_dir *d = &h->d[dir & 1];
    while (len && !d->done) {
        if (d->preface < HTTP2_PREFACE_LEN) {
            size_t k = HTTP2_PREFACE_LEN - d->preface < len ? HTTP2_PREFACE_LEN - d->preface : len;
            if (memcmp(data, &HTTP2_PREFACE[d->preface], k) != 0) {
                h->st->h2_malformed++;
                http2_stop(d);
                return;
            }
            d->preface += k;
            data += k;
            len -= k;
            continue;
        }
        if (d->fh_len < 9) {
            if (!bytes_gather(d->fh, &d->fh_len, 9, &data, &len))
                return;
            d->flen = load_be24(d->fh);
            d->fgot = 0;
            d->skip = d->flen > DISSECT_H2_FRAME_MAX;
            if (d->skip) {
                h->st->h2_frame_too_long++;
                if (d->fh[3] != HTTP2_DATA) {
                    /* A lost header block breaks HPACK; other frames do not matter. */
                    if (d->fh[3] == HTTP2_HEADERS || d->fh[3] == HTTP2_PUSH_PROMISE ||
                        d->fh[3] == HTTP2_CONTINUATION) {
                        h->st->h2_hpack_errors++;
                        http2_stop(d);
                        return;
                    }
                }
            } else if (d->flen > d->frame_alloc) {
                size_t a = d->frame_alloc ? d->frame_alloc : 16384;
                while (a < d->flen)
                    a *= 2;
                /* Budget spent: stop this direction as for any frame it cannot hold. */
                uint8_t *f = NULL;
                if (memcap_take(h->mc, a - d->frame_alloc) && !(f = realloc(d->frame, a)))
                    memcap_give(h->mc, a - d->frame_alloc);
                if (!f) {
                    http2_stop(d);
                    return;
                }
                d->frame = f;
                d->frame_alloc = a;
            }
        }
        size_t k = d->flen - d->fgot < len ? d->flen - d->fgot : len;
        if (k && !d->skip)
            memcpy(d->frame + d->fgot, data, k);
        d->fgot += k;
        data += k;
        len -= k;
        if (d->fgot == d->flen) {
            d->fh_len = 0;
            if (!d->skip)
                http2_frame(h, dir & 1, cb, ctx);
        }
    }
}

void http2_gap(struct http2 *h, int dir)
{
    http2_stop(&h->d[dir & 1]);
}

void http2_close(struct http2 *h, const struct dissect_cb *cb, void *ctx)
{
    for (int i = 0; i < 2; i++)
        for (int s = 0; s < HTTP2_SLOTS; s++)
            if (h->d[i].slot[s].sid)
                http2_body_close(h, &h->d[i].slot[s], cb, ctx);
}
