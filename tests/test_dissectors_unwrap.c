/* test_dissectors_unwrap.c - the recursive decoding pipeline (dissectors/unwrap.h)
 * through the dissector interface: HTTP requests in, decoded fields and their chains
 * out. Vectors were made with Python's gzip, zlib and base64 modules (commands in the
 * comments), not with leakwatch. */
#include <CUnit/Basic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "dissectors/dissect.h"
#include "dissectors/textenc.h"
#include "dissectors/unwrap.h"
#include "common/base64.h"

#define IMEI "869012045678914"

struct got {
    char where[32], key[64], enc[96];
    char *val;
    size_t len;
};

struct rec {
    struct got it[512];
    size_t n;
    size_t plain_fields;
};

static void rec_put(struct rec *r, const char *where, const char *key, const char *enc,
                    const uint8_t *v, size_t len)
{
    if (r->n == sizeof r->it / sizeof r->it[0])
        return;
    struct got *g = &r->it[r->n++];
    snprintf(g->where, sizeof g->where, "%s", where);
    snprintf(g->key, sizeof g->key, "%s", key ? key : "");
    snprintf(g->enc, sizeof g->enc, "%s", enc);
    g->val = malloc(len + 1);
    memcpy(g->val, v, len);
    g->val[len] = 0;
    g->len = len;
}

static void on_field(void *ctx, const char *where, const char *key, const uint8_t *v, size_t len)
{
    struct rec *r = ctx;
    r->plain_fields++;
    rec_put(r, where, key, "", v, len);
}

static void on_enc(void *ctx, const char *where, const char *key, const char *enc,
                   const uint8_t *v, size_t len)
{
    rec_put(ctx, where, key, enc, v, len);
}

static const struct dissect_cb cb = {on_field, NULL, NULL, on_enc, NULL};

/* The same, taking a form's pairs in runs (dissect_cb.fields); counts the pairs. */
static size_t batched;
static void on_fields(void *ctx, const char *where, const struct dissect_kv *kv, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        CU_ASSERT_EQUAL(strlen(kv[i].key), kv[i].klen);
        on_field(ctx, where, kv[i].key, kv[i].val, kv[i].vlen);
    }
    batched += n;
}

static const struct dissect_cb cb_runs = {on_field, NULL, NULL, on_enc, on_fields};

static void dump(const struct rec *r)
{
    for (size_t i = 0; getenv("UNWRAP_DUMP") && i < r->n; i++)
        fprintf(stderr, "  [%s] key=%s enc=%s val=%.80s\n", r->it[i].where, r->it[i].key,
                r->it[i].enc, r->it[i].val);
}

/* UNWRAP_DUMP=1 in the environment shows what each case handed out. */
static void rec_free(struct rec *r)
{
    dump(r);
    for (size_t i = 0; i < r->n; i++)
        free(r->it[i].val);
    r->n = 0;
}

/* How many decoded (enc != "") fields have this key, chain and value. */
static size_t count(const struct rec *r, const char *key, const char *enc, const char *val)
{
    size_t c = 0;
    for (size_t i = 0; i < r->n; i++) {
        const struct got *g = &r->it[i];
        if (g->enc[0] && (!key || !strcmp(g->key, key)) && (!enc || !strcmp(g->enc, enc)) &&
            (!val || !strcmp(g->val, val)))
            c++;
    }
    return c;
}

static size_t count_enc(const struct rec *r)
{
    return count(r, NULL, NULL, NULL);
}

/* One HTTP/1.1 request on a fresh flow; the flow is closed, counters go to *st. */
static void run(struct rec *r, struct dissect_stats *st, const char *target, const char *ctype,
                const char *body)
{
    struct dissect_env env;
    memset(&env, 0, sizeof env);
    dissect_flow_t *f = dissect_flow_new(&env, DISSECT_L4_TCP, 40000, 80);
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    size_t bl = strlen(body), cap = bl + 512;
    char *msg = malloc(cap);
    int n = snprintf(msg, cap,
                     "POST %s HTTP/1.1\r\nHost: h.example\r\nContent-Type: %s\r\n"
                     "Content-Length: %zu\r\n\r\n%s",
                     target, ctype, bl, body);
    dissect_flow_data(f, 0, (const uint8_t *)msg, (size_t)n, &cb, r);
    dissect_flow_close(f, &cb, r);
    dissect_flow_free(f);
    free(msg);
    if (st)
        *st = env.stats;
}


