/* http1.c - HTTP/1.x dissector: an incremental state machine per direction.
 *
 * Own parser rather than Debian's libhttp-parser: that library is archived upstream
 * (superseded by llhttp, which Debian 12 lacks), it rejects the sloppy messages that
 * embedded SDKs send and stops at the first error, and its callbacks hand header
 * fragments split across feeds, which we would have to re-buffer anyway to decode
 * them. Here the header block is buffered (capped) and parsed whole; bodies stream
 * through de-chunking into http_body.c (zlib, a capped per-direction buffer reused for
 * every message of the flow).
 *
 * Deliberately not done: validation beyond what framing needs, HTTP/2, multipart
 * splitting (the decoding pipeline, unwrap.h, does it). Anything odd makes the
 * direction stop ("lost") and the worker's raw scan still sees every byte. */
#include "dissectors/http1.h"

#include <stdlib.h>
#include <string.h>

#include "common/ascii.h"
#include "dissectors/http_body.h"
#include "dissectors/textenc.h"
#include "dissectors/websocket.h"

#define HTTP1_CHUNK_LINE_MAX 1024
#define HTTP1_HDR_INIT 1024

enum http1_state {
    HTTP1_START,      /* before a message: skip stray CR/LF */
    HTTP1_HEADERS,    /* buffering the header block */
    HTTP1_BODY_CL,    /* remain bytes of a Content-Length body */
    HTTP1_CHUNK_SIZE, /* reading a chunk size line */
    HTTP1_CHUNK_DATA, /* remain bytes of chunk data */
    HTTP1_CHUNK_CRLF, /* the line end after chunk data */
    HTTP1_TRAILER,    /* trailer lines until an empty one */
    HTTP1_BODY_EOF,   /* response body read until the connection closes */
    HTTP1_LOST,       /* stopped; resync only at a feed that starts a message */
};

/* One per direction of every open HTTP/1 flow: kept narrow (lengths are bounded by
 * DISSECT_HTTP_HDR_MAX and HTTP1_CHUNK_LINE_MAX). */
struct http1_dir {
    uint8_t *hdr;        /* grows up to DISSECT_HTTP_HDR_MAX */
    uint64_t remain;
    struct http_body *b; /* NULL unless the current message's body is kept */
    uint32_t hdr_len, hdr_alloc;
    uint32_t line_len;   /* chunk size line length so far; in a trailer, 0 or 1 */
    uint8_t csz;         /* enum http1_csz; the size so far is in remain */
    uint8_t state;       /* enum http1_state */
    /* current message's body */
    uint8_t in_body;
    uint8_t pending;     /* a gap cut the body: emit it at the next call */
};

struct http1 {
    struct http1_dir d[2];
    struct dissect_stats *st;
    struct memcap *mc;  /* borrowed, may be NULL: what kept bodies draw from */
    /* FIFO of "request was HEAD" flags, so the matching response has no body. */
    uint32_t head_bits;
    uint8_t head_n;
    uint8_t upgrade;    /* enum http1_upgrade of a 101 response */
    uint8_t ws_flags;   /* WEBSOCKET_* of that response */
};

static const char *const http1_methods[] = {
    "GET ", "POST ", "PUT ", "HEAD ", "DELETE ", "OPTIONS ", "PATCH ", "CONNECT ",
    "TRACE ", "PROPFIND ", NULL,
};

int http1_sniff(const uint8_t *s, size_t n)
{
    int maybe = 0;
    static const char *const resp[] = {"HTTP/1.", NULL};
    for (int pass = 0; pass < 2; pass++) {
        const char *const *list = pass ? resp : http1_methods;
        for (size_t i = 0; list[i]; i++) {
            size_t tl = strlen(list[i]);
            size_t m = n < tl ? n : tl;
            if (memcmp(s, list[i], m) != 0)
                continue;
            if (n >= tl)
                return 1;
            maybe = 1;
        }
    }
    return maybe ? -1 : 0;
}

void http1_set_memcap(struct http1 *h, struct memcap *mc)
{
    h->mc = mc;
}

