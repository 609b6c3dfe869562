/* http_body.c - HTTP body decoding and the shared field emitter; see http_body.h.
 *
 * The body buffer starts small and doubles up to DISSECT_BODY_MAX; zlib inflates
 * straight into it, so a compression bomb stops at the cap (counted) rather than
 * growing memory. The z_stream is initialised once per object and reset for each body.
 * Nothing here knows about framing: the dissectors say where a body begins and ends. */
#include "dissectors/http_body.h"

#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "common/memcap.h"
#include "dissectors/compress.h"
#include "dissectors/textenc.h"

#define HTTP_BODY_INIT 4096
/* What an inflate stream holds (zlib's state and its 32 KiB window), drawn from the
 * memory budget while the body's decoder exists. */
#define HTTP_BODY_Z_COST (40u * 1024)
#define HTTP_BODY_JSON_MAX_VALUES 4096

enum http_body_zstate { HTTP_BODY_Z_IDLE, HTTP_BODY_Z_RUN, HTTP_BODY_Z_DONE };

struct http_body {
    int want;        /* body is copied: it will be decoded or parsed */
    int emit_whole;  /* whole body differs from the raw stream: hand it over */
    int truncated;   /* body cap hit (counted once per message) */
    enum http_body_coding coding;
    enum http_body_ctype ctype;
    uint8_t *body;
    size_t body_len, body_alloc;
    uint8_t *work; /* copy of the body decoded in place when the body is also whole */
    size_t work_alloc;
    z_stream z;
    int z_ready; /* inflateInit2 done; ended with the body (zlib holds ~40 KiB) */
    enum http_body_zstate zst;
    struct memcap *mc; /* borrowed, may be NULL: body, work and inflate bytes drawn */
};

void http_body_emit(const struct http_body_out *o, const char *key, const uint8_t *v,
                    size_t n)
{
    if (o->cb && o->cb->field)
        o->cb->field(o->ctx, o->where, key, v, n);
}

void http_body_emit_kv(void *arg, const char *key, const uint8_t *val, size_t len)
{
    http_body_emit(arg, key, val, len);
}

static void http_body_emit_kvs(void *arg, const struct dissect_kv *kv, size_t n)
{
    const struct http_body_out *o = arg;
    if (o->cb)
        dissect_cb_fields(o->cb, o->ctx, o->where, kv, n);
}

enum http_body_coding http_body_coding_of(const uint8_t *val, size_t vl)
{
    if (textenc_icontains(val, vl, "gzip"))
        return HTTP_BODY_GZIP;
    if (textenc_icontains(val, vl, "deflate"))
        return HTTP_BODY_DEFLATE;
    if (textenc_icontains(val, vl, "zstd"))
        return HTTP_BODY_ZSTD;
    if (textenc_iprefix(val, vl, "br") &&
        (vl == 2 || val[2] == ',' || val[2] == ' ' || val[2] == ';'))
        return HTTP_BODY_BR;
    if (vl && !textenc_icontains(val, vl, "identity"))
        return HTTP_BODY_OTHER;
    return HTTP_BODY_IDENTITY;
}

enum http_body_ctype http_body_ctype_of(const uint8_t *val, size_t vl)
{
    if (textenc_icontains(val, vl, "x-www-form-urlencoded"))
        return HTTP_BODY_CT_FORM;
    if (textenc_icontains(val, vl, "json"))
        return HTTP_BODY_CT_JSON;
    /* Pictures, sound and video are left to the raw scan: not copied to be decoded. */
    if (textenc_iprefix(val, vl, "image/") || textenc_iprefix(val, vl, "video/") ||
        textenc_iprefix(val, vl, "audio/") || textenc_iprefix(val, vl, "font/"))
        return HTTP_BODY_CT_MEDIA;
    return HTTP_BODY_CT_OTHER;
}

struct http_body *http_body_new(void)
{
    return calloc(1, sizeof(struct http_body));
}

void http_body_free(struct http_body *b)
{
    if (!b)
        return;
    memcap_give(b->mc, b->body_alloc + b->work_alloc + (b->z_ready ? HTTP_BODY_Z_COST : 0));
    free(b->body);
    free(b->work);
    if (b->z_ready)
        inflateEnd(&b->z);
    free(b);
}

void http_body_set_memcap(struct http_body *b, struct memcap *mc)
{
    b->mc = mc;
}

void http_body_begin(struct http_body *b, enum http_body_coding coding,
                     enum http_body_ctype ctype, int whole, int want)
{
    b->coding = coding;
    b->ctype = ctype;
    b->truncated = 0;
    b->body_len = 0;
    b->zst = HTTP_BODY_Z_IDLE;
    b->emit_whole = whole;
    b->want = want;
}

