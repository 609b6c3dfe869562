/* test_dissectors_h2.c - the HTTP/2 dissector (http2.c) on frames built here: header
 * blocks encoded by libnghttp2's own HPACK deflater, PADDED and PRIORITY flags, a
 * header block split by CONTINUATION, a gzip body over padded DATA frames, a larger
 * HPACK table announced by SETTINGS and used by the peer's encoder, and broken input
 * (bad preface, bad HPACK, oversized and inconsistent frames). Every stream is also
 * fed in small pieces. */
#include <CUnit/CUnit.h>
#include <nghttp2/nghttp2.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "dissectors/http2.h"
#include "tests/test_dissectors_rec.h"
#include "tests/testutil.h"

#define IMEI "869012045678914"
#define OAID "1f2e3d4c-aaaa-bbbb-cccc-0123456789ab"

struct buf {
    uint8_t p[65536 + 4096];
    size_t n;
};

static void put(struct buf *b, const void *d, size_t n)
{
    CU_ASSERT_FATAL(b->n + n <= sizeof b->p);
    if (n)
        memcpy(b->p + b->n, d, n);
    b->n += n;
}

static void frame(struct buf *b, uint8_t type, uint8_t flags, uint32_t sid, const void *p,
                  size_t n)
{
    uint8_t h[9] = {(uint8_t)(n >> 16), (uint8_t)(n >> 8), (uint8_t)n, type, flags,
                    (uint8_t)(sid >> 24), (uint8_t)(sid >> 16), (uint8_t)(sid >> 8), (uint8_t)sid};
    put(b, h, 9);
    put(b, p, n);
}

#define NV(n, v) {(uint8_t *)(n), (uint8_t *)(v), sizeof(n) - 1, sizeof(v) - 1, 0}

static size_t hpack(nghttp2_hd_deflater *d, const nghttp2_nv *nv, size_t n, uint8_t *out)
{
    ssize_t r = nghttp2_hd_deflate_hd(d, out, 4096, nv, n);
    CU_ASSERT_FATAL(r > 0);
    return (size_t)r;
}

static size_t gzip_buf(const char *in, uint8_t *out, size_t cap)
{
    z_stream z = {0};
    deflateInit2(&z, 9, Z_DEFLATED, 31, 8, Z_DEFAULT_STRATEGY);
    z.next_in = (Bytef *)(uintptr_t)in;
    z.avail_in = (uInt)strlen(in);
    z.next_out = out;
    z.avail_out = (uInt)cap;
    deflate(&z, Z_FINISH);
    size_t n = z.total_out;
    deflateEnd(&z);
    return n;
}

static struct buf c2s, s2c;

/* Client: preface, SETTINGS (table 65536), request 1 as HEADERS (PADDED|PRIORITY) +
 * CONTINUATION, body over two padded DATA frames; request 2 (same headers: indexed
 * from the dynamic table) without body. Server: SETTINGS, a response whose encoder
 * first enlarges its table to 65536 (legal only because of the client's SETTINGS). */