struct http1 *http1_new(struct dissect_stats *st)
{
    struct http1 *h = calloc(1, sizeof *h);
    if (!h)
        return NULL;
    h->st = st;
    return h;
}

void http1_free(struct http1 *h)
{
    if (!h)
        return;
    for (int i = 0; i < 2; i++) {
        free(h->d[i].hdr);
        http_body_free(h->d[i].b);
    }
    free(h);
}

/* End of an HTTP/1 message's body. */
static void http1_msg_end(struct http1 *h, struct http1_dir *d, const struct dissect_cb *cb,
                          void *ctx)
{
    if (d->b) {
        if (d->in_body)
            http_body_end(d->b, h->st, "http.body", cb, ctx);
        else
            http_body_drop(d->b, h->st);
        http_body_free(d->b);
        d->b = NULL;
    }
    d->in_body = 0;
    d->pending = 0;
}

/* ---- header block ---- */

struct http1_msg {
    int is_request, is_head, status;
    int chunked, has_len, bad_len;
    uint64_t clen;
    enum http_body_coding coding;
    enum http_body_ctype ctype;
    int upgrade;
    unsigned ws_flags;
};

static int http1_parse_u64(const uint8_t *s, size_t n, uint64_t *out)
{
    uint64_t v = 0;
    if (!n)
        return -1;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9' || v > (UINT64_MAX - 9) / 10)
            return -1;
        v = v * 10 + (uint64_t)(s[i] - '0');
    }
    *out = v;
    return 0;
}

void http1_target(uint8_t *uri, size_t ul, const char *where, const struct dissect_cb *cb,
                  void *ctx)
{
    struct http_body_out o = {cb, ctx, where};
    uint8_t *q = memchr(uri, '?', ul);
    size_t pl = q ? (size_t)(q - uri) : ul;
    if (q)
        textenc_kv_split(q + 1, ul - pl - 1, '&', 0, 1, http_body_emit_kv, &o);
    /* Identifiers also hide in path segments (/v1/device/<imei>/ping). */
    size_t dl = textenc_url_decode(uri, pl, 0);
    http_body_emit(&o, "", uri, dl);
}

void http1_host(const uint8_t *val, size_t vl, const struct dissect_cb *cb, void *ctx)
{
    char host[DNSMAP_NAME_MAX];
    size_t l = 0;
    /* Strip the port; an IPv6 literal keeps its brackets and colons. */
    int v6 = vl && val[0] == '[';
    while (l < vl && l < sizeof host - 1 && (v6 || val[l] != ':') && val[l]) {
        host[l] = (char)ascii_lower(val[l]);
        if (v6 && val[l] == ']') {
            l++;
            break;
        }
        l++;
    }
    host[l] = 0;
    if (l && cb && cb->name)
        cb->name(ctx, "http.host", host);
}

static void http1_request_line(uint8_t *line, size_t n, struct http1_msg *m,
                               const struct http_body_out *o0)
{
    struct http_body_out o = *o0;
    o.where = "http.uri";
    uint8_t *sp1 = memchr(line, ' ', n);
    if (!sp1)
        return;
    m->is_head = (size_t)(sp1 - line) == 4 && memcmp(line, "HEAD", 4) == 0;
    uint8_t *uri = sp1 + 1;
    size_t rest = n - (size_t)(uri - line);
    uint8_t *sp2 = memchr(uri, ' ', rest);
    size_t ul = sp2 ? (size_t)(sp2 - uri) : rest;
    http1_target(uri, ul, o.where, o.cb, o.ctx);
}