void http_body_start(struct http_body *b, const uint8_t *enc, size_t el, const uint8_t *ct,
                     size_t cl, int want)
{
    enum http_body_coding coding = enc ? http_body_coding_of(enc, el) : HTTP_BODY_IDENTITY;
    /* Framed (HTTP/2 DATA): the raw scan sees the body cut by frame headers. */
    http_body_begin(b, coding, ct ? http_body_ctype_of(ct, cl) : HTTP_BODY_CT_NONE, 1,
                    want && coding != HTTP_BODY_OTHER);
}

/* ---- body buffer and zlib ---- */

/* Make room for at least one more byte; 0 when the cap is reached. */
static int http_body_grow(struct http_body *d)
{
    if (d->body_len < d->body_alloc)
        return 1;
    if (d->body_alloc >= DISSECT_BODY_MAX)
        return 0;
    size_t n = d->body_alloc ? d->body_alloc * 2 : HTTP_BODY_INIT;
    if (n > DISSECT_BODY_MAX)
        n = DISSECT_BODY_MAX;
    if (!memcap_take(d->mc, n - d->body_alloc))
        return 0; /* budget spent: the body is cut here (http_body_truncated) */
    uint8_t *b = realloc(d->body, n);
    if (!b) {
        memcap_give(d->mc, n - d->body_alloc);
        return 0;
    }
    d->body = b;
    d->body_alloc = n;
    return 1;
}

static void http_body_append(struct dissect_stats *st, struct http_body *d,
                             const uint8_t *p, size_t n)
{
    while (n) {
        if (!http_body_grow(d)) {
            if (!d->truncated)
                st->http_body_truncated++;
            d->truncated = 1;
            return;
        }
        size_t take = d->body_alloc - d->body_len;
        if (take > n)
            take = n;
        memcpy(d->body + d->body_len, p, take);
        d->body_len += take;
        p += take;
        n -= take;
    }
}

static int http_body_z_start(struct http_body *d, uint8_t first)
{
    int wbits = 15 + 16; /* gzip */
    if (d->coding == HTTP_BODY_DEFLATE)
        /* "deflate" is meant to be zlib-wrapped but many servers send raw deflate;
         * a zlib header has CM = 8 and a window size nibble of at most 7. */
        wbits = ((first & 0x0f) == 8 && (first >> 4) <= 7) ? 15 : -15;
    if (d->z_ready && inflateReset2(&d->z, wbits) == Z_OK)
        return 0;
    if (d->z_ready)
        inflateEnd(&d->z);
    else if (!memcap_take(d->mc, HTTP_BODY_Z_COST))
        return -1; /* budget spent: not inflated (counted as a zlib error) */
    d->z_ready = 0;
    memset(&d->z, 0, sizeof d->z);
    if (inflateInit2(&d->z, wbits) != Z_OK) {
        memcap_give(d->mc, HTTP_BODY_Z_COST);
        return -1;
    }
    d->z_ready = 1;
    return 0;
}

static void http_body_inflate(struct dissect_stats *st, struct http_body *d,
                              const uint8_t *p, size_t n)
{
    if (d->zst == HTTP_BODY_Z_DONE || !n)
        return;
    if (d->zst == HTTP_BODY_Z_IDLE) {
        if (http_body_z_start(d, p[0]) < 0) {
            st->zlib_errors++;
            d->zst = HTTP_BODY_Z_DONE;
            return;
        }
        d->zst = HTTP_BODY_Z_RUN;
    }
    d->z.next_in = (Bytef *)(uintptr_t)p; /* zlib does not write through next_in */
    d->z.avail_in = (uInt)n;
    for (;;) {
        if (!http_body_grow(d)) {
            st->zlib_bombs++;
            d->zst = HTTP_BODY_Z_DONE;
            return;
        }
        d->z.next_out = d->body + d->body_len;
        d->z.avail_out = (uInt)(d->body_alloc - d->body_len);
        int r = inflate(&d->z, Z_NO_FLUSH);
        d->body_len = d->body_alloc - d->z.avail_out;
        if (r == Z_STREAM_END) {
            d->zst = HTTP_BODY_Z_DONE;
            return;
        }
        if (r != Z_OK && r != Z_BUF_ERROR) {
            st->zlib_errors++;
            d->zst = HTTP_BODY_Z_DONE;
            return;
        }
        /* Done with this input unless zlib filled the output and may hold more. */
        if (d->z.avail_in == 0 && d->z.avail_out != 0)
            return;
        if (r == Z_BUF_ERROR && d->z.avail_out != 0)
            return;
    }
}

void http_body_data(struct http_body *d, struct dissect_stats *st, const uint8_t *p,
                    size_t n)
{
    if (!d->want || !n)
        return;
    if (d->coding == HTTP_BODY_GZIP || d->coding == HTTP_BODY_DEFLATE)
        http_body_inflate(st, d, p, n);
    else
        http_body_append(st, d, p, n);
}

void http_body_hole(struct http_body *b)
{
    if (b->coding == HTTP_BODY_GZIP || b->coding == HTTP_BODY_DEFLATE)
        b->zst = HTTP_BODY_Z_DONE;
}