static void build(void)
{
    nghttp2_hd_deflater *cd, *sd;
    CU_ASSERT_FATAL(nghttp2_hd_deflate_new(&cd, 4096) == 0);
    CU_ASSERT_FATAL(nghttp2_hd_deflate_new(&sd, 65536) == 0);
    c2s.n = s2c.n = 0;
    put(&c2s, "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", 24);
    static const uint8_t settings[] = {0, 1, 0, 1, 0, 0}; /* HEADER_TABLE_SIZE 65536 */
    frame(&c2s, 4, 0, 0, settings, sizeof settings);
    frame(&s2c, 4, 0, 0, NULL, 0);
    frame(&c2s, 4, 1, 0, NULL, 0); /* ACK */

    const nghttp2_nv req[] = {
        NV(":method", "POST"),
        NV(":scheme", "https"),
        NV(":authority", "ULOGS.umeng.com:443"),
        NV(":path", "/v1/log%2Fx?imei=" IMEI "&t=1"),
        NV("x-oaid", OAID),
        NV("cookie", "uid=abc; did=" IMEI),
        NV("content-type", "application/json"),
        NV("content-encoding", "gzip"),
    };
    uint8_t hb[4096], pl[8192];
    size_t hn = hpack(cd, req, sizeof req / sizeof req[0], hb);
    size_t cut = hn / 2, o = 0;
    pl[o++] = 3;                    /* pad length */
    memcpy(pl + o, "\x80\0\0\0\x10", 5); /* exclusive dependency on 0, weight 16 */
    o += 5;
    memcpy(pl + o, hb, cut);
    o += cut;
    memset(pl + o, 0, 3);
    o += 3;
    frame(&c2s, 1, 0x8 | 0x20, 1, pl, o); /* HEADERS PADDED PRIORITY, no END_HEADERS */
    frame(&c2s, 9, 0x4, 1, hb + cut, hn - cut);
    uint8_t gz[512];
    size_t gn = gzip_buf("{\"dev\":{\"imei\":\"" IMEI "\"},\"oaid\":\"" OAID "\"}", gz, sizeof gz);
    size_t half = gn / 2;
    o = 0;
    pl[o++] = 10;
    memcpy(pl + o, gz, half);
    o += half;
    memset(pl + o, 0, 10);
    o += 10;
    frame(&c2s, 0, 0x8, 1, pl, o);
    frame(&c2s, 0, 0x1, 1, gz + half, gn - half);

    hn = hpack(cd, req, 5, hb); /* request 2: mostly table indexes now */
    frame(&c2s, 1, 0x4 | 0x1, 3, hb, hn);

    CU_ASSERT_FATAL(nghttp2_hd_deflate_change_table_size(sd, 65536) == 0);
    const nghttp2_nv resp[] = {NV(":status", "200"), NV("server", "test-h2"),
                               NV("content-type", "application/x-www-form-urlencoded")};
    hn = hpack(sd, resp, 3, hb);
    frame(&s2c, 1, 0x4, 1, hb, hn);
    static const char form[] = "oaid=" OAID "&ok=1";
    frame(&s2c, 0, 0x1, 1, form, sizeof form - 1);
    nghttp2_hd_deflate_del(cd);
    nghttp2_hd_deflate_del(sd);
}

static void feed(struct rec *r, struct dissect_stats *st, size_t step)
{
    struct http2 *h = http2_new(st);
    CU_ASSERT_FATAL(h != NULL);
    const struct buf *b[2] = {&c2s, &s2c};
    for (int d = 0; d < 2; d++)
        for (size_t off = 0; off < b[d]->n;) {
            size_t k = step && step < b[d]->n - off ? step : b[d]->n - off;
            http2_data(h, d, b[d]->p + off, k, &rec_cb, r);
            off += k;
        }
    http2_close(h, &rec_cb, r);
    http2_free(h);
}

static void t_frames(void)
{
    build();
    for (size_t s = 0; s < REC_NSTEPS; s++) {
        struct dissect_stats st = {0};
        struct rec r = {0};
        feed(&r, &st, rec_steps[s]);
        CU_ASSERT_EQUAL(rec_count(&r, "http2.uri", "imei", IMEI), 2);
        CU_ASSERT_EQUAL(rec_count(&r, "http2.uri", "t", "1"), 2);
        CU_ASSERT_EQUAL(rec_count(&r, "http2.uri", "", "/v1/log/x"), 2);
        CU_ASSERT_EQUAL(rec_count(&r, "http2.header", "x-oaid", OAID), 2);
        CU_ASSERT_EQUAL(rec_count(&r, "http2.header", "did", IMEI), 1);
        CU_ASSERT_EQUAL(rec_count(&r, "name:http.host", "", "ulogs.umeng.com"), 2);
        CU_ASSERT_EQUAL(rec_count(&r, "http2.body", "imei", IMEI), 1);
        CU_ASSERT_EQUAL(rec_count(&r, "http2.body", "oaid", OAID), 2); /* JSON and form */
        CU_ASSERT_EQUAL(rec_count(&r, "http2.header", "server", "test-h2"), 1);
        CU_ASSERT_EQUAL(st.h2_streams, 3);
        CU_ASSERT_EQUAL(st.h2_frames, 10);
        CU_ASSERT_EQUAL(st.h2_hpack_errors + st.h2_malformed + st.zlib_errors, 0);
        if (CU_get_number_of_failures())
            rec_dump(&r);
        rec_clear(&r);
    }
}

