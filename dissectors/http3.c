/* http3.c - HTTP/3 frames and QPACK over QUIC streams; see http3.h.
 *
 * Each stream direction has a slot: its type, the partial frame header, and for
 * HEADERS (and SETTINGS) the frame payload gathered in a buffer kept for the slot's
 * life (grown up to DISSECT_H3_FRAME_MAX). DATA payload is not gathered here: it goes
 * straight to the body decoder. A QPACK decoder for the header blocks sent in one
 * direction is made when first needed, with the table capacity the receiving peer
 * announced in SETTINGS (the Required Insert Count encoding depends on it, RFC 9204
 * 4.5.1.1); it is made again if that SETTINGS comes later while the table is empty. */
#include "dissectors/http3.h"

#include <nghttp3/nghttp3.h>
#include <stdlib.h>
#include <string.h>

#include "dissectors/http1.h"
#include "dissectors/http_body.h"
#include "dissectors/textenc.h"

#define HTTP3_META 128    /* content-type / content-encoding kept per header block */
#define HTTP3_SETTINGS_MAX 1024
#define HTTP3_CAP_MAX (64u * 1024) /* QPACK table capacity we follow */
#define HTTP3_BLOCKED_MAX 100

enum { H3_UNTYPED, H3_REQUEST, H3_CONTROL, H3_ENCODER, H3_SKIP };

struct h3_slot {
    int used, kind, dir;
    uint64_t sid;
    uint8_t hb[16];           /* frame header or stream type being read */
    size_t hl;
    int in_frame, skip_frame;
    uint64_t ftype, flen, fgot;
    uint8_t *fbuf;            /* HEADERS / SETTINGS payload */
    size_t falloc, fused;     /* fused: bytes QPACK consumed (a blocked block resumes) */
    int blocked, headers_done;
    nghttp3_qpack_stream_context *sctx;
    struct http_body *body;
    int body_open;
    char enc[HTTP3_META], ct[HTTP3_META];
    size_t el, cl;
};

struct http3 {
    struct dissect_stats *st;
    struct h3_slot s[HTTP3_SLOTS];
    nghttp3_qpack_decoder *dec[2]; /* decodes header blocks sent in direction i */
    size_t dec_cap[2];
    int dec_dead[2];
    uint64_t cap[2];               /* QPACK_MAX_TABLE_CAPACITY announced in direction i */
    int have_cap[2];
    uint8_t *scratch;              /* writable copy of a value (DISSECT_HTTP_HDR_MAX) */
};

struct http3 *http3_new(struct dissect_stats *st)
{
    struct http3 *h = calloc(1, sizeof *h);
    if (h)
        h->st = st;
    return h;
}

static void http3_slot_clear(struct h3_slot *s)
{
    free(s->fbuf);
    nghttp3_qpack_stream_context_del(s->sctx);
    http_body_free(s->body);
    memset(s, 0, sizeof *s);
}

void http3_free(struct http3 *h)
{
    if (!h)
        return;
    for (int i = 0; i < HTTP3_SLOTS; i++)
        http3_slot_clear(&h->s[i]);
    for (int i = 0; i < 2; i++)
        nghttp3_qpack_decoder_del(h->dec[i]);
    free(h->scratch);
    free(h);
}

/* Length of a complete varint at p[0..n), or 0 when more bytes are needed. */
static size_t http3_vlen(const uint8_t *p, size_t n)
{
    size_t l = n ? (size_t)1 << (p[0] >> 6) : 1;
    return n >= l ? l : 0;
}

static uint64_t http3_vget(const uint8_t *p, size_t l)
{
    uint64_t v = p[0] & 0x3f;
    for (size_t i = 1; i < l; i++)
        v = v << 8 | p[i];
    return v;
}

/* ---- QPACK ---- */

static nghttp3_qpack_decoder *http3_decoder(struct http3 *h, int dir)
{
    if (h->dec_dead[dir])
        return NULL;
    size_t cap = h->have_cap[!dir] ? (size_t)h->cap[!dir] : 0;
    if (h->dec[dir] && h->dec_cap[dir] != cap && !nghttp3_qpack_decoder_get_icnt(h->dec[dir])) {
        nghttp3_qpack_decoder_del(h->dec[dir]);
        h->dec[dir] = NULL;
    }
    if (!h->dec[dir]) {
        if (nghttp3_qpack_decoder_new(&h->dec[dir], cap, HTTP3_BLOCKED_MAX,
                                      nghttp3_mem_default()) != 0) {
            h->dec[dir] = NULL;
            h->dec_dead[dir] = 1;
            return NULL;
        }
        h->dec_cap[dir] = cap;
    }
    return h->dec[dir];
}