/* Sensors Analytics' Android SDK posts gzip=1&data_list=<base64(gzip(JSON array))>,
 * the base64 URL-encoded. python3: base64.b64encode(gzip.compress(json.dumps([{...,
 * "properties":{"$device_id":IMEI,"$os":"Android"}}]).encode(), mtime=0)) */
#define SA_B64                                                                               \
    "H4sIAAAAAAACAy2MQQqDQAxFryJhli5U1Ko7z9CllDKdySIUZkIMA0W8uwa6/O8/3nZApF0pBX1ThKUC/wlQV6A/" \
    "RpsqPnwNYMGkRtzK/FQvapQlM4oS7vd1gItYKOA/NY1z03ZNP4yPaW578102EdYUJd/Seb4ufJeDVIIAAAA="

static char *url_encode(const char *s)
{
    char *o = malloc(strlen(s) * 3 + 1), *p = o;
    for (; *s; s++) {
        if (*s == '+' || *s == '/' || *s == '=')
            p += sprintf(p, "%%%02X", (unsigned char)*s);
        else
            *p++ = *s;
    }
    *p = 0;
    return o;
}

static void test_sensors_analytics(void)
{
    struct rec r = {0};
    struct dissect_stats st;
    char *enc = url_encode(SA_B64);
    char body[1024];
    snprintf(body, sizeof body, "gzip=1&data_list=%s&crc=-12345", enc);
    free(enc);
    run(&r, &st, "/sa?project=default", "application/x-www-form-urlencoded", body);
    CU_ASSERT_EQUAL(count(&r, "$device_id", "base64,gzip,json", IMEI), 1);
    CU_ASSERT_EQUAL(count(&r, "$os", "base64,gzip,json", "Android"), 1);
    /* The inflated JSON text itself is split, not handed over as one more field. */
    CU_ASSERT_EQUAL(count(&r, NULL, "base64,gzip", NULL), 0);
    CU_ASSERT_EQUAL(st.unwrap_layers, 3);
    rec_free(&r);
}

static void test_zlib_and_raw_deflate(void)
{
    struct rec r = {0};
    /* base64(zlib.compress(json.dumps({"imei": IMEI}).encode())) in a JSON string */
    run(&r, NULL, "/z", "application/json",
        "{\"v\":1,\"d\":\"eJyrVsrMTc1UslJQsjCzNDA0MjAxNTO3sDQ0UaoFAGLIBpU=\"}");
    CU_ASSERT_EQUAL(count(&r, "imei", "base64,zlib,json", IMEI), 1);
    rec_free(&r);
    /* base64, unpadded, of raw deflate (wbits -15) of {"udid": IMEI}, in the query (no
     * '-' or '_' in it, so it is named base64, as the forms name such fragments) */
    run(&r, NULL, "/r?p=q1YqTclMUbJSULIwszQwNDIwMTUzt7A0NFGqBQA", "text/plain", "x");
    CU_ASSERT_EQUAL(count(&r, "udid", "base64,deflate,json", IMEI), 1);
    for (size_t i = 0; i < r.n; i++)
        if (!strcmp(r.it[i].key, "udid"))
            CU_ASSERT_STRING_EQUAL(r.it[i].where, "http.uri");
    rec_free(&r);
    /* The URL-safe alphabet, '-' and '_' both in it, unpadded: python3
     * base64.urlsafe_b64encode(json.dumps({"imei": IMEI, "n": "~~~~?>"}).encode()) */
    run(&r, NULL, "/u", "application/json",
        "{\"t\":\"eyJpbWVpIjogIjg2OTAxMjA0NTY3ODkxNCIsICJuIjogIn5-fn4_PiJ9\"}");
    CU_ASSERT_EQUAL(count(&r, "imei", "base64url,json", IMEI), 1);
    rec_free(&r);
}

static void test_mime_base64_body(void)
{
    struct rec r = {0};
    /* Android Base64.DEFAULT (python3 base64.encodebytes): a line break every 76 chars */
    run(&r, NULL, "/up", "application/octet-stream",
        "eyJpbWVpIjogIjg2OTAxMjA0NTY3ODkxNCIsICJwYWQiOiAieHh4eHh4eHh4eHh4eHh4eHh4eHh4\n"
        "eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4In0=\n");
    CU_ASSERT_EQUAL(count(&r, "imei", "base64,json", IMEI), 1);
    rec_free(&r);
}