static void http1_header(uint8_t *name, size_t nl, uint8_t *val, size_t vl,
                         struct http1_msg *m, const struct http_body_out *o0)
{
    struct http_body_out o = *o0;
    name[nl] = 0; /* overwrites the ':' or a space before it */
    o.where = "http.header";
    int cookie = nl == 6 && textenc_iprefix(name, nl, "cookie");
    /* A cookie's pairs are reported at http.cookie only: the same bytes once more as
     * http.header would be a second finding for one leak. */
    if (!cookie)
        http_body_emit(&o, (const char *)name, val, vl);
    if (nl == 4 && textenc_iprefix(name, nl, "host") && m->is_request) {
        http1_host(val, vl, o.cb, o.ctx);
    } else if (cookie) {
        o.where = "http.cookie";
        textenc_kv_split(val, vl, ';', 1, 0, http_body_emit_kv, &o);
    } else if (nl == 14 && textenc_iprefix(name, nl, "content-length")) {
        uint64_t v;
        if (http1_parse_u64(val, vl, &v) < 0)
            m->bad_len = 1;
        else if (!m->has_len) {
            m->has_len = 1;
            m->clen = v;
        }
    } else if (nl == 17 && textenc_iprefix(name, nl, "transfer-encoding")) {
        if (textenc_icontains(val, vl, "chunked"))
            m->chunked = 1;
    } else if (nl == 16 && textenc_iprefix(name, nl, "content-encoding")) {
        m->coding = http_body_coding_of(val, vl);
    } else if (nl == 12 && textenc_iprefix(name, nl, "content-type")) {
        m->ctype = http_body_ctype_of(val, vl);
    } else if (nl == 7 && textenc_iprefix(name, nl, "upgrade")) {
        m->upgrade = textenc_icontains(val, vl, "websocket") ? HTTP1_UPGRADE_WEBSOCKET
                     : textenc_icontains(val, vl, "h2c")     ? HTTP1_UPGRADE_H2C
                                                             : HTTP1_UPGRADE_NONE;
    } else if (nl == 24 && textenc_iprefix(name, nl, "sec-websocket-extensions") &&
               textenc_icontains(val, vl, "permessage-deflate")) {
        m->ws_flags = WEBSOCKET_DEFLATE |
                      (textenc_icontains(val, vl, "client_no_context_takeover")
                           ? WEBSOCKET_CLIENT_NO_CTX : 0) |
                      (textenc_icontains(val, vl, "server_no_context_takeover")
                           ? WEBSOCKET_SERVER_NO_CTX : 0);
    }
}

static int http1_token_ok(const uint8_t *s, size_t n)
{
    if (!n || n > 20)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (s[i] < 'A' || s[i] > 'Z')
            return 0;
    return 1;
}

/* Check the start line b[0..l0) and note request or status in m. 0, or -1 (counted)
 * if it is neither an HTTP/1 status line nor a request line. */
static int http1_start_line(struct http1 *h, const uint8_t *b, size_t l0, struct http1_msg *m)
{
    if (l0 >= 12 && memcmp(b, "HTTP/1.", 7) == 0 && b[8] == ' ') {
        m->status = (b[9] - '0') * 100 + (b[10] - '0') * 10 + (b[11] - '0');
        if (m->status < 100 || m->status > 999) {
            h->st->http_bad_start++;
            return -1;
        }
        return 0;
    }
    const uint8_t *sp = memchr(b, ' ', l0);
    if (!sp || !http1_token_ok(b, (size_t)(sp - b)) || !textenc_icontains(b, l0, " HTTP/")) {
        h->st->http_bad_start++;
        return -1;
    }
    m->is_request = 1;
    return 0;
}

/* Each "name: value" line of b[i..n) up to the empty line, trimmed, to http1_header(). */
static void http1_header_lines(uint8_t *b, size_t i, size_t n, struct http1_msg *m,
                               const struct http_body_out *o)
{
    while (i < n) {
        uint8_t *e = memchr(b + i, '\n', n - i);
        size_t le = e ? (size_t)(e - b) : n;
        size_t ll = le - i;
        if (ll && b[i + ll - 1] == '\r')
            ll--;
        if (!ll)
            break;
        uint8_t *colon = memchr(b + i, ':', ll);
        if (colon && colon > b + i) {
            size_t nlen = (size_t)(colon - (b + i));
            while (nlen && (b[i + nlen - 1] == ' ' || b[i + nlen - 1] == '\t'))
                nlen--;
            size_t vs = (size_t)(colon - b) + 1, ve = i + ll;
            while (vs < ve && (b[vs] == ' ' || b[vs] == '\t'))
                vs++;
            while (ve > vs && (b[ve - 1] == ' ' || b[ve - 1] == '\t'))
                ve--;
            if (nlen)
                http1_header(b + i, nlen, b + vs, ve - vs, m, o);
        }
        i = le + 1;
    }
}

