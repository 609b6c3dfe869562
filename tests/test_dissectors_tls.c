/* test_dissectors_tls.c - TLS ClientHello SNI/ALPN and TLS 1.2 server certificate
 * names, from real OpenSSL bytes (tests/data/dissectors/README.md) and from a
 * certificate made by `openssl req` at test time, wrapped in records by hand. */
#include <CUnit/CUnit.h>
#include <stdlib.h>
#include <string.h>

#include "dissectors/dissect.h"
#include "tests/test_dissectors_rec.h"
#include "tests/testutil.h"

static uint8_t *fixture(const char *name, size_t *len)
{
    char p[1024];
    snprintf(p, sizeof p, "%s/tests/data/dissectors/%s", LW_SOURCE_DIR, name);
    uint8_t *b = (uint8_t *)tu_slurp(p, len);
    CU_ASSERT_FATAL(b != NULL);
    return b;
}

static void t_real_handshake(void)
{
    size_t ch_len, sf_len;
    uint8_t *ch = fixture("clienthello.bin", &ch_len);
    uint8_t *sf = fixture("tls12_server_flight.bin", &sf_len);
    for (size_t st = 0; st < REC_NSTEPS; st++) {
        struct dissect_env env = {0};
        struct rec r = {0};
        rec_feed(&r, &env, 40000, 443, ch, ch_len, sf, sf_len, rec_steps[st]);
        CU_ASSERT_EQUAL(rec_count(&r, "name:tls.sni", "", "ulogs.umeng.com"), 1);
        CU_ASSERT_EQUAL(rec_count(&r, "name:tls.alpn", "", "h2"), 1);
        CU_ASSERT_EQUAL(rec_count(&r, "name:tls.alpn", "", "http/1.1"), 1);
        CU_ASSERT_EQUAL(rec_count(&r, "name:tls.cert", "", "cdn.tracker-sdk.example"), 1);
        CU_ASSERT_EQUAL(rec_count(&r, "name:tls.cert", "", "api.tracker-sdk.example"), 1);
        CU_ASSERT_EQUAL(rec_count(&r, "name:tls.cert", "", "*.tracker-sdk.example"), 1);
        CU_ASSERT_EQUAL(r.n, 6); /* names only: no fields from TLS */
        CU_ASSERT_EQUAL(env.stats.tls_malformed + env.stats.tls_cert_errors, 0);
        rec_clear(&r);
    }
    free(ch);
    free(sf);
}

static void put24(uint8_t *p, size_t v)
{
    p[0] = (uint8_t)(v >> 16);
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)v;
}

/* Wrap handshake bytes hs[0..n) into records of at most rec payload bytes. */
static size_t records(uint8_t *out, uint8_t type, const uint8_t *hs, size_t n, size_t rec)
{
    size_t o = 0;
    for (size_t i = 0; i < n; i += rec) {
        size_t k = n - i < rec ? n - i : rec;
        out[o++] = type;
        out[o++] = 3;
        out[o++] = 3;
        out[o++] = (uint8_t)(k >> 8);
        out[o++] = (uint8_t)k;
        memcpy(out + o, hs + i, k);
        o += k;
    }
    return o;
}

/* A certificate from `openssl req` at test time, its Certificate message spread over
 * records of 100 bytes after a ServerHello; after ChangeCipherSpec nothing is read. */