/* Without the client's SETTINGS the server's table size update is an HPACK error. */
static void t_settings_matter(void)
{
    build();
    /* Drop the client's SETTINGS frame (bytes 24..24+9+6) from the stream. */
    memmove(c2s.p + 24, c2s.p + 39, c2s.n - 39);
    c2s.n -= 15;
    struct dissect_stats st = {0};
    struct rec r = {0};
    feed(&r, &st, 0);
    CU_ASSERT_EQUAL(st.h2_hpack_errors, 1);
    CU_ASSERT_EQUAL(rec_count(&r, "http2.header", "server", NULL), 0);
    CU_ASSERT_EQUAL(rec_count(&r, "http2.uri", "imei", IMEI), 2); /* client side fine */
    rec_clear(&r);
}

static void t_broken(void)
{
    struct dissect_stats st = {0};
    struct rec r = {0};
    /* Bad preface. */
    c2s.n = s2c.n = 0;
    put(&c2s, "GET / HTTP/1.1\r\n\r\n", 18);
    feed(&r, &st, 0);
    CU_ASSERT_EQUAL(st.h2_malformed, 1);
    /* Garbage HPACK; an oversized DATA frame is skipped, then framing goes on. */
    memset(&st, 0, sizeof st);
    c2s.n = s2c.n = 0;
    put(&c2s, "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", 24);
    static uint8_t big[DISSECT_H2_FRAME_MAX + 1];
    frame(&s2c, 0, 0, 1, big, sizeof big);
    frame(&s2c, 4, 0, 0, NULL, 0);
    static const uint8_t junk[] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
    frame(&c2s, 1, 0x4, 1, junk, sizeof junk);
    frame(&c2s, 0, 0x8, 1, "\x09" "ab", 3); /* pad longer than the payload */
    feed(&r, &st, 0);
    CU_ASSERT_EQUAL(st.h2_hpack_errors, 1);
    CU_ASSERT_EQUAL(st.h2_frame_too_long, 1);
    CU_ASSERT_EQUAL(st.h2_frames, 2); /* SETTINGS after the skipped frame; the HEADERS */
    memset(&st, 0, sizeof st);
    c2s.n = s2c.n = 0;
    put(&c2s, "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", 24);
    frame(&c2s, 0, 0x8, 1, "\x09" "ab", 3);
    frame(&c2s, 9, 0x4, 1, "ab", 2); /* CONTINUATION without HEADERS */
    feed(&r, &st, 1);
    CU_ASSERT_EQUAL(st.h2_malformed, 2);
    CU_ASSERT_EQUAL(r.n, 0);
    rec_clear(&r);
}

/* Random frames (every type, random flags and payloads, sometimes valid HPACK from the
 * real stream spliced in): nothing crashes (ASan build), counters move. */
static void t_random(void)
{
    build();
    struct buf good = c2s;
    uint32_t x = 12345;
    for (int round = 0; round < 300; round++) {
        c2s.n = s2c.n = 0;
        put(&c2s, "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", 24);
        for (int f = 0; f < 20; f++) {
            uint8_t pl[300];
            x = x * 1103515245u + 12345u;
            size_t n = (x >> 8) % sizeof pl;
            for (size_t i = 0; i < n; i++) {
                x = x * 1103515245u + 12345u;
                pl[i] = (uint8_t)(x >> 16);
            }
            if (f % 5 == 0 && good.n > 24 + n) /* a piece of the real frames */
                memcpy(pl, good.p + 24 + (x >> 4) % (good.n - 24 - n), n);
            x = x * 1103515245u + 12345u;
            frame(&c2s, (uint8_t)((x >> 8) % 11), (uint8_t)(x >> 16), (x >> 24) % 4, pl, n);
        }
        struct dissect_stats st = {0};
        struct rec r = {0};
        feed(&r, &st, (size_t)(round % 7) + 1);
        CU_ASSERT(st.h2_frames + st.h2_malformed + st.h2_hpack_errors > 0);
        rec_clear(&r);
    }
}

