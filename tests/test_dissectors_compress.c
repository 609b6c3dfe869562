/* test_dissectors_compress.c - br and zstd bodies (dissectors/compress.h) through the
 * HTTP/1 dissector, and zstd frames inside decoded fields. The vectors were made with
 * Debian's brotli 1.0.9 and zstd 1.5.4 command-line tools (commands in comments). */
#include <CUnit/Basic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <nghttp2/nghttp2.h>
#include <zstd.h>

#include "dissectors/compress.h"
#include "dissectors/dissect.h"

#define IMEI "869012045678914"

/* printf '{"imei":"869012045678914"}' | brotli -c */
static const uint8_t br_json[] = {
    0x21, 0x64, 0x00, 0x04, 0x7b, 0x22, 0x69, 0x6d, 0x65, 0x69, 0x22, 0x3a, 0x22, 0x38, 0x36,
    0x39, 0x30, 0x31, 0x32, 0x30, 0x34, 0x35, 0x36, 0x37, 0x38, 0x39, 0x31, 0x34, 0x22, 0x7d,
    0x03};
/* printf '{"imei":"869012045678914"}' | zstd -c */
static const uint8_t zstd_json[] = {
    0x28, 0xb5, 0x2f, 0xfd, 0x24, 0x1a, 0xd1, 0x00, 0x00, 0x7b, 0x22, 0x69, 0x6d,
    0x65, 0x69, 0x22, 0x3a, 0x22, 0x38, 0x36, 0x39, 0x30, 0x31, 0x32, 0x30, 0x34,
    0x35, 0x36, 0x37, 0x38, 0x39, 0x31, 0x34, 0x22, 0x7d, 0x25, 0xd7, 0x68, 0x2a};
/* head -c 20000000 /dev/zero | brotli -c -q 11: 27 bytes for 20 MB */
static const uint8_t br_bomb[] = {0xcf, 0xff, 0xff, 0x7f, 0xf8, 0x27, 0x00, 0xe2, 0xb1,
                                  0x40, 0x20, 0xf7, 0xfe, 0x3f, 0xff, 0x59, 0x62, 0xf0,
                                  0x4f, 0x00, 0xc4, 0x61, 0x01, 0x80, 0x2e, 0x49, 0x0c};

struct rec {
    size_t imei_keyed, bodies, biggest;
    char enc[96];
    char h2_imei[16]; /* key of the IMEI found at http2.body */
};

static void on_field(void *ctx, const char *where, const char *key, const uint8_t *v, size_t len)
{
    struct rec *r = ctx;
    if (!strcmp(where, "http.body") && !strcmp(key, "imei") && len == 15 && !memcmp(v, IMEI, 15))
        r->imei_keyed++;
    if (!strcmp(where, "http2.body") && len == 15 && !memcmp(v, IMEI, 15))
        snprintf(r->h2_imei, sizeof r->h2_imei, "%s", key);
    if (!strcmp(where, "http.body") && !key[0]) {
        r->bodies++;
        if (len > r->biggest)
            r->biggest = len;
    }
}

static void on_enc(void *ctx, const char *where, const char *key, const char *enc,
                   const uint8_t *v, size_t len)
{
    struct rec *r = ctx;
    if (!strcmp(key, "imei") && len == 15 && !memcmp(v, IMEI, 15))
        snprintf(r->enc, sizeof r->enc, "%s", enc);
    (void)where;
}

static const struct dissect_cb cb = {on_field, NULL, NULL, on_enc, NULL};

/* One request (dir 0) or response (dir 1) with this Content-Encoding and body. */
static struct dissect_stats run(struct rec *r, int resp, const char *coding, const uint8_t *body,
                                size_t bl)
{
    struct dissect_env env;
    memset(&env, 0, sizeof env);
    memset(r, 0, sizeof *r);
    dissect_flow_t *f = dissect_flow_new(&env, DISSECT_L4_TCP, 40000, 80);
    char head[256];
    int n;
    if (resp) {
        static const char get[] = "GET /cfg HTTP/1.1\r\nHost: h\r\n\r\n";
        dissect_flow_data(f, 0, (const uint8_t *)get, sizeof get - 1, &cb, r);
        n = snprintf(head, sizeof head, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                     "Content-Encoding: %s\r\nContent-Length: %zu\r\n\r\n", coding, bl);
    } else {
        n = snprintf(head, sizeof head, "POST /up HTTP/1.1\r\nHost: h\r\nContent-Type: "
                     "application/json\r\nContent-Encoding: %s\r\nContent-Length: %zu\r\n\r\n",
                     coding, bl);
    }
    dissect_flow_data(f, resp, (const uint8_t *)head, (size_t)n, &cb, r);
    /* the body in two pieces: decoding waits for the whole of it */
    dissect_flow_data(f, resp, body, bl / 2, &cb, r);
    dissect_flow_data(f, resp, body + bl / 2, bl - bl / 2, &cb, r);
    dissect_flow_close(f, &cb, r);
    dissect_flow_free(f);
    return env.stats;
}

