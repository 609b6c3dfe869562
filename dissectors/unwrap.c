/* unwrap.c - recursive, bounded decoding of field values; see unwrap.h.
 *
 * One value is tried for exactly one next layer (the first whose shape fits, in the
 * order of uw_kind()); what the layer yields is a value again. Transform layers
 * (base64, inflate, %XX, JSON escapes) produce new bytes, which are handed over and
 * inspected; structural layers (JSON, form) split a buffer into values, which are
 * handed over instead of the buffer (so one leak is one field, with its own key).
 * Under a dissector's field (depth 0) the field was already handed over whole, so the
 * values a structural layer splits out of it are only inspected for further layers,
 * not handed over again (they would be the same bytes twice). */
#include "dissectors/unwrap.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "common/ascii.h"
#include "common/base64.h"
#include "dissectors/compress.h"
#include "dissectors/multipart.h"
#include "dissectors/protobuf.h"
#include "dissectors/textenc.h"

#define UNWRAP_JSON_MAX_VALUES 4096
#define UNWRAP_KEY_MAX 63
/* Messages nested in one protobuf layer: they are fields of the same message, so they
 * do not add to the chain, but their nesting is bounded too. */
#define UNWRAP_PB_NEST 16

enum uw_kind {
    UW_NONE, UW_GZIP, UW_ZLIB, UW_ZSTD, UW_GRPC, UW_PROTO, UW_MULTIPART,
    UW_ESCJSON, UW_JSON, UW_B64, UW_FORM, UW_URL, UW_ESC
};

struct unwrap {
    struct dissect_stats *st;
    uint8_t *buf[UNWRAP_DEPTH_MAX]; /* output of layer depth d+1 lives in buf[d] */
    size_t cap[UNWRAP_DEPTH_MAX];
    int big;                        /* some buf[] is over UNWRAP_KEEP */
};

/* One dissector field being unwrapped. */
struct uw_call {
    struct unwrap *u;
    uint64_t *spent;    /* the flow's decoded bytes so far (UNWRAP_FLOW_BUDGET) */
    const struct dissect_cb *cb;
    void *ctx;
    const char *where;
    int whole_body;     /* the field is a whole body the dissector split by its type */
    int depth;          /* layers decoded above the value being looked at */
    int quiet;          /* the value's bytes were handed over already (see top) */
    int pb_nest;        /* protobuf messages open inside the current protobuf layer */
    char chain[UNWRAP_CHAIN_MAX];
    size_t chain_len;
    char key[UNWRAP_KEY_MAX + 1]; /* the enclosing key, kept when a layer has none */
};

struct unwrap *unwrap_new(struct dissect_stats *st)
{
    struct unwrap *u = calloc(1, sizeof *u);
    if (u)
        u->st = st;
    return u;
}

void unwrap_free(struct unwrap *u)
{
    if (!u)
        return;
    for (int i = 0; i < UNWRAP_DEPTH_MAX; i++)
        free(u->buf[i]);
    free(u);
}

/* ---- shapes ---- */