/* The decoder queues acknowledgements for a decoder stream nobody reads here: drop
 * them so they do not pile up. */
static void http3_drain(nghttp3_qpack_decoder *dec)
{
    uint8_t tmp[512];
    size_t n;
    while ((n = nghttp3_qpack_decoder_get_decoder_streamlen(dec)) > 0) {
        if (n > sizeof tmp) {
            uint8_t *b = malloc(n);
            if (!b)
                return;
            nghttp3_buf buf = {b, b + n, b, b};
            nghttp3_qpack_decoder_write_decoder(dec, &buf);
            free(b);
            return;
        }
        nghttp3_buf buf = {tmp, tmp + sizeof tmp, tmp, tmp};
        nghttp3_qpack_decoder_write_decoder(dec, &buf);
    }
}

static void http3_field(const struct dissect_cb *cb, void *ctx, const char *where,
                        const char *key, const uint8_t *v, size_t n)
{
    if (cb && cb->field)
        cb->field(ctx, where, key, v, n);
}

struct http3_out {
    const struct dissect_cb *cb;
    void *ctx;
};

static void http3_kv(void *arg, const char *key, const uint8_t *v, size_t n)
{
    struct http3_out *o = arg;
    http3_field(o->cb, o->ctx, "http3.header", key, v, n);
}

static size_t http3_copy(struct http3 *h, const uint8_t *v, size_t n)
{
    if (!h->scratch && !(h->scratch = malloc(DISSECT_HTTP_HDR_MAX)))
        return 0;
    n = n < DISSECT_HTTP_HDR_MAX ? n : DISSECT_HTTP_HDR_MAX;
    memcpy(h->scratch, v, n);
    return n;
}

static void http3_keep(char *dst, size_t *dl, const uint8_t *v, size_t n)
{
    *dl = n < HTTP3_META ? n : HTTP3_META;
    memcpy(dst, v, *dl);
}

static void http3_header(struct http3 *h, struct h3_slot *s, const nghttp3_qpack_nv *nv,
                         const struct dissect_cb *cb, void *ctx)
{
    nghttp3_vec nm = nghttp3_rcbuf_get_buf(nv->name), vl = nghttp3_rcbuf_get_buf(nv->value);
    const char *name = (const char *)nm.base; /* NUL-terminated by nghttp3 */
    if (memchr(nm.base, 0, nm.len))
        return;
    http3_field(cb, ctx, "http3.header", name, vl.base, vl.len);
    if (!strcmp(name, ":path")) {
        size_t n = http3_copy(h, vl.base, vl.len);
        if (n)
            http1_target(h->scratch, n, "http3.uri", cb, ctx);
    } else if (!strcmp(name, ":authority") || !strcmp(name, "host")) {
        http1_host(vl.base, vl.len, cb, ctx);
    } else if (!strcmp(name, "cookie")) {
        size_t n = http3_copy(h, vl.base, vl.len);
        struct http3_out o = {cb, ctx};
        if (n)
            textenc_kv_split(h->scratch, n, ';', 1, 0, http3_kv, &o);
    } else if (!strcmp(name, "content-encoding")) {
        http3_keep(s->enc, &s->el, vl.base, vl.len);
    } else if (!strcmp(name, "content-type")) {
        http3_keep(s->ct, &s->cl, vl.base, vl.len);
    }
}

/* The decoder of dir refused a header block and will refuse all after it. With an
 * empty dynamic table nothing is lost by starting a new one (later streams decode);
 * with entries in it, the table cannot be rebuilt: the direction's headers stop. */
static void http3_decoder_failed(struct http3 *h, int dir)
{
    if (h->dec[dir] && !nghttp3_qpack_decoder_get_icnt(h->dec[dir])) {
        nghttp3_qpack_decoder_del(h->dec[dir]);
        h->dec[dir] = NULL;
    } else {
        h->dec_dead[dir] = 1;
    }
}