static void test_br_and_zstd_bodies(void)
{
    struct rec r;
    struct dissect_stats st = run(&r, 0, "br", br_json, sizeof br_json);
    CU_ASSERT_EQUAL(r.imei_keyed, 1);
    CU_ASSERT_EQUAL(st.compress_errors, 0);
    st = run(&r, 1, "br", br_json, sizeof br_json);   /* responses too */
    CU_ASSERT_EQUAL(r.imei_keyed, 1);
    st = run(&r, 0, "zstd", zstd_json, sizeof zstd_json);
    CU_ASSERT_EQUAL(r.imei_keyed, 1);
    st = run(&r, 1, "zstd", zstd_json, sizeof zstd_json);
    CU_ASSERT_EQUAL(r.imei_keyed, 1);
    /* a "br" body that is not brotli: counted, nothing handed over */
    st = run(&r, 0, "br", (const uint8_t *)"not brotli at all", 17);
    CU_ASSERT_EQUAL(r.imei_keyed + r.bodies, 0);
    CU_ASSERT_EQUAL(st.compress_errors, 1);
    /* a zstd body cut short: what was decoded is still inspected, no crash */
    st = run(&r, 0, "zstd", zstd_json, sizeof zstd_json - 6);
    CU_ASSERT_EQUAL(st.compress_bombs, 0);
}

static void test_bombs(void)
{
    struct rec r;
    struct dissect_stats st = run(&r, 0, "br", br_bomb, sizeof br_bomb);
    CU_ASSERT_EQUAL(st.compress_bombs, 1);
    CU_ASSERT_EQUAL(r.biggest, DISSECT_BODY_MAX);
    /* zstd of 64 MiB of zeros, made here (the decoder's cap is under test, not the
     * encoder) */
    size_t big = 64u << 20, cap = ZSTD_compressBound(big);
    uint8_t *zeros = calloc(1, big), *z = malloc(cap);
    CU_ASSERT_FATAL(zeros && z);
    size_t zn = ZSTD_compress(z, cap, zeros, big, 3);
    CU_ASSERT_FATAL(!ZSTD_isError(zn));
    free(zeros);
    st = run(&r, 0, "zstd", z, zn);
    CU_ASSERT_EQUAL(st.compress_bombs, 1);
    CU_ASSERT_EQUAL(r.biggest, DISSECT_BODY_MAX);
    free(z);
}

static void test_decode_api(void)
{
    uint8_t out[64];
    int capped;
    CU_ASSERT_EQUAL(compress_decode(COMPRESS_BR, br_json, sizeof br_json, out, sizeof out, &capped), 26);
    CU_ASSERT(!capped && !memcmp(out, "{\"imei\":\"" IMEI "\"}", 26));
    CU_ASSERT_EQUAL(compress_decode(COMPRESS_ZSTD, zstd_json, sizeof zstd_json, out, 10, &capped), 10);
    CU_ASSERT(capped);
    CU_ASSERT_EQUAL(compress_decode(COMPRESS_ZSTD, br_json, sizeof br_json, out, sizeof out, &capped), -1);
    CU_ASSERT(compress_is_zstd(zstd_json, sizeof zstd_json) && !compress_is_zstd(br_json, 4));
}