static void t_generated_certificate(void)
{
    char *o = NULL, key[1024];
    /* tu_path() returns one static buffer: keep the first path. */
    snprintf(key, sizeof key, "%s", tu_path("k.pem"));
    int st = tu_sh(&o,
                   "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 "
                   "-nodes -keyout %s -outform DER -out %s -days 2 "
                   "-subj '/O=Umeng/CN=alog.umeng.com' "
                   "-addext 'subjectAltName=DNS:alog.umeng.com,DNS:plbslog.umeng.com,"
                   "IP:10.0.0.1' 2>/dev/null",
                   key, tu_path("c.der"));
    free(o);
    CU_ASSERT_EQUAL_FATAL(st, 0);
    size_t dl;
    uint8_t *der = (uint8_t *)tu_slurp(tu_path("c.der"), &dl);
    CU_ASSERT_FATAL(der && dl > 100);

    size_t hl = 4 + 38 + 4 + 3 + 3 + dl;
    uint8_t *hs = calloc(1, hl);
    hs[0] = 2; /* ServerHello: version, random, empty session id, suite, comp */
    put24(hs + 1, 38);
    hs[4] = 3;
    hs[5] = 3;
    uint8_t *c = hs + 42;
    c[0] = 11;
    put24(c + 1, 3 + 3 + dl);
    put24(c + 4, 3 + dl);
    put24(c + 7, dl);
    memcpy(c + 10, der, dl);
    uint8_t *s = malloc(2 * hl + 1000);
    size_t n = records(s, 22, hs, hl, 100);
    n += records(s + n, 20, (const uint8_t *)"\x01", 1, 100);
    n += records(s + n, 22, c, hl - 42, 16000); /* must be ignored */
    size_t chl;
    uint8_t *ch = fixture("clienthello.bin", &chl);
    for (size_t i = 0; i < REC_NSTEPS; i++) {
        struct dissect_env env = {0};
        struct rec r = {0};
        rec_feed(&r, &env, 40000, 443, ch, chl, s, n, rec_steps[i]);
        CU_ASSERT_EQUAL(rec_count(&r, "name:tls.cert", "", "alog.umeng.com"), 2);
        CU_ASSERT_EQUAL(rec_count(&r, "name:tls.cert", "", "plbslog.umeng.com"), 1);
        CU_ASSERT_EQUAL(r.n, 3 + 3); /* + SNI and two ALPN from the ClientHello */
        CU_ASSERT_EQUAL(env.stats.tls_malformed + env.stats.tls_cert_errors, 0);
        rec_clear(&r);
    }
    free(s);
    free(hs);
    free(der);
    free(ch);
}

/* Every prefix of the real ClientHello, in an exact-size buffer: no overread, and
 * no name before the message is complete. */
static void t_truncated(void)
{
    size_t ch_len;
    uint8_t *ch = fixture("clienthello.bin", &ch_len);
    for (size_t n = 1; n <= ch_len; n++) {
        uint8_t *p = malloc(n);
        memcpy(p, ch, n);
        struct dissect_env env = {0};
        struct rec r = {0};
        rec_feed(&r, &env, 1, 443, p, n, NULL, 0, 0);
        CU_ASSERT_EQUAL(rec_count(&r, "name:tls.sni", "", "ulogs.umeng.com"), n == ch_len);
        rec_clear(&r);
        free(p);
    }
    /* A record cut short and then a ClientHello whose inner lengths lie. */
    uint8_t lie[339];
    memcpy(lie, ch, sizeof lie);
    lie[5 + 4 + 34] = 0xff; /* session id length beyond the message */
    struct dissect_env env = {0};
    struct rec r = {0};
    rec_feed(&r, &env, 1, 443, lie, sizeof lie, NULL, 0, 0);
    CU_ASSERT_EQUAL(env.stats.tls_malformed, 1);
    CU_ASSERT_EQUAL(r.n, 0);
    rec_clear(&r);
    free(ch);
}

static void t_bad_records(void)
{
    /* Handshake message claiming 16 MiB: refused at its header, not buffered. */
    const uint8_t big[] = {0x16, 3, 3, 0, 8, 11, 0xff, 0xff, 0xff, 1, 2, 3, 4};
    /* Record version 2.x after a valid first record (an empty HelloRequest). */
    const uint8_t badver[] = {0x16, 3, 1, 0, 4, 0, 0, 0, 0, 0x16, 2, 0, 0, 1, 0};
    /* Certificate with garbage DER. */
    const uint8_t baddr[] = {0x16, 3, 3, 0, 14, 11, 0, 0, 10, 0, 0, 7, 0, 0, 4,
                             0x30, 0x82, 0xff, 0xff};
    struct dissect_env env = {0};
    struct rec r = {0};
    rec_feed(&r, &env, 1, 443, NULL, 0, big, sizeof big, 1);
    CU_ASSERT_EQUAL(env.stats.tls_hs_too_long, 1);
    rec_feed(&r, &env, 1, 443, badver, sizeof badver, NULL, 0, 0);
    CU_ASSERT_EQUAL(env.stats.tls_malformed, 1);
    rec_feed(&r, &env, 1, 443, NULL, 0, baddr, sizeof baddr, 0);
    CU_ASSERT_EQUAL(env.stats.tls_cert_errors, 1);
    CU_ASSERT_EQUAL(r.n, 0);
    rec_clear(&r);
}

int main(void)
{
    static const struct tu_case cases[] = {
        {"real ClientHello + TLS 1.2 server flight", t_real_handshake},
        {"generated cert across records, CCS stops", t_generated_certificate},
        {"bad: every truncation, lying lengths", t_truncated},
        {"bad: huge message, bad version, bad DER", t_bad_records},
        {NULL, NULL},
    };
    return tu_run("dissectors_tls", cases);
}