/* ---- end of a body ---- */

static int http_body_looks_json(const uint8_t *b, size_t n)
{
    size_t i = 0;
    while (i < n && (b[i] == ' ' || b[i] == '\r' || b[i] == '\n' || b[i] == '\t'))
        i++;
    return i < n && (b[i] == '{' || b[i] == '[');
}

/* Keyed parts first, so a finding deduplicated by place keeps its key; they are
 * decoded in place, so when the whole body follows they work on a copy. */
static void http_body_emit_all(struct http_body *d, struct http_body_out *o)
{
    int form = d->ctype == HTTP_BODY_CT_FORM;
    int json = !form && (d->ctype == HTTP_BODY_CT_JSON ||
                         http_body_looks_json(d->body, d->body_len));
    uint8_t *parts = d->body;
    if ((form || json) && d->emit_whole) {
        if (d->work_alloc < d->body_len) {
            free(d->work);
            memcap_give(d->mc, d->work_alloc);
            d->work_alloc = 0;
            d->work = NULL; /* budget spent: no keyed parts, the whole body still goes */
            if (memcap_take(d->mc, d->body_len) && !(d->work = malloc(d->body_len)))
                memcap_give(d->mc, d->body_len);
            if (d->work)
                d->work_alloc = d->body_len;
        }
        parts = d->work;
        if (parts)
            memcpy(parts, d->body, d->body_len);
    }
    if (parts && form)
        textenc_kv_split_batch(parts, d->body_len, '&', 0, 1, http_body_emit_kvs, o);
    else if (parts && json)
        textenc_json_walk(parts, d->body_len, HTTP_BODY_JSON_MAX_VALUES, http_body_emit_kv, o);
    /* A body nobody split is handed over whole too: the decoding pipeline (unwrap.h)
     * looks inside it (base64 bodies of many SDKs). */
    if (d->emit_whole || !(parts && (form || json)))
        http_body_emit(o, "", d->body, d->body_len);
}

/* br and zstd bodies are buffered as sent and decoded whole at their end (compress.h);
 * the decoded body replaces the buffer, which is released after the message as every
 * body buffer is. Invalid data leaves nothing to hand over: the raw
 * scan saw the compressed bytes. */
static void http_body_decompress(struct http_body *d, struct dissect_stats *st)
{
    int capped = 0;
    uint8_t *out = NULL;
    if (d->body_len && memcap_take(d->mc, DISSECT_BODY_MAX) &&
        !(out = malloc(DISSECT_BODY_MAX)))
        memcap_give(d->mc, DISSECT_BODY_MAX);
    long n = out ? compress_decode(d->coding == HTTP_BODY_BR ? COMPRESS_BR : COMPRESS_ZSTD,
                                   d->body, d->body_len, out, DISSECT_BODY_MAX, &capped)
                 : -1;
    if (n < 0) {
        st->compress_errors += d->body_len != 0;
        if (out) {
            free(out);
            memcap_give(d->mc, DISSECT_BODY_MAX);
        }
        d->body_len = 0;
        return;
    }
    st->compress_bombs += capped;
    free(d->body);
    memcap_give(d->mc, d->body_alloc);
    d->body = out;
    d->body_alloc = DISSECT_BODY_MAX;
    d->body_len = (size_t)n;
}

/* End of a body: hand it over (when o is not NULL), then give its buffers back: an idle
 * keep-alive flow holds none. */
static void http_body_finish(struct http_body *d, struct dissect_stats *st,
                             struct http_body_out *o)
{
    if (d->zst == HTTP_BODY_Z_RUN)
        st->zlib_errors++; /* the body ended inside the compressed stream */
    if (o && d->want && (d->coding == HTTP_BODY_BR || d->coding == HTTP_BODY_ZSTD))
        http_body_decompress(d, st);
    if (o && d->want && d->body_len)
        http_body_emit_all(d, o);
    d->body_len = 0;
    d->zst = HTTP_BODY_Z_IDLE;
    if (d->z_ready) {
        inflateEnd(&d->z);
        d->z_ready = 0;
        memcap_give(d->mc, HTTP_BODY_Z_COST);
    }
    if (d->body) {
        free(d->body);
        memcap_give(d->mc, d->body_alloc);
        d->body = NULL;
        d->body_alloc = 0;
    }
    if (d->work) {
        free(d->work);
        memcap_give(d->mc, d->work_alloc);
        d->work = NULL;
        d->work_alloc = 0;
    }
}

void http_body_end(struct http_body *b, struct dissect_stats *st, const char *where,
                   const struct dissect_cb *cb, void *ctx)
{
    struct http_body_out o = {cb, ctx, where};
    http_body_finish(b, st, &o);
}

void http_body_drop(struct http_body *b, struct dissect_stats *st)
{
    http_body_finish(b, st, NULL);
}