/* A zstd frame inside a base64 JSON value (an SDK that zstd-compresses its batch). */
static void test_zstd_in_field(void)
{
    /* python3 -c 'import base64,sys; print(base64.b64encode(open("v.zst","rb").read()))'
     * of the zstd_json frame above */
    static const char body[] =
        "{\"batch\":\"KLUv/SQa0QAAeyJpbWVpIjoiODY5MDEyMDQ1Njc4OTE0In0l12gq\"}";
    struct rec r;
    struct dissect_env env;
    memset(&env, 0, sizeof env);
    memset(&r, 0, sizeof r);
    dissect_flow_t *f = dissect_flow_new(&env, DISSECT_L4_TCP, 40000, 80);
    char msg[512];
    int n = snprintf(msg, sizeof msg, "POST /b HTTP/1.1\r\nHost: h\r\nContent-Type: "
                     "application/json\r\nContent-Length: %zu\r\n\r\n%s", sizeof body - 1, body);
    dissect_flow_data(f, 0, (const uint8_t *)msg, (size_t)n, &cb, &r);
    dissect_flow_free(f);
    CU_ASSERT_STRING_EQUAL(r.enc, "base64,zstd,json");
}

/* HTTP/2 (here cleartext, prior knowledge) shares the body code: a br DATA body. */
static void test_h2_br_body(void)
{
    uint8_t buf[1024], hb[256];
    size_t n = 0;
    static const char preface[] = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";
    memcpy(buf, preface, sizeof preface - 1);
    n = sizeof preface - 1;
    static const uint8_t settings[] = {0, 0, 0, 4, 0, 0, 0, 0, 0};
    memcpy(buf + n, settings, sizeof settings);
    n += sizeof settings;
#define NV(a, b) {(uint8_t *)a, (uint8_t *)b, sizeof a - 1, sizeof b - 1, NGHTTP2_NV_FLAG_NONE}
    nghttp2_nv nv[] = {NV(":method", "POST"), NV(":scheme", "http"), NV(":path", "/up"),
                       NV(":authority", "h"), NV("content-type", "application/json"),
                       NV("content-encoding", "br")};
#undef NV
    nghttp2_hd_deflater *d;
    CU_ASSERT_FATAL(nghttp2_hd_deflate_new(&d, 4096) == 0);
    ssize_t hl = nghttp2_hd_deflate_hd(d, hb, sizeof hb, nv, 6);
    nghttp2_hd_deflate_del(d);
    CU_ASSERT_FATAL(hl > 0);
    uint8_t fh[9] = {0, 0, (uint8_t)hl, 1, 4, 0, 0, 0, 1};
    memcpy(buf + n, fh, 9);
    memcpy(buf + n + 9, hb, (size_t)hl);
    n += 9 + (size_t)hl;
    uint8_t dh[9] = {0, 0, (uint8_t)sizeof br_json, 0, 1, 0, 0, 0, 1};
    memcpy(buf + n, dh, 9);
    memcpy(buf + n + 9, br_json, sizeof br_json);
    n += 9 + sizeof br_json;
    struct rec r;
    memset(&r, 0, sizeof r);
    struct dissect_env env;
    memset(&env, 0, sizeof env);
    dissect_flow_t *f = dissect_flow_new(&env, DISSECT_L4_TCP, 40000, 8080);
    dissect_flow_data(f, 0, buf, n, &cb, &r);
    dissect_flow_close(f, &cb, &r);
    dissect_flow_free(f);
    CU_ASSERT_EQUAL(env.stats.compress_errors, 0);
    CU_ASSERT_EQUAL(r.imei_keyed, 0); /* where is http2.body: counted below */
    CU_ASSERT_STRING_EQUAL(r.h2_imei, "imei");
}

int main(void)
{
    CU_initialize_registry();
    CU_pSuite s = CU_add_suite("dissectors/compress", NULL, NULL);
    CU_add_test(s, "compress_decode on CLI vectors", test_decode_api);
    CU_add_test(s, "br and zstd request and response bodies", test_br_and_zstd_bodies);
    CU_add_test(s, "br and zstd bombs stop at DISSECT_BODY_MAX", test_bombs);
    CU_add_test(s, "zstd frame inside a base64 JSON value", test_zstd_in_field);
    CU_add_test(s, "a br body over HTTP/2 (h2c)", test_h2_br_body);
    CU_basic_set_mode(CU_BRM_VERBOSE);
    CU_basic_run_tests();
    unsigned fails = CU_get_number_of_failures();
    CU_cleanup_registry();
    return fails ? 1 : 0;
}