/* Decode (or resume) the header block in s->fbuf[s->fused..s->fgot). */
static void http3_decode(struct http3 *h, struct h3_slot *s, const struct dissect_cb *cb,
                         void *ctx)
{
    nghttp3_qpack_decoder *dec = http3_decoder(h, s->dir);
    if (!dec || (!s->sctx && nghttp3_qpack_stream_context_new(&s->sctx, (int64_t)s->sid,
                                                               nghttp3_mem_default()) != 0)) {
        h->st->h3_qpack_errors++;
        s->kind = H3_SKIP;
        return;
    }
    s->blocked = 0;
    for (;;) {
        nghttp3_qpack_nv nv;
        uint8_t flags = 0;
        static const uint8_t none[1];
        const uint8_t *src = s->fbuf ? s->fbuf + s->fused : none; /* an empty block */
        nghttp3_ssize r = nghttp3_qpack_decoder_read_request(dec, s->sctx, &nv, &flags, src,
                                                             (size_t)s->fgot - s->fused, 1);
        if (r < 0) {
            /* A reference past the table, a bad literal: this stream's headers cannot be
             * trusted; a fatal error takes the direction's decoder with it. */
            h->st->h3_qpack_errors++;
            http3_decoder_failed(h, s->dir);
            s->kind = H3_SKIP;
            return;
        }
        s->fused += (size_t)r;
        if (flags & NGHTTP3_QPACK_DECODE_FLAG_EMIT) {
            http3_header(h, s, &nv, cb, ctx);
            nghttp3_rcbuf_decref(nv.name);
            nghttp3_rcbuf_decref(nv.value);
        }
        if (flags & NGHTTP3_QPACK_DECODE_FLAG_FINAL) {
            h->st->h3_headers++;
            s->headers_done = 1;
            nghttp3_qpack_stream_context_reset(s->sctx);
            http3_drain(dec);
            return;
        }
        if (flags & NGHTTP3_QPACK_DECODE_FLAG_BLOCKED) {
            s->blocked = 1;
            return;
        }
        if (!r && !(flags & NGHTTP3_QPACK_DECODE_FLAG_EMIT)) {
            h->st->h3_qpack_errors++;
            s->kind = H3_SKIP;
            return;
        }
    }
}

/* Encoder stream bytes of direction dir: the table grows; blocked blocks resume. */
static void http3_encoder(struct http3 *h, int dir, const uint8_t *p, size_t n,
                          const struct dissect_cb *cb, void *ctx)
{
    nghttp3_qpack_decoder *dec = http3_decoder(h, dir);
    if (!dec || !n)
        return;
    if (nghttp3_qpack_decoder_read_encoder(dec, p, n) < 0) {
        h->st->h3_qpack_errors++;
        h->dec_dead[dir] = 1;
        return;
    }
    for (int i = 0; i < HTTP3_SLOTS; i++) {
        struct h3_slot *s = &h->s[i];
        if (s->used && s->dir == dir && s->blocked && s->kind == H3_REQUEST)
            http3_decode(h, s, cb, ctx);
    }
}

/* ---- frames ---- */

static void http3_settings(struct http3 *h, struct h3_slot *s)
{
    const uint8_t *p = s->fbuf;
    size_t n = (size_t)s->fgot, off = 0;
    while (off < n) {
        size_t a = http3_vlen(p + off, n - off);
        size_t b = a ? http3_vlen(p + off + a, n - off - a) : 0;
        if (!b) {
            h->st->h3_malformed++;
            return;
        }
        uint64_t id = http3_vget(p + off, a), v = http3_vget(p + off + a, b);
        if (id == 0x01) { /* SETTINGS_QPACK_MAX_TABLE_CAPACITY */
            h->cap[s->dir] = v < HTTP3_CAP_MAX ? v : HTTP3_CAP_MAX;
            h->have_cap[s->dir] = 1;
        }
        off += a + b;
    }
}

static void http3_body_end(struct http3 *h, struct h3_slot *s, const struct dissect_cb *cb,
                           void *ctx)
{
    if (s->body_open)
        http_body_end(s->body, h->st, "http3.body", cb, ctx);
    s->body_open = 0;
}

static void http3_data(struct http3 *h, struct h3_slot *s, const uint8_t *p, size_t n,
                       int want)
{
    if (!s->body_open) {
        if (!s->body && !(s->body = http_body_new()))
            return;
        http_body_start(s->body, s->el ? (const uint8_t *)s->enc : NULL, s->el,
                        s->cl ? (const uint8_t *)s->ct : NULL, s->cl, want);
        s->body_open = 1;
    }
    http_body_data(s->body, h->st, p, n);
}

/* A frame header is complete in s->hb: start its payload. */
static void http3_frame_start(struct http3 *h, struct h3_slot *s)
{
    size_t a = http3_vlen(s->hb, s->hl);
    s->ftype = http3_vget(s->hb, a);
    s->flen = http3_vget(s->hb + a, s->hl - a);
    s->fgot = 0;
    s->in_frame = 1;
    s->hl = 0;
    h->st->h3_frames++;
    int gather = (s->kind == H3_REQUEST && s->ftype == 0x01) ||
                 (s->kind == H3_CONTROL && s->ftype == 0x04);
    size_t max = s->ftype == 0x04 ? HTTP3_SETTINGS_MAX : DISSECT_H3_FRAME_MAX;
    s->skip_frame = !gather && !(s->kind == H3_REQUEST && s->ftype == 0x00);
    if (!gather)
        return;
    if (s->flen > max) {
        h->st->h3_frame_too_long++;
        s->skip_frame = 1;
        return;
    }
    if (s->flen > s->falloc) {
        uint8_t *b = realloc(s->fbuf, (size_t)s->flen);
        if (!b) {
            s->skip_frame = 1;
            return;
        }
        s->fbuf = b;
        s->falloc = (size_t)s->flen;
    }
    s->fused = 0;
    s->blocked = 0;
}