static int uw_ws(uint8_t c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static int uw_hex(uint8_t c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* Base64 worth decoding: only its alphabet (one of the two), padding only at the end,
 * long enough, and both letter cases (rules out words, hex digests and numbers, which
 * use the alphabet too but are not base64). *url: the URL-safe alphabet. */
static int uw_is_b64(const uint8_t *v, size_t n, int *url)
{
    size_t sig = 0, pad = 0;
    int std = 0, safe = 0, lower = 0, upper = 0;
    for (size_t i = 0; i < n; i++) {
        uint8_t c = v[i];
        if (c == '\r' || c == '\n')
            continue;
        if (c == '=') {
            if (++pad > 2)
                return 0;
            continue;
        }
        if (pad)
            return 0;
        if (c >= 'a' && c <= 'z')
            lower = 1;
        else if (c >= 'A' && c <= 'Z')
            upper = 1;
        else if (c == '+' || c == '/')
            std = 1;
        else if (c == '-' || c == '_')
            safe = 1;
        else if (c < '0' || c > '9')
            return 0;
        sig++;
    }
    if ((std && safe) || sig < UNWRAP_MIN_B64 || sig % 4 == 1 || !lower || !upper)
        return 0;
    *url = safe;
    return 1;
}

static int uw_keychar(uint8_t c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '_' || c == '-' || c == '.' || c == '$' || c == '[' || c == ']';
}

/* k=v(&k=v)*: a key of key characters before the first '=', printable text only, and
 * either a second pair or a non-empty value (so "abc==" padding is not a form). */
/* The start of a form (text without blanks, checked by the caller): a key of key
 * characters, '=', then either a second pair (amp) or a non-empty value, so that
 * base64 padding ("abc==") is not a form. */
static int uw_is_form_key(const uint8_t *v, size_t n, int amp)
{
    size_t i = 0;
    while (i < n && uw_keychar(v[i]))
        i++;
    if (i == 0 || i > 64 || i >= n || v[i] != '=')
        return 0;
    return amp || (i + 1 < n && v[i + 1] != '=');
}

/* What one pass over a text value shows, so the kind is decided without a pass per
 * candidate layer (every field of every message comes through here). */
struct uw_text {
    int b64, url;      /* uw_is_b64() holds; its alphabet */
    int esc, pct;      /* a JSON escape; a %XX */
    int blank, amp;    /* a space or control byte; a '&' */
};

/* Byte classes for uw_text_scan(): what a byte rules in or out. */
enum {
    UW_C_BS = 1,     /* '\\': maybe a JSON escape */
    UW_C_PCT = 2,    /* '%': maybe a %XX */
    UW_C_BLANK = 4,  /* a space or control byte */
    UW_C_AMP = 8,
    UW_C_NOB64 = 16, /* in neither base64 alphabet (uw_is_b64() skips CR and LF) */
    UW_C_LOWER = 32,
    UW_C_UPPER = 64,
};

static const uint8_t uw_text_class[256] = {
    [0x00 ... 0x09] = UW_C_BLANK | UW_C_NOB64, ['\n'] = UW_C_BLANK,
    [0x0b ... 0x0c] = UW_C_BLANK | UW_C_NOB64, ['\r'] = UW_C_BLANK,
    [0x0e ... 0x20] = UW_C_BLANK | UW_C_NOB64, ['!' ... '$'] = UW_C_NOB64,
    ['%'] = UW_C_PCT | UW_C_NOB64,             ['&'] = UW_C_AMP | UW_C_NOB64,
    ['\'' ... '*'] = UW_C_NOB64,               [','] = UW_C_NOB64,
    ['.'] = UW_C_NOB64,                        [':' ... '<'] = UW_C_NOB64,
    ['>' ... '@'] = UW_C_NOB64,                ['A' ... 'Z'] = UW_C_UPPER,
    ['['] = UW_C_NOB64,                        ['\\'] = UW_C_BS | UW_C_NOB64,
    [']' ... '^'] = UW_C_NOB64,                ['`'] = UW_C_NOB64,
    ['a' ... 'z'] = UW_C_LOWER,                ['{' ... 0x7e] = UW_C_NOB64,
    [0x7f] = UW_C_BLANK | UW_C_NOB64,          [0x80 ... 0xff] = UW_C_NOB64,
};

static void uw_text_scan(const uint8_t *v, size_t n, struct uw_text *t)
{
    /* One table lookup per byte; the exact tests run only where a byte's class says
     * they can hold (a header value is mostly letters and spaces: neither). */
    unsigned m = 0;
    for (size_t i = 0; i < n; i++)
        m |= uw_text_class[v[i]];
    memset(t, 0, sizeof *t);
    t->blank = (m & UW_C_BLANK) != 0;
    t->amp = (m & UW_C_AMP) != 0;
    if (!(m & UW_C_NOB64) && (m & UW_C_LOWER) && (m & UW_C_UPPER))
        t->b64 = uw_is_b64(v, n, &t->url);
    if (!(m & (UW_C_BS | UW_C_PCT)))
        return;
    for (size_t i = 0; i < n; i++) {
        uint8_t c = v[i];
        if (c == '\\' && i + 1 < n) {
            uint8_t d = v[i + 1];
            t->esc |= d == '"' || d == '\\' || d == '/' ||
                      (d == 'u' && i + 5 < n && uw_hex(v[i + 2]) && uw_hex(v[i + 3]) &&
                       uw_hex(v[i + 4]) && uw_hex(v[i + 5]));
        } else if (c == '%' && i + 2 < n) {
            t->pct |= uw_hex(v[i + 1]) && uw_hex(v[i + 2]);
        }
    }
}

/* Binary at a glance: a control byte (not a line break or tab) in the first 64 bytes.
 * Protobuf tags and lengths and gRPC's flag byte put one there; text has none. */
static int uw_ctrl_early(const uint8_t *v, size_t n)
{
    size_t end = n < 64 ? n : 64, i = 0;
    /* Eight bytes at a time while none is below 0x20 or DEL: every field an SDK sends
     * comes through here, nearly all of them text. */
    for (; i + 8 <= end; i += 8) {
        uint64_t x;
        memcpy(&x, v + i, 8);
        if (ascii_swar_below(x, 0x20) | ascii_swar_has(x, 0x7f))
            break;
    }
    for (; i < end; i++)
        if ((v[i] < 0x20 && !uw_ws(v[i])) || v[i] == 0x7f)
            return 1;
    return 0;
}

/* Binary framings, tried on bytes that are not text: gRPC messages, else a protobuf
 * message (text would too often parse as one: "12345678" is four varint fields). */
static enum uw_kind uw_kind_binary(const uint8_t *v, size_t n)
{
    if (!uw_ctrl_early(v, n))
        return UW_NONE;
    if (protobuf_grpc_frames(v, n, NULL, NULL))
        return UW_GRPC;
    if (protobuf_walk(v, n, NULL, NULL))
        return UW_PROTO;
    return UW_NONE;
}

/* A token of letters, digits and dots in one case (or with a dot): no test below can
 * hold for it (no control byte, brace, backslash, '%', '=' or "--"; base64 needs both
 * cases and no dot), so one pass settles what most values an SDK sends are. */
static int uw_plain_class(unsigned m)
{
    enum { LU = TEXTENC_C_LOWER | TEXTENC_C_UPPER };
    return !(m & TEXTENC_C_OTHER) && ((m & TEXTENC_C_DOT) || (m & LU) != LU);
}

static int uw_plain_token(const uint8_t *v, size_t n)
{
    static const uint8_t cls[256] = {
        [0x00 ... '-'] = TEXTENC_C_OTHER, ['.'] = TEXTENC_C_DOT,
        ['/'] = TEXTENC_C_OTHER,          [':' ... '@'] = TEXTENC_C_OTHER,
        ['A' ... 'Z'] = TEXTENC_C_UPPER,  ['[' ... '`'] = TEXTENC_C_OTHER,
        ['a' ... 'z'] = TEXTENC_C_LOWER,  ['{' ... 0xff] = TEXTENC_C_OTHER};
    unsigned m = 0;
    for (size_t i = 0; i < n; i++) {
        uint8_t k = cls[v[i]];
        if (k & TEXTENC_C_OTHER)
            return 0;
        m |= k;
    }
    return uw_plain_class(m);
}

/* zlib: CM 8, a window of at most 32 KiB, header check multiple of 31 */
static int uw_zlib_head(const uint8_t *v, size_t n)
{
    return n >= 6 && (v[0] & 0x0f) == 8 && (v[0] >> 4) <= 7 && ((v[0] << 8) | v[1]) % 31 == 0;
}

static enum uw_kind uw_kind_other(const struct uw_call *c, const uint8_t *v, size_t n)
{
    int top_body = c->whole_body && c->depth == 0;
    if (n >= 3 && v[0] == 0x1f && v[1] == 0x8b && v[2] == 8)
        return UW_GZIP;
    if (compress_is_zstd(v, n))
        return UW_ZSTD;
    if (uw_zlib_head(v, n))
        return UW_ZLIB;
    enum uw_kind bk = uw_kind_binary(v, n);
    if (bk != UW_NONE)
        return bk;
    if (multipart_sniff(v, n))
        return UW_MULTIPART;
    size_t i = 0;
    while (i < n && uw_ws(v[i]))
        i++;
    if (i < n && (v[i] == '{' || v[i] == '[')) {
        size_t j = i + 1;
        while (j < n && (uw_ws(v[j]) || v[j] == '{' || v[j] == '['))
            j++;
        if (j + 1 < n && v[j] == '\\' && v[j + 1] == '"')
            return UW_ESCJSON; /* {\"k\":...}: JSON escaped once more */
        /* A whole body that is JSON was walked by its dissector already. */
        return top_body ? UW_NONE : UW_JSON;
    }
    struct uw_text t;
    uw_text_scan(v, n, &t);
    if (t.b64)
        return UW_B64;
    /* Escapes before the form: "a=1\u0026b=2" is one form once unescaped. */
    if (t.esc)
        return UW_ESC;
    if (!top_body && !t.blank && uw_is_form_key(v, n, t.amp))
        return UW_FORM;
    if (t.pct)
        return UW_URL;
    return UW_NONE;
}

static enum uw_kind uw_kind(const struct uw_call *c, const uint8_t *v, size_t n)
{
    /* Most values are plain tokens, decided first: no gzip or zstd magic is one, but a
     * zlib header can be ("8n...", "Hj..."), and is taken for one as it always was. */
    if (uw_plain_token(v, n))
        return uw_zlib_head(v, n) ? UW_ZLIB : UW_NONE;
    return uw_kind_other(c, v, n);
}

/* ---- buffers, budget, chain ---- */

/* The buffer for the output of the layer below the current depth, at least need
 * bytes (need <= DISSECT_BODY_MAX). NULL when memory is short. */
static uint8_t *uw_buf(struct uw_call *c, size_t need)
{
    struct unwrap *u = c->u;
    int d = c->depth;
    if (need <= u->cap[d])
        return u->buf[d];
    size_t n = u->cap[d] ? u->cap[d] : 1024;
    while (n < need)
        n *= 2;
    if (n > DISSECT_BODY_MAX)
        n = DISSECT_BODY_MAX;
    uint8_t *b = realloc(u->buf[d], n);
    if (!b)
        return NULL;
    u->buf[d] = b;
    u->cap[d] = n;
    u->big |= n > UNWRAP_KEEP;
    return b;
}

/* May n more decoded bytes be produced in this flow? Counts a refusal. */
static int uw_spend(struct uw_call *c, size_t n)
{
    if (*c->spent + n > UNWRAP_FLOW_BUDGET) {
        c->u->st->unwrap_budget_capped++;
        return 0;
    }
    *c->spent += n;
    return 1;
}

static size_t uw_push(struct uw_call *c, const char *layer)
{
    size_t old = c->chain_len, l = strlen(layer);
    size_t need = old + (old ? 1 : 0) + l;
    if (need < sizeof c->chain) {
        if (old)
            c->chain[c->chain_len++] = ',';
        memcpy(c->chain + c->chain_len, layer, l + 1);
        c->chain_len += l;
    }
    c->depth++;
    return old;
}

static void uw_pop(struct uw_call *c, size_t old)
{
    c->chain_len = old;
    c->chain[old] = 0;
    c->depth--;
}

/* ---- the recursion ---- */

static void uw_value(struct uw_call *c, const uint8_t *v, size_t n);
static void uw_layers_as(struct uw_call *c, enum uw_kind k, const uint8_t *v, size_t n);

static void uw_emit(struct uw_call *c, const char *key, const uint8_t *v, size_t n)
{
    if (c->cb->field_enc)
        c->cb->field_enc(c->ctx, c->where, key, c->chain, v, n);
    else if (c->cb->field)
        c->cb->field(c->ctx, c->where, key, v, n);
}

/* A transform layer's output out[0..n): a new value under the same key. */
static void uw_descend(struct uw_call *c, const char *layer, const uint8_t *out, size_t n)
{
    c->u->st->unwrap_layers++;
    int quiet = c->quiet;
    size_t old = uw_push(c, layer);
    c->quiet = 0;
    uw_value(c, out, n);
    c->quiet = quiet;
    uw_pop(c, old);
}

/* Inflate v as gzip (wbits 31), zlib (15) or raw deflate (-15) into the next buffer.
 * Returns the output length, or -1 when it is not valid compressed data (a raw
 * deflate probe must also end its stream, or random bytes would pass). */
static long uw_inflate(struct uw_call *c, const uint8_t *v, size_t n, int wbits)
{
    size_t room = DISSECT_BODY_MAX;
    if (UNWRAP_FLOW_BUDGET - *c->spent < room)
        room = (size_t)(UNWRAP_FLOW_BUDGET - *c->spent);
    uint8_t *out = room ? uw_buf(c, room) : NULL;
    if (!out) {
        c->u->st->unwrap_budget_capped++;
        return -1;
    }
    z_stream z;
    memset(&z, 0, sizeof z);
    if (inflateInit2(&z, wbits) != Z_OK)
        return -1;
    z.next_in = (Bytef *)(uintptr_t)v; /* zlib does not write through next_in */
    z.avail_in = (uInt)n;
    z.next_out = out;
    z.avail_out = (uInt)room;
    int r = inflate(&z, Z_FINISH);
    long got = (long)(room - z.avail_out);
    inflateEnd(&z);
    if (r == Z_STREAM_END)
        return got;
    if (r == Z_BUF_ERROR && z.avail_out == 0) {
        c->u->st->zlib_bombs++; /* output cap reached: inspect what came out */
        return got;
    }
    if (wbits > 0 && got > 0 && r == Z_BUF_ERROR)
        return got; /* truncated stream: what was inflated is still real */
    if (wbits > 0)
        c->u->st->zlib_errors++;
    return -1;
}

/* 1 when v was inflated and its output inspected. */
static int uw_zip(struct uw_call *c, const uint8_t *v, size_t n, int wbits, const char *layer)
{
    long got = uw_inflate(c, v, n, wbits);
    if (got <= 0)
        return 0;
    *c->spent += (size_t)got;
    uw_descend(c, layer, c->u->buf[c->depth], (size_t)got);
    return 1;
}

static int uw_zstd(struct uw_call *c, const uint8_t *v, size_t n)
{
    size_t room = DISSECT_BODY_MAX;
    if (UNWRAP_FLOW_BUDGET - *c->spent < room)
        room = (size_t)(UNWRAP_FLOW_BUDGET - *c->spent);
    uint8_t *out = room ? uw_buf(c, room) : NULL;
    int capped = 0;
    if (!out) {
        c->u->st->unwrap_budget_capped++;
        return 0;
    }
    long got = compress_decode(COMPRESS_ZSTD, v, n, out, room, &capped);
    c->u->st->compress_bombs += capped;
    if (got < 0)
        c->u->st->compress_errors++;
    if (got <= 0)
        return 0;
    *c->spent += (size_t)got;
    uw_descend(c, "zstd", out, (size_t)got);
    return 1;
}

/* Decoded base64 that is binary may be raw deflate (many SDKs send
 * base64(deflate(json)) without a zlib header); text is inspected as it is. Binary:
 * a control byte, or bytes that are not UTF-8 (compressed data is rarely either). */
static int uw_binary(const uint8_t *v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        uint8_t c = v[i];
        if ((c < 0x20 && !uw_ws(c)) || c == 0x7f)
            return 1;
        if (c < 0x80)
            continue;
        size_t extra = (c >= 0xc2 && c < 0xe0)   ? 1
                       : (c >= 0xe0 && c < 0xf0) ? 2
                       : (c >= 0xf0 && c < 0xf5) ? 3
                                                 : 0;
        if (!extra)
            return 1;
        for (size_t j = 1; j <= extra; j++)
            if (i + j >= n || (v[i + j] & 0xc0) != 0x80)
                return 1;
        i += extra;
    }
    return 0;
}

static void uw_b64(struct uw_call *c, const uint8_t *v, size_t n)
{
    int url = 0;
    uw_is_b64(v, n, &url);
    if (n / 4 * 3 + 3 > DISSECT_BODY_MAX)
        n = (DISSECT_BODY_MAX - 3) / 3 * 4; /* decode what fits: a prefix is still real */
    uint8_t *out = uw_buf(c, n / 4 * 3 + 3);
    long k = out ? base64_decode(v, n, out) : -1;
    if (k <= 0) {
        c->u->st->unwrap_bad++;
        return;
    }
    if (!uw_spend(c, (size_t)k))
        return;
    const char *layer = url ? "base64url" : "base64";
    if (uw_kind(c, out, (size_t)k) == UW_NONE && uw_binary(out, (size_t)k) &&
        c->depth + 2 <= UNWRAP_DEPTH_MAX) {
        /* Probe raw deflate one level down, under this layer's name. */
        size_t old = uw_push(c, layer);
        long got = uw_inflate(c, out, (size_t)k, -15);
        if (got > 0 && uw_spend(c, (size_t)got)) {
            c->u->st->unwrap_layers++;
            uw_descend(c, "deflate", c->u->buf[c->depth], (size_t)got);
            uw_pop(c, old);
            return;
        }
        uw_pop(c, old);
    }
    uw_descend(c, layer, out, (size_t)k);
}

/* Copy v into the next buffer for an in-place decoder; NULL when out of room. */
static uint8_t *uw_copy(struct uw_call *c, const uint8_t *v, size_t n)
{
    if (n > DISSECT_BODY_MAX || !uw_spend(c, n))
        return NULL;
    uint8_t *b = uw_buf(c, n);
    if (b)
        memcpy(b, v, n);
    return b;
}

static void uw_part(void *arg, const char *key, const uint8_t *val, size_t len)
{
    struct uw_call *c = arg;
    char outer[UNWRAP_KEY_MAX + 1];
    memcpy(outer, c->key, sizeof outer);
    if (key && key[0]) {
        size_t l = strlen(key);
        if (l > UNWRAP_KEY_MAX)
            l = UNWRAP_KEY_MAX;
        memcpy(c->key, key, l);
        c->key[l] = 0;
    }
    uw_value(c, val, len);
    memcpy(c->key, outer, sizeof outer);
}

/* A structural layer: split into values, each a field of its own. Under a field the
 * dissector handed over whole they stay quiet (see the top of this file). */
static void uw_split(struct uw_call *c, enum uw_kind k, const uint8_t *v, size_t n)
{
    uint8_t *b = uw_copy(c, v, n);
    if (!b) {
        c->u->st->unwrap_budget_capped++;
        return;
    }
    c->u->st->unwrap_layers++;
    int quiet = c->quiet || c->depth == 0;
    int saved = c->quiet;
    size_t old = uw_push(c, k == UW_JSON ? "json" : "form");
    c->quiet = quiet;
    if (k == UW_JSON)
        textenc_json_walk(b, n, UNWRAP_JSON_MAX_VALUES, uw_part, c);
    else
        textenc_kv_split(b, n, '&', 0, 1, uw_part, c);
    c->quiet = saved;
    uw_pop(c, old);
}

/* A field of a protobuf message: a value under its field number path ("3", "3.1"). */
static void uw_pb_field(void *arg, uint32_t field, const uint8_t *val, size_t len)
{
    struct uw_call *c = arg;
    char outer[UNWRAP_KEY_MAX + 1];
    memcpy(outer, c->key, sizeof outer);
    size_t kl = strlen(c->key);
    snprintf(c->key + kl, sizeof c->key - kl, "%s%u", kl ? "." : "", (unsigned)field);
    uw_value(c, val, len);
    memcpy(c->key, outer, sizeof outer);
}

/* A protobuf message (binary, well-formed): every length-delimited field is a value of
 * its own, so a value ends where its field ends whatever tag byte follows it. A message
 * inside a field of one is walked in the same layer. */
static void uw_proto(struct uw_call *c, const uint8_t *v, size_t n)
{
    int nested = c->chain_len >= 8 && !strcmp(c->chain + c->chain_len - 8, "protobuf");
    int quiet = c->quiet, nest = c->pb_nest;
    size_t old = 0;
    if (nested && c->pb_nest >= UNWRAP_PB_NEST) {
        c->u->st->unwrap_depth_capped++;
        return;
    }
    if (nested) {
        c->pb_nest++;
    } else {
        c->u->st->unwrap_layers++;
        old = uw_push(c, "protobuf");
        c->pb_nest = 0;
    }
    c->quiet = 0;
    protobuf_walk(v, n, uw_pb_field, c);
    c->quiet = quiet;
    c->pb_nest = nest;
    if (!nested)
        uw_pop(c, old);
}

/* gRPC frames: each message is a value; a compressed one (grpc-encoding gzip) starts
 * with the gzip magic and is inflated as such. */
static void uw_grpc_msg(void *arg, int compressed, const uint8_t *msg, size_t len)
{
    (void)compressed;
    uw_value(arg, msg, len);
}

/* A multipart body: each part is a value under its name, decoded by what it holds. */
static void uw_mp_part(void *arg, const char *name, const uint8_t *ct, size_t ctl,
                       const uint8_t *body, size_t len)
{
    struct uw_call *c = arg;
    char outer[UNWRAP_KEY_MAX + 1];
    (void)ct;
    (void)ctl;
    memcpy(outer, c->key, sizeof outer);
    if (name[0])
        snprintf(c->key, sizeof c->key, "%s", name);
    uw_value(c, body, len);
    memcpy(c->key, outer, sizeof outer);
}

/* A binary or multipart framing: its values are handed over, not the frame bytes. */
static void uw_frames(struct uw_call *c, enum uw_kind k, const uint8_t *v, size_t n)
{
    if (k == UW_PROTO) {
        uw_proto(c, v, n);
        return;
    }
    int quiet = c->quiet;
    c->u->st->unwrap_layers++;
    size_t old = uw_push(c, k == UW_GRPC ? "grpc" : "multipart");
    c->quiet = 0;
    if (k == UW_GRPC)
        protobuf_grpc_frames(v, n, uw_grpc_msg, c);
    else
        multipart_split(v, n, uw_mp_part, c);
    c->quiet = quiet;
    uw_pop(c, old);
}

static int uw_is_frames(enum uw_kind k)
{
    return k == UW_PROTO || k == UW_GRPC || k == UW_MULTIPART;
}

/* One more layer of v, if it has one. */
static void uw_layers(struct uw_call *c, const uint8_t *v, size_t n)
{
    uw_layers_as(c, uw_kind(c, v, n), v, n);
}

static void uw_layers_as(struct uw_call *c, enum uw_kind k, const uint8_t *v, size_t n)
{
    if (k == UW_NONE)
        return;
    if (c->depth >= UNWRAP_DEPTH_MAX) {
        c->u->st->unwrap_depth_capped++;
        return;
    }
    switch (k) {
    case UW_GZIP: uw_zip(c, v, n, 15 + 16, "gzip"); break;
    case UW_ZLIB: uw_zip(c, v, n, 15, "zlib"); break;
    case UW_ZSTD: uw_zstd(c, v, n); break;
    case UW_B64: uw_b64(c, v, n); break;
    case UW_JSON:
    case UW_FORM: uw_split(c, k, v, n); break;
    case UW_GRPC:
    case UW_PROTO:
    case UW_MULTIPART: uw_frames(c, k, v, n); break;
    case UW_ESCJSON:
    case UW_ESC:
    case UW_URL: {
        uint8_t *b = uw_copy(c, v, n);
        if (!b)
            break;
        size_t m = k == UW_URL ? textenc_url_decode(b, n, 0) : textenc_json_unescape_buf(b, n);
        if (m != n || memcmp(b, v, n))
            uw_descend(c, k == UW_URL ? "url" : "unescape", b, m);
        break;
    }
    case UW_NONE: break;
    }
}

/* A decoded value: handed over and looked into. Compressed bytes are handed over only
 * when they do not inflate: a literal that a compressor left readable in them is the
 * same leak as in the output, which names the chain fully. */
static void uw_value(struct uw_call *c, const uint8_t *v, size_t n)
{
    if (!n)
        return;
    enum uw_kind k = uw_kind(c, v, n);
    int split = (k == UW_JSON || k == UW_FORM) && c->depth < UNWRAP_DEPTH_MAX;
    int packed = (k == UW_GZIP || k == UW_ZLIB || k == UW_ZSTD) && c->depth < UNWRAP_DEPTH_MAX;
    if (packed) {
        int done = k == UW_ZSTD ? uw_zstd(c, v, n)
                                : uw_zip(c, v, n, k == UW_GZIP ? 15 + 16 : 15,
                                         k == UW_GZIP ? "gzip" : "zlib");
        if (done)
            return;
        k = uw_kind_binary(v, n); /* a protobuf can start like a zlib header */
    }
    split |= uw_is_frames(k) && c->depth < UNWRAP_DEPTH_MAX;
    if (!c->quiet && !split)
        uw_emit(c, c->key, v, n);
    uw_layers_as(c, k, v, n);
}

/* RFC 4648 base32 of a DNS label (case-insensitive, unpadded), into out (room for
 * n * 5 / 8 bytes). -1 when a character is not base32. */
static long uw_base32(const uint8_t *s, size_t n, uint8_t *out)
{
    uint32_t acc = 0;
    size_t bits = 0, k = 0;
    for (size_t i = 0; i < n; i++) {
        uint8_t c = s[i] >= 'A' && s[i] <= 'Z' ? (uint8_t)(s[i] + 32) : s[i];
        int v = c >= 'a' && c <= 'z' ? c - 'a' : c >= '2' && c <= '7' ? c - '2' + 26 : -1;
        if (v < 0)
            return -1;
        acc = acc << 5 | (uint32_t)v;
        bits += 5;
        if (bits >= 8) {
            bits -= 8;
            out[k++] = (uint8_t)(acc >> bits);
            acc &= (1u << bits) - 1;
        }
    }
    return (long)k;
}

/* DNS exfiltration puts identifiers in query-name labels: as they are (the matcher
 * sees them in the name), in hex (a form of their own), or in base32, decoded here.
 * A label is tried when it is long (16+) base32 with a digit (words have none). */
static void uw_dns(struct uw_call *c, const uint8_t *v, size_t n)
{
    size_t i = 0;
    while (i < n) {
        size_t s = i, digits = 0;
        while (i < n && v[i] != '.') {
            digits += v[i] >= '2' && v[i] <= '7';
            i++;
        }
        uint8_t out[64];
        long k = i - s >= 16 && i - s <= 96 && digits ? uw_base32(v + s, i - s, out) : -1;
        if (k > 0 && uw_spend(c, (size_t)k))
            uw_descend(c, "base32", out, (size_t)k);
        i++;
    }
}

/* Path segments of a request target ("/v1/d/<base64url>/ping") are tried one by one:
 * the whole path is not base64, a segment may be. */
static void uw_path(struct uw_call *c, const uint8_t *v, size_t n)
{
    size_t i = 0;
    while (i < n) {
        size_t s = i;
        while (i < n && v[i] != '/')
            i++;
        int url;
        if (i > s && uw_is_b64(v + s, i - s, &url) && (s > 0 || i < n))
            uw_layers(c, v + s, i - s);
        i++;
    }
}

static int uw_suffix(const char *s, const char *suf)
{
    size_t a = strlen(s), b = strlen(suf);
    return a >= b && !strcmp(s + a - b, suf);
}

void unwrap_field(struct unwrap *u, uint64_t *spent, const struct dissect_cb *cb, void *ctx,
                  const char *where, const char *key, const uint8_t *val, size_t len)
{
    if (!cb)
        return;
    /* Fields set one by one: zeroing the chain buffer cost more than a short value's
     * whole classification. */
    struct uw_call c;
    c.u = u;
    c.spent = spent;
    c.cb = cb;
    c.ctx = ctx;
    c.where = where;
    c.depth = c.quiet = c.pb_nest = 0;
    c.chain[0] = 0;
    c.chain_len = 0;
    key = key ? key : "";
    c.whole_body = !key[0] && uw_suffix(where, ".body");
    /* A protobuf, gRPC or multipart value goes out as its fields only: whole, its
     * values would touch tag bytes and part headers (and the raw scan has it). */
    int deep = u && val && len >= UNWRAP_MIN_FIELD;
    enum uw_kind k0 = deep ? uw_kind(&c, val, len) : UW_NONE;
    if (cb->field && !uw_is_frames(k0))
        cb->field(ctx, where, key, val, len);
    if (!deep)
        return;
    int path = !key[0] && uw_suffix(where, ".uri");
    int dns = !path && where[0] == 'd' && !strcmp(where, "dns.query");
    if (k0 == UW_NONE && !path && !dns)
        return; /* most values: nothing inside (and no buffer was taken) */
    size_t kl = strlen(key);
    if (kl > UNWRAP_KEY_MAX)
        kl = UNWRAP_KEY_MAX;
    memcpy(c.key, key, kl);
    memset(c.key + kl, 0, sizeof c.key - kl);
    if (path)
        uw_path(&c, val, len);
    else if (dns)
        uw_dns(&c, val, len);
    else
        uw_layers_as(&c, k0, val, len); /* the kind found above */
    for (int d = 0; u->big && d < UNWRAP_DEPTH_MAX; d++) {
        if (u->cap[d] > UNWRAP_KEEP) {
            free(u->buf[d]);
            u->buf[d] = NULL;
            u->cap[d] = 0;
        }
    }
    u->big = 0;
}

/* What unwrap_field() does no more with than pass on: a keyed value (so no path, and
 * not a whole body) too short to decode, or a plain token that no zlib header starts
 * (uw_kind()'s first test, read off the splitter's classes). */
static int uw_passes(const struct unwrap *u, const struct dissect_kv *kv)
{
    if (!kv->klen)
        return 0;
    if (!u || !kv->val || kv->vlen < UNWRAP_MIN_FIELD)
        return 1;
    return uw_plain_class(kv->vclass) && !uw_zlib_head(kv->val, kv->vlen);
}

void unwrap_fields(struct unwrap *u, uint64_t *spent, const struct dissect_cb *cb, void *ctx,
                   const char *where, const struct dissect_kv *kv, size_t n)
{
    if (!cb)
        return;
    int dns = !strcmp(where, "dns.query");
    for (size_t i = 0; i < n;) {
        size_t j = i;
        while (j < n && !dns && uw_passes(u, &kv[j]))
            j++;
        if (j > i) {
            dissect_cb_fields(cb, ctx, where, kv + i, j - i);
            i = j;
        } else {
            unwrap_field(u, spent, cb, ctx, where, kv[i].key, kv[i].val, kv[i].vlen);
            i++;
        }
    }
}
