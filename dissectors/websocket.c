/* websocket.c - see websocket.h. Per direction a small state machine: gather a frame
 * header (2 to 14 bytes), then stream its payload (unmasked on the way) into the
 * message buffer; at a data message's final frame, inflate if compressed and hand over. */
#include "dissectors/websocket.h"

#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#define WS_OP_CONT 0x0
#define WS_OP_TEXT 0x1
#define WS_OP_BIN 0x2

struct ws_dir {
    uint8_t hdr[14];
    size_t hlen, hneed;    /* header bytes so far / needed (2 until the length is known) */
    uint64_t remain;       /* payload bytes of the current frame still to come */
    uint8_t mask[4];
    int masked;
    size_t mpos;           /* mask position of the next payload byte */
    int control, fin;      /* the current frame */
    int in_msg, compressed, skipping;
    uint8_t *msg;          /* the message gathered so far */
    size_t mlen, mcap;
    z_stream z;
    int z_ready;
    int lost;
};

struct websocket {
    struct ws_dir d[2];
    struct dissect_stats *st;
    unsigned flags;
};

struct websocket *websocket_new(struct dissect_stats *st, unsigned flags)
{
    struct websocket *w = calloc(1, sizeof *w);
    if (!w)
        return NULL;
    w->st = st;
    w->flags = flags;
    w->d[0].hneed = w->d[1].hneed = 2;
    return w;
}

void websocket_free(struct websocket *w)
{
    if (!w)
        return;
    for (int i = 0; i < 2; i++) {
        free(w->d[i].msg);
        if (w->d[i].z_ready)
            inflateEnd(&w->d[i].z);
    }
    free(w);
}

void websocket_gap(struct websocket *w, int dir)
{
    w->d[dir & 1].lost = 1;
}

/* Inflate a permessage-deflate message (RFC 7692 7.2.2: append 00 00 ff ff) and hand
 * it over. The output buffer is made per message: compressed messages are the rare
 * case, and the window of the stream is what context takeover keeps. */
static void ws_inflate(struct websocket *w, struct ws_dir *d, int dir,
                       const struct dissect_cb *cb, void *ctx)
{
    static const uint8_t tail[4] = {0, 0, 0xff, 0xff};
    if (!d->z_ready) {
        memset(&d->z, 0, sizeof d->z);
        if (inflateInit2(&d->z, -15) != Z_OK) {
            w->st->zlib_errors++;
            return;
        }
        d->z_ready = 1;
    }
    uint8_t *out = malloc(DISSECT_BODY_MAX);
    if (!out)
        return;
    d->z.next_out = out;
    d->z.avail_out = DISSECT_BODY_MAX;
    int r = Z_OK;
    for (int part = 0; part < 2 && r == Z_OK && d->z.avail_out; part++) {
        d->z.next_in = part ? (Bytef *)(uintptr_t)tail : d->msg;
        d->z.avail_in = part ? 4 : (uInt)d->mlen;
        r = inflate(&d->z, Z_SYNC_FLUSH);
        if (r == Z_BUF_ERROR && d->z.avail_in == 0)
            r = Z_OK;
    }
    size_t got = DISSECT_BODY_MAX - d->z.avail_out;
    if (!d->z.avail_out)
        w->st->zlib_bombs++;
    else if (r != Z_OK && r != Z_STREAM_END)
        w->st->zlib_errors++;
    if (got && cb && cb->field)
        cb->field(ctx, "ws.message", "", out, got);
    free(out);
    unsigned noctx = dir ? WEBSOCKET_SERVER_NO_CTX : WEBSOCKET_CLIENT_NO_CTX;
    if ((w->flags & noctx) || d->z.avail_out == 0 || (r != Z_OK && r != Z_STREAM_END))
        inflateReset(&d->z);
}

static void ws_message_end(struct websocket *w, struct ws_dir *d, int dir,
                           const struct dissect_cb *cb, void *ctx)
{
    w->st->ws_messages++;
    if (d->compressed && cb && cb->field) /* a quiet direction is not inflated */
        ws_inflate(w, d, dir, cb, ctx);
    else if (d->mlen && cb && cb->field)
        cb->field(ctx, "ws.message", "", d->msg, d->mlen);
    d->in_msg = d->compressed = d->skipping = 0;
    d->mlen = 0;
    if (d->mcap > 64u * 1024) { /* do not pin a large buffer on an idle socket */
        free(d->msg);
        d->msg = NULL;
        d->mcap = 0;
    }
}