/* Does the message m have a body? 1 or 0; -1 for a protocol switch (what follows is not
 * HTTP/1). Requests queue whether they were HEAD, responses take it from the queue. */
static int http1_has_body(struct http1 *h, const struct http1_msg *m)
{
    if (m->is_request) {
        if (h->head_n < 32) {
            h->head_bits |= (uint32_t)m->is_head << h->head_n;
            h->head_n++;
        }
        return m->chunked || (m->has_len && m->clen > 0);
    }
    if (m->status == 101) {
        h->upgrade = m->upgrade; /* the dispatcher may take the flow on (http1_upgrade) */
        h->ws_flags = m->ws_flags;
        return -1; /* protocol switch: what follows is not HTTP/1 */
    }
    int was_head = 0;
    if (m->status >= 200 && h->head_n) {
        was_head = h->head_bits & 1;
        h->head_bits >>= 1;
        h->head_n--;
    }
    if (m->status < 200 || m->status == 204 || m->status == 304 || was_head)
        return 0;
    return m->chunked || !m->has_len || m->clen > 0;
}

/* A chunk size line is read as it comes, not kept: its first HTTP1_CHUNK_SEEN bytes
 * decide, as hex digits (the size, in remain) ended by ';', ' ', '\t' or '\r'. */
#define HTTP1_CHUNK_SEEN 24
enum http1_csz { HTTP1_CSZ_DIGITS, HTTP1_CSZ_DONE, HTTP1_CSZ_BAD };

static void http1_chunk_begin(struct http1_dir *d)
{
    d->state = HTTP1_CHUNK_SIZE;
    d->line_len = 0;
    d->remain = 0;
    d->csz = HTTP1_CSZ_DIGITS;
}

/* p[0..n): the line's next bytes, which start at d->line_len. */
static void http1_chunk_feed(struct http1_dir *d, const uint8_t *p, size_t n)
{
    size_t pos = d->line_len;
    for (size_t i = 0; i < n && pos < HTTP1_CHUNK_SEEN && d->csz == HTTP1_CSZ_DIGITS;
         i++, pos++) {
        int x = ascii_hexval(p[i]);
        if (x >= 0 && !(d->remain >> 60))
            d->remain = d->remain << 4 | (uint64_t)x;
        else if (x >= 0 || pos == 0 ||
                 (p[i] != ';' && p[i] != ' ' && p[i] != '\t' && p[i] != '\r'))
            d->csz = HTTP1_CSZ_BAD; /* past 64 bits, no digit, or a stray byte after them */
        else
            d->csz = HTTP1_CSZ_DONE;
    }
}

/* The whole line is in: 0 with the size, or -1 if invalid or too large. */
static int http1_chunk_size(const struct http1_dir *d, uint64_t *out)
{
    if (d->csz == HTTP1_CSZ_BAD || d->line_len == 0)
        return -1;
    if (d->csz == HTTP1_CSZ_DIGITS && d->line_len > HTTP1_CHUNK_SEEN)
        return -1; /* all hex digits beyond what is read */
    *out = d->remain;
    return 0;
}

/* Parse the complete header block d->hdr[0..hdr_len) and set the body state.
 * Returns 0, or -1 if the start line is not HTTP (direction becomes lost). */