static void test_json_in_json(void)
{
    struct rec r = {0};
    /* Escaped twice (json.dumps of json.dumps): the value is visible once unescaped,
     * which the dissector already did; nothing new to hand over, nothing twice. */
    run(&r, NULL, "/j", "application/json",
        "{\"data\": \"{\\\"ext\\\": \\\"{\\\\\\\"imei\\\\\\\": \\\\\\\"" IMEI "\\\\\\\"}\\\"}\"}");
    CU_ASSERT_EQUAL(count_enc(&r), 0);
    rec_free(&r);
    /* A base64 value inside a JSON string that holds JSON: the chain says both. */
    run(&r, NULL, "/j", "application/json",
        "{\"data\": \"{\\\"ext\\\": \\\"aW1laT04NjkwMTIwNDU2Nzg5MTQ=\\\"}\"}");
    CU_ASSERT_EQUAL(count(&r, "imei", "json,base64,form", IMEI), 1);
    rec_free(&r);
    /* \\u0026 style: the form inside the JSON string was escaped once more; once
     * unescaped it is split, and its values go out under their own keys. */
    run(&r, NULL, "/j", "application/json", "{\"q\": \"a=1\\\\u0026imei=" IMEI "\"}");
    CU_ASSERT_EQUAL(count(&r, "imei", "unescape,form", IMEI), 1);
    CU_ASSERT_EQUAL(count(&r, "a", "unescape,form", "1"), 1);
    rec_free(&r);
}

static void test_url_in_url(void)
{
    struct rec r = {0};
    /* data=<urlencode(urlencode("{"imei":IMEI}"))>: one %XX level is left after the
     * dissector's decoding. */
    run(&r, NULL, "/u?data=%257B%2522imei%2522%253A%2522" IMEI "%2522%257D", "text/plain", "x");
    CU_ASSERT_EQUAL(count(&r, "imei", "url,json", IMEI), 1);
    rec_free(&r);
}

static void test_not_decoded(void)
{
    struct rec r = {0};
    struct dissect_stats st;
    /* An MD5 digest, a word, a number, a UUID, a whole JSON body: none is a layer. */
    run(&r, &st, "/n?m=f011af5d83cb529768431fa2a9dbe5b6&w=applicationdefault&n=12345678901234567",
        "application/json", "{\"uuid\":\"1f2e3d4c-aaaa-bbbb-cccc-0123456789ab\",\"imei\":\"" IMEI "\"}");
    CU_ASSERT_EQUAL(count_enc(&r), 0);
    CU_ASSERT_EQUAL(st.unwrap_layers, 0);
    CU_ASSERT_EQUAL(st.unwrap_bad, 0);
    rec_free(&r);
}