/* HPACK integer with an n-bit prefix (RFC 7541 5.1). */
static size_t hint(uint8_t *o, uint8_t first, int prefix, uint64_t v)
{
    size_t k = 0;
    uint64_t max = (1u << prefix) - 1;
    if (v < max) {
        o[k++] = (uint8_t)(first | v);
        return k;
    }
    o[k++] = (uint8_t)(first | max);
    v -= max;
    while (v >= 128) {
        o[k++] = (uint8_t)((v & 127) | 128);
        v >>= 7;
    }
    o[k++] = (uint8_t)v;
    return k;
}

/* The server announces SETTINGS_HEADER_TABLE_SIZE 2^32 - 1; the client's encoder then
 * grows its table past 64 KiB with large indexed literals. The dissector honours at
 * most 64 KiB: the table size update is an HPACK error, the direction stops, nothing
 * of it is stored. An encoder that stays small still decodes. */
static void t_table_cap(void)
{
    static const uint8_t huge[6] = {0, 1, 0xff, 0xff, 0xff, 0xff};
    static uint8_t blk[8192];
    for (int hostile = 0; hostile < 2; hostile++) {
        c2s.n = s2c.n = 0;
        frame(&s2c, 4, 0, 0, huge, sizeof huge);
        struct dissect_stats st = {0};
        struct rec r = {0};
        struct http2 *h = http2_new(&st);
        CU_ASSERT_FATAL(h != NULL);
        http2_data(h, 1, s2c.p, s2c.n, &rec_cb, &r);
        http2_data(h, 0, (const uint8_t *)"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", 24, &rec_cb, &r);
        for (int i = 0; i < 40; i++) {
            size_t k = 0;
            if (i == 0 && hostile)
                k += hint(blk + k, 0x20, 5, 0xFFFFFFFFu); /* dynamic table size update */
            blk[k++] = 0x40; /* literal with incremental indexing, new name */
            char name[16];
            int nl = snprintf(name, sizeof name, "x%d", i);
            k += hint(blk + k, 0, 7, (uint64_t)nl);
            memcpy(blk + k, name, (size_t)nl);
            k += (size_t)nl;
            k += hint(blk + k, 0, 7, 4000);
            memset(blk + k, 'a', 4000);
            k += 4000;
            c2s.n = 0;
            frame(&c2s, 1, 0x4 | 0x1, 1 + 2 * (uint32_t)i, blk, k);
            http2_data(h, 0, c2s.p, c2s.n, &rec_cb, &r);
        }
        http2_close(h, &rec_cb, &r);
        http2_free(h);
        CU_ASSERT_EQUAL(st.h2_hpack_errors, hostile ? 1 : 0);
        CU_ASSERT_EQUAL(st.h2_streams, hostile ? 0 : 40);
        CU_ASSERT_EQUAL(rec_count(&r, "http2.header", "x39", NULL), hostile ? 0 : 1);
        rec_clear(&r);
    }
}

/* n streams open a form body (HEADERS without END_STREAM) from the client. */
static void open_streams(nghttp2_hd_deflater *cd, uint32_t first, int n)
{
    static const nghttp2_nv req[] = {
        NV(":method", "POST"), NV(":path", "/s"),
        NV("content-type", "application/x-www-form-urlencoded")};
    uint8_t hb[4096];
    for (int i = 0; i < n; i++) {
        size_t hn = hpack(cd, req, 3, hb);
        frame(&c2s, 1, 0x4, first + 2 * (uint32_t)i, hb, hn);
    }
}

static const char body[] = "oaid=" OAID;

/* RST_STREAM frees the slots of cancelled streams; with every slot held by streams
 * that never end, the oldest is evicted so later bodies are still decoded. */