static int http1_headers_done(struct http1 *h, struct http1_dir *d,
                              const struct dissect_cb *cb, void *ctx)
{
    struct http_body_out o = {cb, ctx, "http.header"};
    struct http1_msg m = {0};
    uint8_t *b = d->hdr;
    size_t n = d->hdr_len;
    uint8_t *nl = memchr(b, '\n', n);
    size_t l0 = nl ? (size_t)(nl - b) : n;
    size_t next = nl ? l0 + 1 : n;
    if (l0 && b[l0 - 1] == '\r')
        l0--;
    if (http1_start_line(h, b, l0, &m) < 0)
        return -1;
    h->st->http_msgs++;
    /* Headers first: the request line is decoded in place afterwards. */
    http1_header_lines(b, next, n, &m, &o);
    if (m.is_request)
        http1_request_line(b, l0, &m, &o);

    /* The whole body is worth handing over only when it differs from the raw stream
     * (de-chunked or decoded); request bodies of any type but media are kept for
     * sniffing and for the decoding pipeline. */
    int whole = m.chunked || m.coding == HTTP_BODY_GZIP || m.coding == HTTP_BODY_DEFLATE ||
                m.coding == HTTP_BODY_BR || m.coding == HTTP_BODY_ZSTD;
    int want = cb && cb->field && m.coding != HTTP_BODY_OTHER &&
               (whole || m.ctype == HTTP_BODY_CT_FORM || m.ctype == HTTP_BODY_CT_JSON ||
                (m.is_request && m.ctype != HTTP_BODY_CT_MEDIA));
    /* What a message cut short left behind goes without being handed over. */
    http_body_free(d->b);
    d->b = NULL;
    d->in_body = 0;
    if (m.bad_len && !m.chunked) {
        h->st->http_bad_length++;
        return -1;
    }
    int body = http1_has_body(h, &m);
    if (body < 0)
        return -1;
    if (!body) {
        d->state = HTTP1_START;
        return 0;
    }
    /* A body object only for a body that is kept, most are not (requests without one,
     * responses the raw scan covers): an open flow then holds none. Without memory
     * the body is left to the raw scan. */
    if (want && (d->b = http_body_new())) {
        http_body_set_memcap(d->b, h->mc);
        http_body_begin(d->b, m.coding, m.ctype, whole, want);
    }
    d->in_body = 1;
    if (m.chunked) {
        http1_chunk_begin(d);
    } else if (m.has_len) {
        d->state = HTTP1_BODY_CL;
        d->remain = m.clen;
    } else {
        d->state = HTTP1_BODY_EOF;
    }
    return 0;
}

/* A parsed header block's buffer goes back: an idle keep-alive flow holds none. Blocks
 * of up to HTTP1_HDR_INIT bytes come from and go to malloc's per-thread cache. */
static void http1_hdr_release(struct http1_dir *d)
{
    free(d->hdr);
    d->hdr = NULL;
    d->hdr_len = d->hdr_alloc = 0;
}

static void http1_lose(struct http1 *h, struct http1_dir *d, const struct dissect_cb *cb,
                       void *ctx)
{
    http1_msg_end(h, d, cb, ctx);
    d->state = HTTP1_LOST;
    http1_hdr_release(d);
}

/* Most header blocks are well under 1 KiB: start small, double up to the cap. */
static int http1_hdr_grow(struct http1_dir *d, size_t need)
{
    size_t n = d->hdr_alloc ? d->hdr_alloc : HTTP1_HDR_INIT;
    while (n < need)
        n *= 2;
    if (n > DISSECT_HTTP_HDR_MAX)
        n = DISSECT_HTTP_HDR_MAX;
    uint8_t *b = realloc(d->hdr, n);
    if (!b)
        return -1;
    d->hdr = b;
    d->hdr_alloc = n;
    return 0;
}

/* Each http1_in_* consumes up to n bytes of p in one state and returns how many it
 * used; http1_step picks the one for the current state. */

static size_t http1_in_start(struct http1_dir *d, const uint8_t *p, size_t n)
{
    size_t i = 0;
    while (i < n && (p[i] == '\r' || p[i] == '\n'))
        i++;
    if (i < n) {
        d->state = HTTP1_HEADERS;
        d->hdr_len = 0;
    }
    return i;
}