/* base64 applied k times to s, in a static buffer. */
static const char *b64_times(const char *s, int k)
{
    static const char a[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    static char buf[2][4096];
    snprintf(buf[0], sizeof buf[0], "%s", s);
    for (int t = 0; t < k; t++) {
        const unsigned char *in = (const unsigned char *)buf[t & 1];
        char *out = buf[!(t & 1)];
        size_t n = strlen((const char *)in), o = 0;
        for (size_t i = 0; i < n; i += 3) {
            uint32_t v = (uint32_t)in[i] << 16 | (i + 1 < n ? (uint32_t)in[i + 1] << 8 : 0) |
                         (i + 2 < n ? in[i + 2] : 0);
            out[o++] = a[v >> 18 & 63];
            out[o++] = a[v >> 12 & 63];
            out[o++] = i + 1 < n ? a[v >> 6 & 63] : '=';
            out[o++] = i + 2 < n ? a[v & 63] : '=';
        }
        out[o] = 0;
    }
    return buf[k & 1];
}

static void test_depth_cap(void)
{
    struct rec r = {0};
    struct dissect_stats st;
    char body[8300];
    snprintf(body, sizeof body, "{\"d\":\"%s\"}", b64_times("imei=" IMEI, UNWRAP_DEPTH_MAX - 1));
    run(&r, &st, "/d", "application/json", body);
    CU_ASSERT_EQUAL(count(&r, "imei", NULL, IMEI), 1); /* 5 x base64, then the form */
    CU_ASSERT_EQUAL(st.unwrap_depth_capped, 0);
    rec_free(&r);
    snprintf(body, sizeof body, "{\"d\":\"%s\"}", b64_times("imei=" IMEI, UNWRAP_DEPTH_MAX + 2));
    run(&r, &st, "/d", "application/json", body);
    CU_ASSERT_EQUAL(count(&r, "imei", NULL, IMEI), 0);
    CU_ASSERT_EQUAL(st.unwrap_depth_capped, 1);
    CU_ASSERT_EQUAL(st.unwrap_layers, UNWRAP_DEPTH_MAX);
    rec_free(&r);
}

/* base64 of a gzip bomb: 64 MiB of zeros. The inflation stops at DISSECT_BODY_MAX. */
static void test_bomb_and_budget(void)
{
    size_t big = 64u << 20;
    uint8_t *zeros = calloc(1, big);
    uLongf zn = compressBound(big);
    uint8_t *z = malloc(zn);
    CU_ASSERT_FATAL(zeros && z && compress2(z, &zn, zeros, big, 9) == Z_OK);
    free(zeros);
    char *b64 = malloc(zn * 2 + 64);
    static const char a[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    size_t o = 0;
    for (size_t i = 0; i < zn; i += 3) {
        uint32_t v = (uint32_t)z[i] << 16 | (i + 1 < zn ? (uint32_t)z[i + 1] << 8 : 0) |
                     (i + 2 < zn ? z[i + 2] : 0);
        b64[o++] = a[v >> 18 & 63];
        b64[o++] = a[v >> 12 & 63];
        b64[o++] = i + 1 < zn ? a[v >> 6 & 63] : '=';
        b64[o++] = i + 2 < zn ? a[v & 63] : '=';
    }
    b64[o] = 0;
    free(z);
    struct rec r = {0};
    struct dissect_stats st;
    run(&r, &st, "/bomb", "text/plain", b64);
    CU_ASSERT_EQUAL(st.zlib_bombs, 1);
    CU_ASSERT_EQUAL(count(&r, NULL, "base64,zlib", NULL), 1);
    CU_ASSERT(r.n && r.it[r.n - 1].len == DISSECT_BODY_MAX);
    rec_free(&r);
    /* One flow, many bombs: the flow's budget ends the decoding, counted. */
    struct dissect_env env;
    memset(&env, 0, sizeof env);
    dissect_flow_t *f = dissect_flow_new(&env, DISSECT_L4_TCP, 40000, 80);
    char head[256];
    int hn = snprintf(head, sizeof head,
                      "POST /b HTTP/1.1\r\nHost: h\r\nContent-Type: text/plain\r\n"
                      "Content-Length: %zu\r\n\r\n", o);
    for (int i = 0; i < 2 * (int)(UNWRAP_FLOW_BUDGET / DISSECT_BODY_MAX); i++) {
        dissect_flow_data(f, 0, (const uint8_t *)head, (size_t)hn, &cb, &r);
        dissect_flow_data(f, 0, (const uint8_t *)b64, o, &cb, &r);
        rec_free(&r);
    }
    dissect_flow_free(f);
    CU_ASSERT(env.stats.unwrap_budget_capped > 0);
    CU_ASSERT(env.stats.zlib_bombs <= UNWRAP_FLOW_BUDGET / DISSECT_BODY_MAX);
    /* The buffers shared by an env's flows (as a worker's are): the budget is still
     * each flow's own, so a second flow decodes after the first has spent its. */
    memset(&env, 0, sizeof env);
    CU_ASSERT_EQUAL_FATAL(dissect_env_share(&env), 0);
    dissect_flow_t *spent = dissect_flow_new(&env, DISSECT_L4_TCP, 40000, 80);
    dissect_flow_t *fresh = dissect_flow_new(&env, DISSECT_L4_TCP, 40001, 80);
    CU_ASSERT_PTR_NOT_NULL_FATAL(spent);
    CU_ASSERT_PTR_NOT_NULL_FATAL(fresh);
    for (int i = 0; i < 2 * (int)(UNWRAP_FLOW_BUDGET / DISSECT_BODY_MAX); i++) {
        dissect_flow_data(spent, 0, (const uint8_t *)head, (size_t)hn, &cb, &r);
        dissect_flow_data(spent, 0, (const uint8_t *)b64, o, &cb, &r);
        rec_free(&r);
    }
    uint64_t capped = env.stats.unwrap_budget_capped;
    CU_ASSERT(capped > 0);
    dissect_flow_data(fresh, 0, (const uint8_t *)head, (size_t)hn, &cb, &r);
    dissect_flow_data(fresh, 0, (const uint8_t *)b64, o, &cb, &r);
    CU_ASSERT_EQUAL(count(&r, NULL, "base64,zlib", NULL), 1);
    CU_ASSERT_EQUAL(env.stats.unwrap_budget_capped, capped);
    rec_free(&r);
    dissect_flow_free(spent);
    dissect_flow_free(fresh);
    dissect_env_unshare(&env);
    free(b64);
}

static void test_base64_decoder(void)
{
    uint8_t out[64];
    /* RFC 4648 section 10 vectors, padded and not, and base64url */
    CU_ASSERT_EQUAL(base64_decode((const uint8_t *)"Zm9vYmFy", 8, out), 6);
    CU_ASSERT(!memcmp(out, "foobar", 6));
    CU_ASSERT_EQUAL(base64_decode((const uint8_t *)"Zm9vYg==", 8, out), 4);
    CU_ASSERT_EQUAL(base64_decode((const uint8_t *)"Zm9vYg", 6, out), 4);
    CU_ASSERT_EQUAL(base64_decode((const uint8_t *)"-_8", 3, out), 2);
    CU_ASSERT(out[0] == 0xfb && out[1] == 0xff);
    CU_ASSERT_EQUAL(base64_decode((const uint8_t *)"Zm9vY", 5, out), -1);
    CU_ASSERT_EQUAL(base64_decode((const uint8_t *)"Zm9v!g==", 8, out), -1);
}

/* A DNS query whose first label is base32 (RFC 4648, lower case, unpadded) of
 * "i=<IMEI>": python3 base64.b32encode(b"i=869012045678914") */
static void test_dns_base32(void)
{
    static const char label[] = "ne6tqnrzgaytembugu3doobzge2a";
    uint8_t q[128];
    size_t n = 0;
    static const uint8_t hdr[] = {0x42, 0x42, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0};
    memcpy(q, hdr, sizeof hdr);
    n = sizeof hdr;
    q[n++] = (uint8_t)(sizeof label - 1);
    memcpy(q + n, label, sizeof label - 1);
    n += sizeof label - 1;
    memcpy(q + n, "\1t\7example\0\0\x10\0\1", 15);
    n += 15;
    struct rec r = {0};
    struct dissect_env env;
    memset(&env, 0, sizeof env);
    dissect_flow_t *f = dissect_flow_new(&env, DISSECT_L4_UDP, 40000, 53);
    dissect_flow_datagram(f, 0, q, n, &cb, &r);
    dissect_flow_free(f);
    CU_ASSERT_EQUAL(count(&r, "i", "base32,form", IMEI), 1);
    rec_free(&r);
}

/* unwrap_fields() on the splitter's pairs against unwrap_field() on each: the pairs
 * it passes on in runs (dissect_cb.fields) must be exactly those unwrap_field() would
 * do nothing more with. */
struct both {
    struct unwrap *one, *runs;
    uint64_t spent_one, spent_runs;
    struct rec *r_one, *r_runs;
    const char *where;
};

static void both_pairs(void *arg, const struct dissect_kv *kv, size_t n)
{
    struct both *b = arg;
    for (size_t i = 0; i < n; i++)
        unwrap_field(b->one, &b->spent_one, &cb, b->r_one, b->where, kv[i].key, kv[i].val,
                     kv[i].vlen);
    unwrap_fields(b->runs, &b->spent_runs, &cb_runs, b->r_runs, b->where, kv, n);
}

/* Random forms mixing pairs the pipeline only passes on with pairs it decodes (base64
 * in either case mix, escapes, JSON, zlib headers, no key, no value), more pairs than
 * one batch holds, as a body, a query (a value without a key is a path there) and a
 * DNS name: the same fields, decoded values and counters either way. */
static void test_form_runs_equal_fields(void)
{
    static const char *const vals[] = {
        "abc123", "869012045678914", "ABCDEF0123", "v1.2.3", "Ab.Cd", "x", "",
        "80abcdef12", "8nabcdefgh", "ODY5MDEyMDQ1Njc4OTE0", "a%3Db%26c%3D" IMEI, "two+words",
        "{\"imei\":\"" IMEI "\"}", "d41d8cd98f00b204e9800998ecf8427e", "MixedCaseToken",
        "x-y_z", "caf%C3%A9", "%zz", "0123456789abcdef0123456789abcdef01234567",
        "aGVsbG8gd29ybGQgaGVsbG8gd29ybGQ=", "=lead", "tail=", "eJzLSM3JyVcozy/KSQEAGgQEXQ",
        "ODY5MDEyMDQ1Njc4OTE0ODY5MDEy", "ne6tqnrzgaytembugu3doobzge2a.t.example",
        "ha3dsmbrgiydinjwg44dsmju"};
    static const char *const keys[] = {"imei", "k", "did", "a.b", "", "K%41", "mac", "x+y"};
    uint64_t seed = 88172645463325252ull;
    size_t total = 0, decoded = 0;
    batched = 0;
    for (int round = 0; round < 300; round++) {
        char body[8192];
        size_t bl = 0;
        seed ^= seed << 13, seed ^= seed >> 7, seed ^= seed << 17;
        int items = 1 + (int)(seed % 70);
        for (int i = 0; i < items && bl < sizeof body - 256; i++) {
            seed ^= seed << 13, seed ^= seed >> 7, seed ^= seed << 17;
            const char *k = keys[seed % (sizeof keys / sizeof keys[0])];
            const char *v = vals[(seed >> 8) % (sizeof vals / sizeof vals[0])];
            int shape = (int)((seed >> 20) % 8);   /* 0: a value alone, 1: empty item */
            bl += (size_t)snprintf(body + bl, sizeof body - bl, "%s%s%s%s", i ? "&" : "",
                                   shape <= 1 ? "" : k, shape <= 1 ? "" : "=",
                                   shape == 1 ? "" : v);
        }
        struct rec one = {0}, runs = {0};
        struct dissect_stats s1 = {0}, s2 = {0};
        static const char *const wheres[] = {"http.body", "http.uri", "dns.query"};
        struct both b = {unwrap_new(&s1), unwrap_new(&s2), 0, 0, &one, &runs,
                         wheres[round % 3]};
        CU_ASSERT_PTR_NOT_NULL_FATAL(b.one);
        CU_ASSERT_PTR_NOT_NULL_FATAL(b.runs);
        textenc_kv_split_batch((uint8_t *)body, bl, '&', 0, 1, both_pairs, &b);
        CU_ASSERT_EQUAL(one.n, runs.n);
        CU_ASSERT_EQUAL(one.plain_fields, runs.plain_fields);
        for (size_t i = 0; i < one.n && i < runs.n; i++) {
            const struct got *x = &one.it[i], *y = &runs.it[i];
            CU_ASSERT(!strcmp(x->where, y->where) && !strcmp(x->key, y->key) &&
                      !strcmp(x->enc, y->enc) && x->len == y->len &&
                      !memcmp(x->val, y->val, x->len));
        }
        CU_ASSERT(!memcmp(&s1, &s2, sizeof s1));
        CU_ASSERT_EQUAL(b.spent_one, b.spent_runs);
        total += one.n;
        decoded += count_enc(&one);
        unwrap_free(b.one);
        unwrap_free(b.runs);
        rec_free(&one);
        rec_free(&runs);
    }
    CU_ASSERT(total > 5000);
    CU_ASSERT(decoded > 500);    /* pairs that needed the pipeline were among them */
    CU_ASSERT(batched > 2000);   /* and pairs that did not went in runs */
}

int main(void)
{
    CU_initialize_registry();
    CU_pSuite s = CU_add_suite("dissectors/unwrap", NULL, NULL);
    CU_add_test(s, "base64 decoder (RFC 4648 vectors)", test_base64_decoder);
    CU_add_test(s, "Sensors Analytics data_list: base64, gzip, JSON", test_sensors_analytics);
    CU_add_test(s, "zlib and raw deflate under base64", test_zlib_and_raw_deflate);
    CU_add_test(s, "MIME base64 body (Android Base64.DEFAULT)", test_mime_base64_body);
    CU_add_test(s, "JSON inside JSON strings, escaped once and twice", test_json_in_json);
    CU_add_test(s, "URL-encoded inside URL-encoded", test_url_in_url);
    CU_add_test(s, "digests, words, numbers, UUIDs are not layers", test_not_decoded);
    CU_add_test(s, "depth cap counted", test_depth_cap);
    CU_add_test(s, "inflation bomb and flow budget", test_bomb_and_budget);
    CU_add_test(s, "base32 DNS label", test_dns_base32);
    CU_add_test(s, "form pairs in runs equal one field() each", test_form_runs_equal_fields);
    CU_basic_set_mode(CU_BRM_VERBOSE);
    CU_basic_run_tests();
    unsigned f = CU_get_number_of_failures();
    CU_cleanup_registry();
    return f ? 1 : 0;
}