/* A complete frame header in d->hdr: set up the payload. 0, or -1 when malformed. */
static int ws_header(struct websocket *w, struct ws_dir *d)
{
    uint8_t b0 = d->hdr[0], op = b0 & 0x0f;
    d->fin = b0 >> 7;
    d->control = op >= 8;
    if ((b0 & 0x30) || (op > WS_OP_BIN && op < 8) || op > 0xa)
        return -1; /* RSV2/RSV3 or a reserved opcode */
    if (d->control && (!d->fin || (d->hdr[1] & 0x7f) > 125))
        return -1;
    if (!d->control) {
        if (op == WS_OP_CONT && !d->in_msg)
            return -1;
        if (op != WS_OP_CONT) {
            if (d->in_msg)
                return -1;
            d->in_msg = 1;
            d->compressed = (b0 & 0x40) && (w->flags & WEBSOCKET_DEFLATE);
        }
    }
    w->st->ws_frames++;
    return 0;
}

/* Header bytes: how many are needed once the first two are known. */
static size_t ws_hneed(const uint8_t *h)
{
    size_t l7 = h[1] & 0x7f;
    return 2 + (l7 == 126 ? 2 : l7 == 127 ? 8 : 0) + ((h[1] & 0x80) ? 4 : 0);
}

static size_t ws_take_header(struct websocket *w, struct ws_dir *d, const uint8_t *p, size_t n)
{
    size_t k = d->hneed - d->hlen < n ? d->hneed - d->hlen : n;
    memcpy(d->hdr + d->hlen, p, k);
    d->hlen += k;
    if (d->hlen == 2 && d->hneed == 2 && (d->hneed = ws_hneed(d->hdr)) > 2)
        return k;
    if (d->hlen < d->hneed)
        return k;
    size_t l7 = d->hdr[1] & 0x7f, at = 2;
    uint64_t len = l7;
    if (l7 >= 126) {
        size_t nb = l7 == 126 ? 2 : 8;
        len = 0;
        for (size_t i = 0; i < nb; i++)
            len = len << 8 | d->hdr[at + i];
        at += nb;
    }
    d->masked = (d->hdr[1] & 0x80) != 0;
    if (d->masked)
        memcpy(d->mask, d->hdr + at, 4);
    d->mpos = 0;
    d->remain = len;
    d->hlen = 0;
    d->hneed = 2;
    if (ws_header(w, d) < 0) {
        w->st->ws_malformed++;
        d->lost = 1;
    }
    return k;
}

static size_t ws_take_payload(struct websocket *w, struct ws_dir *d, const uint8_t *p, size_t n)
{
    size_t k = d->remain < n ? (size_t)d->remain : n;
    d->remain -= k;
    if (d->control || d->skipping)
        return k;
    if (d->mlen + k > DISSECT_BODY_MAX) {
        w->st->ws_too_long++;
        d->skipping = 1; /* what was gathered is still handed over at the end */
        return k;
    }
    if (d->mlen + k > d->mcap) {
        size_t c = d->mcap ? d->mcap : 1024;
        while (c < d->mlen + k)
            c *= 2;
        uint8_t *b = realloc(d->msg, c);
        if (!b) {
            d->skipping = 1;
            return k;
        }
        d->msg = b;
        d->mcap = c;
    }
    uint8_t *o = d->msg + d->mlen;
    for (size_t i = 0; i < k; i++)
        o[i] = d->masked ? (uint8_t)(p[i] ^ d->mask[(d->mpos + i) & 3]) : p[i];
    d->mpos += k;
    d->mlen += k;
    return k;
}

void websocket_data(struct websocket *w, int dir, const uint8_t *data, size_t len,
                    const struct dissect_cb *cb, void *ctx)
{
    struct ws_dir *d = &w->d[dir & 1];
    while (len && !d->lost) {
        int in_payload = d->hlen == 0 && d->remain > 0;
        size_t used = in_payload ? ws_take_payload(w, d, data, len) : ws_take_header(w, d, data, len);
        data += used;
        len -= used;
        /* A frame is over when its payload is: a zero-length frame right away. */
        if (d->hlen == 0 && d->remain == 0 && !d->lost && d->fin && !d->control && d->in_msg) {
            ws_message_end(w, d, dir & 1, cb, ctx);
            d->fin = 0;
        }
    }
}