/* Where the header block in d->hdr ends (just past its empty line), looking from s
 * to end; 0 while it has not ended. */
static size_t http1_hdr_end(const struct http1_dir *d, size_t s, size_t end)
{
    while (s < end) {
        uint8_t *nl = memchr(d->hdr + s, '\n', end - s);
        if (!nl)
            return 0;
        size_t k = (size_t)(nl - d->hdr) + 1;
        if (k < end && d->hdr[k] == '\n')
            return k + 1;
        if (k + 1 < end && d->hdr[k] == '\r' && d->hdr[k + 1] == '\n')
            return k + 2;
        s = k;
    }
    return 0;
}

/* Buffer header bytes (capped) until the empty line, then parse the block whole. */
static size_t http1_in_headers(struct http1 *h, struct http1_dir *d, const uint8_t *p,
                               size_t n, const struct dissect_cb *cb, void *ctx)
{
    size_t old = d->hdr_len;
    size_t take = DISSECT_HTTP_HDR_MAX - old;
    if (take > n)
        take = n;
    if (old + take > d->hdr_alloc && http1_hdr_grow(d, old + take) < 0) {
        d->state = HTTP1_LOST;
        return n;
    }
    memcpy(d->hdr + old, p, take);
    size_t end = old + take;
    /* The empty line may have begun in the previous feed. */
    size_t e = http1_hdr_end(d, old >= 2 ? old - 2 : 0, end);
    if (e) {
        d->hdr_len = e;
        if (http1_headers_done(h, d, cb, ctx) < 0) {
            http1_lose(h, d, cb, ctx);
            return n;
        }
        http1_hdr_release(d);
        return e - old;
    }
    d->hdr_len = end;
    if (end == DISSECT_HTTP_HDR_MAX) {
        h->st->http_hdr_too_long++;
        http1_lose(h, d, cb, ctx);
        return n;
    }
    return take;
}

/* Content-Length body or chunk data: d->remain more bytes. */
static size_t http1_in_body(struct http1 *h, struct http1_dir *d, const uint8_t *p, size_t n,
                            const struct dissect_cb *cb, void *ctx)
{
    size_t take = d->remain < n ? (size_t)d->remain : n;
    if (d->b)
        http_body_data(d->b, h->st, p, take);
    d->remain -= take;
    if (!d->remain) {
        if (d->state == HTTP1_BODY_CL) {
            http1_msg_end(h, d, cb, ctx);
            d->state = HTTP1_START;
        } else {
            d->state = HTTP1_CHUNK_CRLF;
        }
    }
    return take;
}

static size_t http1_in_chunk_crlf(struct http1_dir *d, const uint8_t *p, size_t n)
{
    /* Tolerant: anything up to the next LF. */
    uint8_t *nl = memchr(p, '\n', n);
    if (!nl)
        return n;
    http1_chunk_begin(d);
    return (size_t)(nl - p) + 1;
}

static size_t http1_in_chunk_size(struct http1 *h, struct http1_dir *d, const uint8_t *p,
                                  size_t n, const struct dissect_cb *cb, void *ctx)
{
    uint8_t *nl = memchr(p, '\n', n);
    size_t ll = nl ? (size_t)(nl - p) : n;
    http1_chunk_feed(d, p, ll);
    if (d->line_len + ll > HTTP1_CHUNK_LINE_MAX) {
        h->st->http_bad_chunk++;
        http1_lose(h, d, cb, ctx);
        return n;
    }
    d->line_len += (uint32_t)ll;
    if (!nl)
        return n;
    uint64_t sz;
    if (http1_chunk_size(d, &sz) < 0) {
        h->st->http_bad_chunk++;
        http1_lose(h, d, cb, ctx);
        return n;
    }
    if (sz == 0) {
        d->state = HTTP1_TRAILER;
        d->line_len = 0;
    } else {
        d->state = HTTP1_CHUNK_DATA;
        d->remain = sz;
    }
    return ll + 1;
}