static void t_stream_slots(void)
{
    for (int rst = 0; rst < 2; rst++) {
        nghttp2_hd_deflater *cd;
        CU_ASSERT_FATAL(nghttp2_hd_deflate_new(&cd, 4096) == 0);
        c2s.n = s2c.n = 0;
        put(&c2s, "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", 24);
        static const uint8_t cancel[4] = {0, 0, 0, 8};
        size_t split;
        if (rst) {
            open_streams(cd, 1, 16);
            split = c2s.n;
            for (uint32_t s = 1; s < 33; s += 2)
                frame(&s2c, 3, 0, s, cancel, 4); /* the server cancels them */
            open_streams(cd, 101, 1);
            frame(&c2s, 0, 0x1, 101, body, sizeof body - 1);
        } else {
            open_streams(cd, 1, 20);  /* streams 1..39: 1, 3, 5, 7 are evicted */
            open_streams(cd, 101, 1); /* and 9 */
            frame(&c2s, 0, 0x1, 101, body, sizeof body - 1);
            frame(&c2s, 0, 0x1, 1, body, sizeof body - 1);  /* evicted: not decoded */
            frame(&c2s, 0, 0x1, 39, body, sizeof body - 1); /* still open */
            split = c2s.n;
        }
        nghttp2_hd_deflate_del(cd);
        struct dissect_stats st = {0};
        struct rec r = {0};
        struct http2 *h = http2_new(&st);
        CU_ASSERT_FATAL(h != NULL);
        http2_data(h, 0, c2s.p, split, &rec_cb, &r);
        http2_data(h, 1, s2c.p, s2c.n, &rec_cb, &r);
        http2_data(h, 0, c2s.p + split, c2s.n - split, &rec_cb, &r);
        http2_close(h, &rec_cb, &r);
        http2_free(h);
        CU_ASSERT_EQUAL(st.h2_streams_over_cap, rst ? 0 : 5);
        CU_ASSERT_EQUAL(rec_count(&r, "http2.body", "oaid", OAID), rst ? 1 : 2);
        CU_ASSERT_EQUAL(st.h2_hpack_errors + st.h2_malformed, 0);
        rec_clear(&r);
    }
}

/* Cleartext HTTP/2 by prior knowledge, through the flow dispatcher: a request body
 * the flow ends in the middle of is decoded when the flow closes. */
static void t_h2c_close(void)
{
    nghttp2_hd_deflater *cd;
    CU_ASSERT_FATAL(nghttp2_hd_deflate_new(&cd, 4096) == 0);
    c2s.n = 0;
    put(&c2s, "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", 24);
    frame(&c2s, 4, 0, 0, NULL, 0);
    const nghttp2_nv req[] = {NV(":method", "POST"), NV(":scheme", "http"),
                              NV(":authority", "a.example"), NV(":path", "/up"),
                              NV("content-type", "application/x-www-form-urlencoded")};
    uint8_t hb[4096];
    size_t hn = hpack(cd, req, sizeof req / sizeof req[0], hb);
    frame(&c2s, 1, 0x4, 1, hb, hn);                           /* END_HEADERS */
    static const char form[] = "imei=" IMEI "&n=1";
    frame(&c2s, 0, 0, 1, form, sizeof form - 1);              /* no END_STREAM */
    nghttp2_hd_deflate_del(cd);
    for (size_t st = 0; st < REC_NSTEPS; st++) {
        struct dissect_env env = {0};
        struct rec r = {0};
        rec_feed(&r, &env, 40000, 8080, c2s.p, c2s.n, NULL, 0, rec_steps[st]);
        CU_ASSERT_EQUAL(rec_count(&r, "http2.body", "imei", IMEI), 1);
        rec_clear(&r);
    }
}

/* Issue 20 defect 1: a HEADERS frame on stream 0 (the connection, never a request)
 * with END_STREAM took a free body slot (sid 0 marks one free) and ended a body that
 * was never opened: SIGSEGV. Every stream-0 header block form is fed: HEADERS with
 * and without END_STREAM, then DATA on 0; PUSH_PROMISE on 0; CONTINUATION moved to 0.
 * Each is a connection error (RFC 9113 6.2, 6.6, 6.10): counted once, the direction
 * stops, the request before it and the other direction are still decoded. */
