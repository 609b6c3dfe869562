/* test_dissectors_http.c - HTTP/1.x dissection over byte streams split at many points,
 * and every bad input the issue lists. Compressed bodies are made by gzip(1) or zlib,
 * expected encodings by printf/base64(1), never by the code under test. */
#include <CUnit/CUnit.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "dissectors/dissect.h"
#include "tests/test_dissectors_rec.h"
#include "tests/testutil.h"

#define IMEI "869012045678912"

/* Append helpers over a malloc'd growing buffer. */
struct buf {
    uint8_t *p;
    size_t n, cap;
};

static void buf_put(struct buf *b, const void *d, size_t n)
{
    if (b->n + n > b->cap) {
        b->cap = (b->n + n) * 2 + 64;
        b->p = realloc(b->p, b->cap);
    }
    memcpy(b->p + b->n, d, n);
    b->n += n;
}

static void buf_str(struct buf *b, const char *s)
{
    buf_put(b, s, strlen(s));
}

static void buf_fmt(struct buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void buf_fmt(struct buf *b, const char *fmt, ...)
{
    char tmp[1024];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    buf_put(b, tmp, (size_t)n);
}

static char *sh_out(const char *cmd)
{
    char *out = NULL;
    int st = tu_sh(&out, "%s", cmd);
    CU_ASSERT_EQUAL_FATAL(st, 0);
    size_t l = strlen(out);
    while (l && (out[l - 1] == '\n' || out[l - 1] == '\r'))
        out[--l] = 0;
    return out;
}

static const char q_req[] =
    "GET /v1/dev/abc%2Fdef/log?imei=%38%36%39012045678912&x=a+b%20c&flag HTTP/1.1\r\n"
    "Host: ULogs.Umeng.com:8080\r\n"
    "User-Agent: Dalvik/2.1.0\r\n"
    "Cookie: sid=abc; oaid=1f2e3d4c%2Daaaa ;  empty=\r\n"
    "\r\n";

static void check_query(const struct rec *r)
{
    CU_ASSERT_EQUAL(rec_count(r, "http.uri", "imei", IMEI), 1);
    CU_ASSERT_EQUAL(rec_count(r, "http.uri", "x", "a b c"), 1);
    CU_ASSERT_EQUAL(rec_count(r, "http.uri", "", "flag"), 1);
    CU_ASSERT_EQUAL(rec_count(r, "http.uri", "", "/v1/dev/abc/def/log"), 1);
    CU_ASSERT_EQUAL(rec_count(r, "http.header", "Host", "ULogs.Umeng.com:8080"), 1);
    CU_ASSERT_EQUAL(rec_count(r, "http.header", "User-Agent", "Dalvik/2.1.0"), 1);
    CU_ASSERT_EQUAL(rec_count(r, "http.cookie", "oaid", "1f2e3d4c-aaaa"), 1);
    CU_ASSERT_EQUAL(rec_count(r, "http.cookie", "sid", "abc"), 1);
    CU_ASSERT_EQUAL(rec_count(r, "http.cookie", "empty", ""), 1);
    CU_ASSERT_EQUAL(rec_count(r, "name:http.host", "", "ulogs.umeng.com"), 1);
}

/* IMEI URL-encoded in a query string, fed in every step size and split at every
 * single point. */
static void t_query_imei(void)
{
    size_t n = sizeof q_req - 1;
    for (size_t s = 0; s < REC_NSTEPS; s++) {
        struct dissect_env env = {0};
        struct rec r = {0};
        rec_feed(&r, &env, 40000, 8080, (const uint8_t *)q_req, n, NULL, 0, rec_steps[s]);
        check_query(&r);
        CU_ASSERT_EQUAL(env.stats.http_msgs, 1);
        if (rec_count(&r, "http.uri", "imei", IMEI) != 1)
            rec_dump(&r);
        rec_clear(&r);
    }
    for (size_t cut = 1; cut < n; cut++) {
        struct dissect_env env = {0};
        struct rec r = {0};
        dissect_flow_t *f = dissect_flow_new(&env, DISSECT_L4_TCP, 40000, 80);
        dissect_flow_data(f, 0, (const uint8_t *)q_req, cut, &rec_cb, &r);
        dissect_flow_data(f, 0, (const uint8_t *)q_req + cut, n - cut, &rec_cb, &r);
        CU_ASSERT_EQUAL(dissect_flow_proto(f), DISSECT_PROTO_HTTP);
        dissect_flow_free(f);
        check_query(&r);
        rec_clear(&r);
    }
}

/* Query and cookie pairs decoded as RFC 3986 and the form rules say: escapes in keys
 * as in values, '+' a space in a query and a '+' in a cookie, an item without '=' a
 * value with no key, a pair split at its first '=', cookie items trimmed at their ends
 * only. */
static void t_pair_escapes(void)
{
    static const char req[] = "GET /p?a%3Db=c%26d&k+1=v+2&%2B=1&solo%41&=e&t=a=b HTTP/1.1\r\n"
                              "Cookie:  s%20id = a+b ;x=%3d; ;y\r\n\r\n";
    struct dissect_env env = {0};
    struct rec r = {0};
    rec_feed(&r, &env, 40000, 80, (const uint8_t *)req, sizeof req - 1, NULL, 0, 0);
    CU_ASSERT_EQUAL(rec_count(&r, "http.uri", "a=b", "c&d"), 1);
    CU_ASSERT_EQUAL(rec_count(&r, "http.uri", "k 1", "v 2"), 1);
    CU_ASSERT_EQUAL(rec_count(&r, "http.uri", "+", "1"), 1);
    CU_ASSERT_EQUAL(rec_count(&r, "http.uri", "", "soloA"), 1);
    CU_ASSERT_EQUAL(rec_count(&r, "http.uri", "", "e"), 1);
    CU_ASSERT_EQUAL(rec_count(&r, "http.uri", "t", "a=b"), 1);
    CU_ASSERT_EQUAL(rec_count(&r, "http.cookie", "s id ", " a+b"), 1);
    CU_ASSERT_EQUAL(rec_count(&r, "http.cookie", "x", "="), 1);
    CU_ASSERT_EQUAL(rec_count(&r, "http.cookie", "", "y"), 1);
    rec_clear(&r);
}

/* A gzip JSON body, chunked, holding a base64 blob; then a pipelined request. */
static void t_gzip_json_chunked(void)
{
    char *b64 = sh_out("printf '%s' '{\"imei\":\"" IMEI "\"}' | base64 -w0");
    CU_ASSERT_STRING_EQUAL(b64, "eyJpbWVpIjoiODY5MDEyMDQ1Njc4OTEyIn0=");
    char json[512];
    /* "\/" escapes the slash-free base64 harmlessly; "\u0031" is "1". */
    snprintf(json, sizeof json, "{\"v\":2,\"data\":\"%s\",\"dev\":{\"m\":\"a\\u0031\\/b\"}}",
             b64);
    CU_ASSERT_FATAL(tu_write(tu_path("body.json"), json, strlen(json)) == 0);
    char *cmd = NULL;
    CU_ASSERT_EQUAL(tu_sh(&cmd, "gzip -c -9 %s > %s.gz", tu_path("body.json"),
                          tu_path("body.json")), 0);
    free(cmd);
    size_t gzl;
    char gzpath[1100];
    snprintf(gzpath, sizeof gzpath, "%s.gz", tu_path("body.json"));
    uint8_t *gz = (uint8_t *)tu_slurp(gzpath, &gzl);
    CU_ASSERT_FATAL(gz && gzl > 20);

    struct buf b = {0};
    buf_str(&b, "POST /upload HTTP/1.1\r\nHost: a.example\r\nTransfer-Encoding: chunked\r\n"
                "Content-Encoding: gzip\r\nContent-Type: application/json\r\n\r\n");
    size_t cuts[] = {0, 7, 10, gzl};
    for (int i = 0; i < 3; i++) {
        buf_fmt(&b, i == 1 ? "%zx;ext=1\r\n" : "%zX\r\n", cuts[i + 1] - cuts[i]);
        buf_put(&b, gz + cuts[i], cuts[i + 1] - cuts[i]);
        buf_str(&b, "\r\n");
    }
    buf_str(&b, "0\r\nX-Trailer: t\r\n\r\n");
    buf_str(&b, "GET /next?a=1 HTTP/1.1\r\nHost: b.example\r\n\r\n");

    for (size_t s = 0; s < REC_NSTEPS; s++) {
        struct dissect_env env = {0};
        struct rec r = {0};
        rec_feed(&r, &env, 40000, 80, b.p, b.n, NULL, 0, rec_steps[s]);
        CU_ASSERT_EQUAL(rec_count(&r, "http.body", "", json), 1);
        CU_ASSERT_EQUAL(rec_count(&r, "http.body", "data", b64), 1);
        /* Keyed values come before the whole body (findings deduplicated by place
         * keep the key). */
        const struct rec_item *kv = rec_find(&r, "http.body", "data");
        const struct rec_item *whole = rec_find(&r, "http.body", "");
        CU_ASSERT(kv && whole && kv < whole);
        CU_ASSERT_EQUAL(rec_count(&r, "http.body", "v", "2"), 1);
        CU_ASSERT_EQUAL(rec_count(&r, "http.body", "m", "a1/b"), 1);
        CU_ASSERT_EQUAL(rec_count(&r, "http.uri", "a", "1"), 1);
        CU_ASSERT_EQUAL(rec_count(&r, "name:http.host", "", "b.example"), 1);
        CU_ASSERT_EQUAL(env.stats.http_msgs, 2);
        CU_ASSERT_EQUAL(env.stats.zlib_errors + env.stats.http_bad_chunk, 0);
        rec_clear(&r);
    }
    free(b.p);
    free(gz);
    free(b64);
}

static size_t z_deflate(const char *in, uint8_t *out, size_t cap, int wbits)
{
    z_stream z = {0};
    deflateInit2(&z, 9, Z_DEFLATED, wbits, 8, Z_DEFAULT_STRATEGY);
    z.next_in = (Bytef *)(uintptr_t)in;
    z.avail_in = (uInt)strlen(in);
    z.next_out = out;
    z.avail_out = (uInt)cap;
    CU_ASSERT_EQUAL(deflate(&z, Z_FINISH), Z_STREAM_END);
    size_t n = z.total_out;
    deflateEnd(&z);
    return n;
}

/* Form body by Content-Length; keep-alive responses with zlib-wrapped and raw
 * deflate bodies; a HEAD response without body before them. */
static void t_form_and_deflate_responses(void)
{
    const char *form = "mac=3c%3A28%3A6d%3A11%3A22%3A33&ssid=Lab+Net&n=%E4%B8%AD";
    struct buf c = {0}, s = {0};
    buf_fmt(&c, "POST /f HTTP/1.1\r\nHost: h\r\nContent-Type: "
                "application/x-www-form-urlencoded; charset=utf-8\r\nContent-Length: %zu\r\n\r\n%s",
            strlen(form), form);
    buf_str(&c, "HEAD /x HTTP/1.1\r\nHost: h\r\n\r\nGET /y HTTP/1.1\r\nHost: h\r\n\r\n");
    uint8_t z1[256], z2[256];
    size_t n1 = z_deflate("{\"android_id\":\"9774d56d682e549c\"}", z1, sizeof z1, 15);
    size_t n2 = z_deflate("{\"ssid\":\"LabNet-5G\"}", z2, sizeof z2, -15);
    buf_fmt(&s, "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
    /* HEAD: Content-Length announced, no body follows. */
    buf_fmt(&s, "HTTP/1.1 200 OK\r\nContent-Length: 5000\r\n\r\n");
    buf_fmt(&s, "HTTP/1.1 200 OK\r\nContent-Encoding: deflate\r\nContent-Length: %zu\r\n\r\n",
            n1);
    buf_put(&s, z1, n1);
    buf_fmt(&s, "HTTP/1.1 200 OK\r\nContent-Encoding: deflate\r\n\r\n");
    buf_put(&s, z2, n2); /* read until close */
    for (size_t st = 0; st < REC_NSTEPS; st++) {
        struct dissect_env env = {0};
        struct rec r = {0};
        rec_feed(&r, &env, 40000, 80, c.p, c.n, s.p, s.n, rec_steps[st]);
        CU_ASSERT_EQUAL(rec_count(&r, "http.body", "mac", "3c:28:6d:11:22:33"), 1);
        CU_ASSERT_EQUAL(rec_count(&r, "http.body", "ssid", "Lab Net"), 1);
        CU_ASSERT_EQUAL(rec_count(&r, "http.body", "n", "\xe4\xb8\xad"), 1);
        CU_ASSERT_EQUAL(rec_count(&r, "http.body", "android_id", "9774d56d682e549c"), 1);
        CU_ASSERT_EQUAL(rec_count(&r, "http.body", "ssid", "LabNet-5G"), 1);
        CU_ASSERT_EQUAL(rec_count(&r, "http.body", "", "{\"ssid\":\"LabNet-5G\"}"), 1);
        CU_ASSERT_EQUAL(env.stats.http_msgs, 3 + 5);
        CU_ASSERT_EQUAL(env.stats.zlib_errors + env.stats.http_bad_start, 0);
        rec_clear(&r);
    }
    free(c.p);
    free(s.p);
}

/* JSON escapes: an escaped backslash before a closing quote, an escaped quote, a
 * surrogate pair (U+1F600 is F0 9F 98 80 in UTF-8), nesting and arrays. */
static void t_json_escapes(void)
{
    const char *js = "{\"k\":\"a\\\\\",\"z\":\"q\\\"r\",\"e\":\"\\ud83d\\ude00\","
                     "\"arr\":[\"x\",{\"in\":true,\"n\":-12.5}],\"after\":\"y\"}";
    struct buf b = {0};
    buf_fmt(&b, "POST /j HTTP/1.1\r\nContent-Type: application/json\r\n"
                "Content-Length: %zu\r\n\r\n%s", strlen(js), js);
    for (size_t st = 0; st < REC_NSTEPS; st++) {
        struct dissect_env env = {0};
        struct rec r = {0};
        rec_feed(&r, &env, 1, 80, b.p, b.n, NULL, 0, rec_steps[st]);
        CU_ASSERT_EQUAL(rec_count(&r, "http.body", "k", "a\\"), 1);
        CU_ASSERT_EQUAL(rec_count(&r, "http.body", "z", "q\"r"), 1);
        CU_ASSERT_EQUAL(rec_count(&r, "http.body", "e", "\xf0\x9f\x98\x80"), 1);
        CU_ASSERT_EQUAL(rec_count(&r, "http.body", "arr", "x"), 1);
        CU_ASSERT_EQUAL(rec_count(&r, "http.body", "n", "-12.5"), 1);
        CU_ASSERT_EQUAL(rec_count(&r, "http.body", "after", "y"), 1);
        /* Not chunked, not compressed: the raw scan already has the whole body. */
        CU_ASSERT_EQUAL(rec_count(&r, "http.body", "", NULL), 0);
        rec_clear(&r);
    }
    free(b.p);
}

/* Sniffing picks HTTP on any port, and not TLS or junk on port 80. */
static void t_sniff(void)
{
    struct dissect_env env = {0};
    struct rec r = {0};
    const uint8_t tls[] = {0x16, 0x03, 0x01, 0x00, 0x00};
    const char *junk = "GEX / HTTP/1.1\r\n\r\n";
    dissect_flow_t *f = dissect_flow_new(&env, DISSECT_L4_TCP, 1, 80);
    dissect_flow_data(f, 0, tls, 1, &rec_cb, &r);
    CU_ASSERT_EQUAL(dissect_flow_proto(f), DISSECT_PROTO_UNKNOWN);
    dissect_flow_data(f, 0, tls + 1, sizeof tls - 1, &rec_cb, &r);
    CU_ASSERT_EQUAL(dissect_flow_proto(f), DISSECT_PROTO_TLS);
    dissect_flow_free(f);
    f = dissect_flow_new(&env, DISSECT_L4_TCP, 1, 80);
    dissect_flow_data(f, 0, (const uint8_t *)junk, strlen(junk), &rec_cb, &r);
    CU_ASSERT_EQUAL(dissect_flow_proto(f), DISSECT_PROTO_NONE);
    dissect_flow_free(f);
    /* The server speaks first here: the response decides. */
    f = dissect_flow_new(&env, DISSECT_L4_TCP, 1, 5555);
    dissect_flow_data(f, 1, (const uint8_t *)"HTTP/1.0 200 OK\r\n\r\n{\"k\":\"v\"}", 28,
                      &rec_cb, &r);
    CU_ASSERT_EQUAL(dissect_flow_proto(f), DISSECT_PROTO_HTTP);
    dissect_flow_close(f, &rec_cb, &r);
    dissect_flow_free(f);
    CU_ASSERT_EQUAL(r.n, 0); /* untyped response bodies are left to the raw scan */
    dissect_flow_free(NULL);
    dissect_flow_data(NULL, 0, tls, sizeof tls, &rec_cb, &r);
    rec_clear(&r);
}

/* Headers with no end: the header buffer stops at its cap, counted once. */
static void t_bad_endless_headers(void)
{
    struct dissect_env env = {0};
    struct rec r = {0};
    dissect_flow_t *f = dissect_flow_new(&env, DISSECT_L4_TCP, 1, 80);
    const char *start = "GET / HTTP/1.1\r\n";
    dissect_flow_data(f, 0, (const uint8_t *)start, strlen(start), &rec_cb, &r);
    const char *h = "X-Junk: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n";
    for (int i = 0; i < 20000; i++)
        dissect_flow_data(f, 0, (const uint8_t *)h, strlen(h), &rec_cb, &r);
    CU_ASSERT_EQUAL(env.stats.http_hdr_too_long, 1);
    CU_ASSERT_EQUAL(env.stats.http_msgs, 0);
    /* Resynchronises at a feed that starts a new request. */
    const char *next = "GET /?imei=" IMEI " HTTP/1.1\r\n\r\n";
    dissect_flow_data(f, 0, (const uint8_t *)next, strlen(next), &rec_cb, &r);
    CU_ASSERT_EQUAL(rec_count(&r, "http.uri", "imei", IMEI), 1);
    dissect_flow_free(f);
    rec_clear(&r);
}

/* Chunk size 2^64, a non-hex chunk size, an extension without a size, a stray byte
 * after the digits, and digits filling all 24 bytes read, leading zeros or not (the
 * size must end within them). */
static void t_bad_chunk(void)
{
    const char *s[] = {
        "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n10000000000000000\r\nabc\r\n",
        "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n",
        "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n1fffffffffffffffffffffffff\r\n",
        "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n;ext=1\r\nabc\r\n",
        "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3x\r\nabc\r\n",
        "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n000000000000000000000003\r\nabc\r\n",
    };
    for (size_t i = 0; i < sizeof s / sizeof *s; i++)
        for (size_t st = 0; st < REC_NSTEPS; st++) {
            struct dissect_env env = {0};
            struct rec r = {0};
            rec_feed(&r, &env, 1, 80, (const uint8_t *)s[i], strlen(s[i]), NULL, 0,
                     rec_steps[st]);
            CU_ASSERT_EQUAL(env.stats.http_bad_chunk, 1);
            rec_clear(&r);
        }
    /* 2^64 - 1 fits: it is a (huge) valid size, the rest is body. */
    const char *ok = "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
                     "ffffffffffffffff\r\n{\"oaid\":\"x1\"}";
    struct dissect_env env = {0};
    struct rec r = {0};
    rec_feed(&r, &env, 1, 80, (const uint8_t *)ok, strlen(ok), NULL, 0, 3);
    CU_ASSERT_EQUAL(env.stats.http_bad_chunk, 0);
    CU_ASSERT_EQUAL(env.stats.http_body_incomplete, 1);
    CU_ASSERT_EQUAL(rec_count(&r, "http.body", "oaid", "x1"), 1);
    rec_clear(&r);
    /* Sizes ended by an extension, a tab or a blank, or 23 digits with leading zeros,
     * however the line is cut: each chunk is body. */
    const char *good[] = {"d;ext=\"v\"\r\n", "d\t;x\r\n", "d \r\n",
                          "0000000000000000000000d\r\n"};
    for (size_t i = 0; i < sizeof good / sizeof *good; i++)
        for (size_t st = 0; st < REC_NSTEPS; st++) {
            char msg[256];
            snprintf(msg, sizeof msg,
                     "POST / HTTP/1.1\r\nContent-Type: application/json\r\n"
                     "Transfer-Encoding: chunked\r\n\r\n%s{\"oaid\":\"x1\"}\r\n0\r\n\r\n",
                     good[i]);
            memset(&env, 0, sizeof env);
            memset(&r, 0, sizeof r);
            rec_feed(&r, &env, 1, 80, (const uint8_t *)msg, strlen(msg), NULL, 0,
                     rec_steps[st]);
            CU_ASSERT_EQUAL(env.stats.http_bad_chunk, 0);
            CU_ASSERT_EQUAL(rec_count(&r, "http.body", "oaid", "x1"), 1);
            rec_clear(&r);
        }
}

/* Content-Length beyond the end of the flow: what arrived is still decoded. */
static void t_bad_content_length(void)
{
    const char *s = "POST /p HTTP/1.1\r\nContent-Type: application/json\r\n"
                    "Content-Length: 10000000\r\n\r\n{\"imei\":\"" IMEI "\",\"a\":";
    struct dissect_env env = {0};
    struct rec r = {0};
    rec_feed(&r, &env, 1, 80, (const uint8_t *)s, strlen(s), NULL, 0, 5);
    CU_ASSERT_EQUAL(env.stats.http_body_incomplete, 1);
    CU_ASSERT_EQUAL(rec_count(&r, "http.body", "imei", IMEI), 1);
    rec_clear(&r);
    const char *bad = "POST /p HTTP/1.1\r\nContent-Length: 99999999999999999999999\r\n\r\nx";
    memset(&env, 0, sizeof env);
    rec_feed(&r, &env, 1, 80, (const uint8_t *)bad, strlen(bad), NULL, 0, 0);
    CU_ASSERT_EQUAL(env.stats.http_bad_length, 1);
    rec_clear(&r);
}

/* Invalid gzip: counted; the next pipelined request is still parsed. */
static void t_bad_gzip(void)
{
    const char *s = "POST /g HTTP/1.1\r\nContent-Encoding: gzip\r\nContent-Length: 12\r\n\r\n"
                    "NOTGZIPDATA!"
                    "GET /after?oaid=o1 HTTP/1.1\r\n\r\n";
    for (size_t st = 0; st < REC_NSTEPS; st++) {
        struct dissect_env env = {0};
        struct rec r = {0};
        rec_feed(&r, &env, 1, 80, (const uint8_t *)s, strlen(s), NULL, 0, rec_steps[st]);
        CU_ASSERT_EQUAL(env.stats.zlib_errors, 1);
        CU_ASSERT_EQUAL(rec_count(&r, "http.uri", "oaid", "o1"), 1);
        rec_clear(&r);
    }
}

/* 50 MB of zeros gzipped: inflation stops at DISSECT_BODY_MAX, framing survives. */
static void t_bad_gzip_bomb(void)
{
    char *o = NULL;
    CU_ASSERT_EQUAL(tu_sh(&o, "head -c 50000000 /dev/zero | gzip -c > %s", tu_path("bomb.gz")),
                    0);
    free(o);
    size_t gzl;
    uint8_t *gz = (uint8_t *)tu_slurp(tu_path("bomb.gz"), &gzl);
    CU_ASSERT_FATAL(gz != NULL);
    struct buf b = {0};
    buf_fmt(&b, "HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: %zu\r\n\r\n", gzl);
    buf_put(&b, gz, gzl);
    buf_str(&b, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 12\r\n\r\n"
                "{\"mac\":\"m1\"}");
    const char *req = "GET /1 HTTP/1.1\r\n\r\nGET /2 HTTP/1.1\r\n\r\n";
    struct dissect_env env = {0};
    struct rec r = {0};
    rec_feed(&r, &env, 1, 80, (const uint8_t *)req, strlen(req), b.p, b.n, 1460);
    CU_ASSERT_EQUAL(env.stats.zlib_bombs, 1);
    const struct rec_item *it = rec_find(&r, "http.body", "");
    CU_ASSERT_FATAL(it != NULL);
    CU_ASSERT_EQUAL(it->len, DISSECT_BODY_MAX);
    CU_ASSERT_EQUAL(rec_count(&r, "http.body", "mac", "m1"), 1);
    rec_clear(&r);
    free(b.p);
    free(gz);
}

/* Gaps: inside a Content-Length body the framing holds; elsewhere the direction
 * stops and resynchronises at the next feed that starts a message. */
static void t_gaps(void)
{
    struct dissect_env env = {0};
    struct rec r = {0};
    dissect_flow_t *f = dissect_flow_new(&env, DISSECT_L4_TCP, 1, 80);
    const char *a = "POST /a HTTP/1.1\r\nContent-Type: application/json\r\n"
                    "Content-Length: 30\r\n\r\n{\"k1\":\"v1\",";
    dissect_flow_data(f, 0, (const uint8_t *)a, strlen(a), &rec_cb, &r);
    dissect_flow_gap(f, 0, 10);
    const char *b = "\"k2\":\"v2\"}GET /b?q=1 HTTP/1.1\r\n\r\n"; /* 9 body bytes left */
    dissect_flow_data(f, 0, (const uint8_t *)b, strlen(b), &rec_cb, &r);
    CU_ASSERT_EQUAL(rec_count(&r, "http.body", "k1", "v1"), 1);
    CU_ASSERT_EQUAL(rec_count(&r, "http.uri", "q", "1"), 0); /* framing off by design */
    CU_ASSERT_EQUAL(env.stats.http_body_incomplete, 1);
    dissect_flow_free(f);
    rec_clear(&r);

    memset(&env, 0, sizeof env);
    f = dissect_flow_new(&env, DISSECT_L4_TCP, 1, 80);
    const char *c = "GET /c?x=1 HTTP/1.1\r\nHost: h\r\n";
    dissect_flow_data(f, 0, (const uint8_t *)c, strlen(c), &rec_cb, &r);
    dissect_flow_gap(f, 0, 100);
    dissect_flow_data(f, 0, (const uint8_t *)"tail of lost\r\n\r\n", 16, &rec_cb, &r);
    const char *d = "GET /d?y=2 HTTP/1.1\r\n\r\n";
    dissect_flow_data(f, 0, (const uint8_t *)d, strlen(d), &rec_cb, &r);
    CU_ASSERT_EQUAL(env.stats.http_gap_lost, 1);
    CU_ASSERT_EQUAL(rec_count(&r, "http.uri", "x", "1"), 0);
    CU_ASSERT_EQUAL(rec_count(&r, "http.uri", "y", "2"), 1);
    dissect_flow_free(f);
    rec_clear(&r);
}

int main(void)
{
    static const struct tu_case cases[] = {
        {"query IMEI url-encoded, every split", t_query_imei},
        {"query and cookie pairs: escapes, '+', no '='", t_pair_escapes},
        {"gzip JSON chunked with base64 + pipelined", t_gzip_json_chunked},
        {"form body, deflate responses, HEAD, 100", t_form_and_deflate_responses},
        {"JSON escapes and nesting", t_json_escapes},
        {"protocol sniffing", t_sniff},
        {"bad: headers with no end", t_bad_endless_headers},
        {"bad: chunk size 2^64 / invalid", t_bad_chunk},
        {"bad: content-length beyond flow", t_bad_content_length},
        {"bad: invalid gzip", t_bad_gzip},
        {"bad: gzip bomb", t_bad_gzip_bomb},
        {"gaps", t_gaps},
        {NULL, NULL},
    };
    return tu_run("dissectors_http", cases);
}