static void http3_frame_end(struct http3 *h, struct h3_slot *s, const struct dissect_cb *cb,
                            void *ctx)
{
    s->in_frame = 0;
    if (s->skip_frame)
        return;
    if (s->ftype == 0x04)
        http3_settings(h, s);
    else if (s->ftype == 0x01)
        http3_decode(h, s, cb, ctx);
}

/* Frames of a control or request stream. Returns bytes used. */
static size_t http3_frames(struct http3 *h, struct h3_slot *s, const uint8_t *p, size_t n,
                           const struct dissect_cb *cb, void *ctx)
{
    size_t off = 0;
    while (off < n && s->kind != H3_SKIP) {
        if (!s->in_frame) {
            s->hb[s->hl++] = p[off++];
            size_t a = http3_vlen(s->hb, s->hl);
            if (a && http3_vlen(s->hb + a, s->hl - a))
                http3_frame_start(h, s);
            else if (s->hl == sizeof s->hb)
                s->kind = H3_SKIP; /* cannot happen with valid varints */
            if (!s->in_frame || s->flen)
                continue;
        }
        size_t take = s->flen - s->fgot < n - off ? (size_t)(s->flen - s->fgot) : n - off;
        if (take && !s->skip_frame && s->ftype == 0x00)
            http3_data(h, s, p + off, take, cb && cb->field);
        else if (take && !s->skip_frame)
            memcpy(s->fbuf + s->fgot, p + off, take);
        s->fgot += take;
        off += take;
        if (s->fgot == s->flen)
            http3_frame_end(h, s, cb, ctx);
    }
    return off;
}

/* ---- streams ---- */

static struct h3_slot *http3_slot(struct http3 *h, int dir, uint64_t sid, const uint8_t *p)
{
    struct h3_slot *fr = NULL;
    for (int i = 0; i < HTTP3_SLOTS; i++) {
        struct h3_slot *s = &h->s[i];
        if (s->used && s->sid == sid && s->dir == dir)
            return s;
        if (!s->used && !fr)
            fr = s;
    }
    if (!fr || !p)
        return NULL; /* every slot taken: this stream is not parsed */
    fr->used = 1;
    fr->sid = sid;
    fr->dir = dir;
    fr->kind = (sid & 2) ? H3_UNTYPED : ((sid & 1) ? H3_SKIP : H3_REQUEST);
    return fr;
}

/* The first varint of a unidirectional stream says what it carries. */
static size_t http3_uni_type(struct h3_slot *s, const uint8_t *p, size_t n)
{
    size_t off = 0;
    while (off < n && s->kind == H3_UNTYPED) {
        s->hb[s->hl++] = p[off++];
        size_t a = http3_vlen(s->hb, s->hl);
        if (!a)
            continue;
        uint64_t t = http3_vget(s->hb, a);
        s->kind = t == 0x00 ? H3_CONTROL : t == 0x02 ? H3_ENCODER : H3_SKIP;
        s->hl = 0;
    }
    return off;
}

void http3_stream(struct http3 *h, int dir, uint64_t sid, const uint8_t *p, size_t n, int fin,
                  const struct dissect_cb *cb, void *ctx)
{
    dir &= 1;
    struct h3_slot *s = http3_slot(h, dir, sid, p);
    if (!s)
        return;
    size_t off = 0;
    if (p && s->kind == H3_UNTYPED)
        off = http3_uni_type(s, p, n);
    if (p && off < n) {
        if (s->kind == H3_ENCODER)
            http3_encoder(h, dir, p + off, n - off, cb, ctx);
        else if (s->kind == H3_REQUEST || s->kind == H3_CONTROL)
            http3_frames(h, s, p + off, n - off, cb, ctx);
    }
    if (fin) {
        http3_body_end(h, s, cb, ctx);
        if (s->blocked)
            h->st->h3_qpack_errors++; /* its encoder data never came */
        http3_slot_clear(s);
    }
}

void http3_close(struct http3 *h, const struct dissect_cb *cb, void *ctx)
{
    for (int i = 0; i < HTTP3_SLOTS; i++)
        if (h->s[i].used)
            http3_body_end(h, &h->s[i], cb, ctx);
}