static void t_stream0(void)
{
    static const nghttp2_nv req[] = {NV(":method", "GET"), NV(":path", "/a?imei=" IMEI)};
    for (int v = 0; v < 5; v++) {
        nghttp2_hd_deflater *cd;
        CU_ASSERT_FATAL(nghttp2_hd_deflate_new(&cd, 4096) == 0);
        c2s.n = s2c.n = 0;
        put(&c2s, "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", 24);
        uint8_t hb[4096], pl[4100] = {0, 0, 0, 3};
        size_t hn = hpack(cd, req, 2, hb);
        frame(&c2s, 1, 0x4 | 0x1, 1, hb, hn);
        hn = hpack(cd, req, 2, hb);
        switch (v) {
        case 0: frame(&c2s, 1, 0x4 | 0x1, 0, hb, hn); break; /* the crashing frame */
        case 1: /* a "body" on 0, then trailers on 0 */
            frame(&c2s, 1, 0x4, 0, hb, hn);
            frame(&c2s, 0, 0x1, 0, "oaid=" OAID, sizeof OAID + 4);
            frame(&c2s, 1, 0x4 | 0x1, 0, hb, hn);
            break;
        case 2: /* PUSH_PROMISE on 0 promising stream 3 */
            memcpy(pl + 4, hb, hn);
            frame(&c2s, 5, 0x4, 0, pl, hn + 4);
            break;
        case 3: /* HEADERS on 3 continued on 0 */
            frame(&c2s, 1, 0x1, 3, hb, hn / 2);
            frame(&c2s, 9, 0x4, 0, hb + hn / 2, hn - hn / 2);
            break;
        default: /* HEADERS on 3 (a body), HEADERS on 0 with END_STREAM */
            frame(&c2s, 1, 0x4, 3, hb, hn);
            frame(&c2s, 1, 0x4 | 0x1, 0, hb, hn);
            break;
        }
        static const nghttp2_nv resp[] = {NV(":status", "200"), NV("server", "test-h2")};
        nghttp2_hd_deflater *sd;
        CU_ASSERT_FATAL(nghttp2_hd_deflate_new(&sd, 4096) == 0);
        hn = hpack(sd, resp, 2, hb);
        frame(&s2c, 1, 0x4 | 0x1, 1, hb, hn);
        nghttp2_hd_deflate_del(cd);
        nghttp2_hd_deflate_del(sd);
        for (size_t step = 0; step < 2; step++) {
            struct dissect_stats st = {0};
            struct rec r = {0};
            feed(&r, &st, step ? 5 : 0);
            CU_ASSERT_EQUAL(st.h2_malformed, 1);
            /* case 4: the block on 3 is whole and holds its :path too */
            CU_ASSERT_EQUAL(rec_count(&r, "http2.uri", "imei", IMEI), v == 4 ? 2 : 1);
            CU_ASSERT_EQUAL(rec_count(&r, "http2.header", "server", "test-h2"), 1);
            CU_ASSERT_EQUAL(rec_count(&r, "http2.body", NULL, NULL), 0);
            rec_clear(&r);
        }
    }
}

int main(void)
{
    static const struct tu_case cases[] = {
        {"frames, flags, CONTINUATION, gzip body, SETTINGS table size", t_frames},
        {"the peer's SETTINGS table size is needed", t_settings_matter},
        {"broken input is counted", t_broken},
        {"random frames", t_random},
        {"hostile SETTINGS_HEADER_TABLE_SIZE is capped", t_table_cap},
        {"RST_STREAM frees slots; the oldest slot is evicted", t_stream_slots},
        {"header blocks on stream 0 are a connection error", t_stream0},
        {"h2c by prior knowledge: a cut body is decoded at close", t_h2c_close},
        {NULL, NULL},
    };
    return tu_run("dissectors_h2", cases);
}