/* Trailer lines are passed over until the empty one that ends the message. */
static size_t http1_in_trailer(struct http1 *h, struct http1_dir *d, const uint8_t *p,
                               size_t n, const struct dissect_cb *cb, void *ctx)
{
    for (size_t i = 0; i < n; i++) {
        if (p[i] == '\n') {
            if (d->line_len == 0) {
                http1_msg_end(h, d, cb, ctx);
                d->state = HTTP1_START;
                return i + 1;
            }
            d->line_len = 0;
        } else if (p[i] != '\r') {
            d->line_len = 1;
        }
    }
    return n;
}

static size_t http1_step(struct http1 *h, struct http1_dir *d, const uint8_t *p, size_t n,
                         const struct dissect_cb *cb, void *ctx)
{
    switch (d->state) {
    case HTTP1_START:
        return http1_in_start(d, p, n);
    case HTTP1_HEADERS:
        return http1_in_headers(h, d, p, n, cb, ctx);
    case HTTP1_BODY_CL:
    case HTTP1_CHUNK_DATA:
        return http1_in_body(h, d, p, n, cb, ctx);
    case HTTP1_CHUNK_CRLF:
        return http1_in_chunk_crlf(d, p, n);
    case HTTP1_CHUNK_SIZE:
        return http1_in_chunk_size(h, d, p, n, cb, ctx);
    case HTTP1_TRAILER:
        return http1_in_trailer(h, d, p, n, cb, ctx);
    case HTTP1_BODY_EOF:
        if (d->b)
            http_body_data(d->b, h->st, p, n);
        return n;
    case HTTP1_LOST:
        return n;
    }
    return n;
}

void http1_data(struct http1 *h, int dir, const uint8_t *data, size_t len,
                const struct dissect_cb *cb, void *ctx)
{
    struct http1_dir *d = &h->d[dir & 1];
    if (d->pending)
        http1_msg_end(h, d, cb, ctx);
    if (d->state == HTTP1_LOST && http1_sniff(data, len) == 1)
        d->state = HTTP1_START;
    while (len) {
        size_t used = http1_step(h, d, data, len, cb, ctx);
        data += used;
        len -= used;
    }
}

void http1_gap(struct http1 *h, int dir, uint64_t missing)
{
    struct http1_dir *d = &h->d[dir & 1];
    if (!missing)
        return;
    if ((d->state == HTTP1_BODY_CL || d->state == HTTP1_CHUNK_DATA ||
         d->state == HTTP1_BODY_EOF) &&
        (d->state == HTTP1_BODY_EOF || missing <= d->remain)) {
        /* Skip the hole inside the body: framing is intact, the content is not, so a
         * compressed body cannot be inflated further. */
        if (d->state != HTTP1_BODY_EOF)
            d->remain -= missing;
        if (d->b)
            http_body_hole(d->b);
        h->st->http_body_incomplete++;
        if (d->state == HTTP1_BODY_CL && !d->remain) {
            d->pending = 1;
            d->state = HTTP1_START;
        } else if (d->state == HTTP1_CHUNK_DATA && !d->remain) {
            d->state = HTTP1_CHUNK_CRLF;
        }
        return;
    }
    if (d->state != HTTP1_LOST)
        h->st->http_gap_lost++;
    if (d->in_body) {
        h->st->http_body_incomplete++;
        d->pending = 1;
    }
    d->state = HTTP1_LOST;
    d->hdr_len = 0;
}

int http1_upgrade(const struct http1 *h, unsigned *ws_flags)
{
    *ws_flags = h->ws_flags;
    return h->upgrade;
}

void http1_close(struct http1 *h, const struct dissect_cb *cb, void *ctx)
{
    for (int i = 0; i < 2; i++) {
        struct http1_dir *d = &h->d[i];
        if (d->in_body && d->state != HTTP1_BODY_EOF && !d->pending)
            h->st->http_body_incomplete++;
        if (d->in_body || d->pending)
            http1_msg_end(h, d, cb, ctx);
        d->state = HTTP1_LOST;
    }
}
