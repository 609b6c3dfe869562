/* test_dissectors_fuzz.c - seeded random mutations of valid HTTP, TLS and DNS
 * streams, fed at random split points with random gaps; and of a TLS 1.3 session
 * built here whose secrets are in a key log, so decryption, waiting and replay see
 * hostile records. Run under ASan/UBSan this
 * checks memory safety; the assertions check the output contract: only the documented
 * where/kind strings, values within the body cap, names NUL-free and bounded. */
#include <CUnit/CUnit.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "dissectors/dissect.h"
#include "tests/testutil.h"

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint32_t rnd(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (uint32_t)(rng >> 11);
}

struct check {
    size_t fields, names, bad;
};

static void on_field(void *ctx, const char *where, const char *key, const uint8_t *v,
                     size_t len)
{
    struct check *c = ctx;
    static const char *const ok[] = {"http.uri", "http.header", "http.cookie",
                                     "http.body", "dns.query", NULL};
    int found = 0;
    for (int i = 0; ok[i]; i++)
        found |= strcmp(where, ok[i]) == 0;
    if (!found || !key || len > DISSECT_BODY_MAX || (len && !v))
        c->bad++;
    volatile uint8_t sink = 0; /* touch every byte so ASan checks the range */
    for (size_t i = 0; i < len; i++)
        sink ^= v[i];
    (void)sink;
    c->fields++;
}

static void on_name(void *ctx, const char *kind, const char *name)
{
    struct check *c = ctx;
    static const char *const ok[] = {"http.host", "tls.sni", "tls.alpn", "tls.cert",
                                     "dns.query", NULL};
    int found = 0;
    for (int i = 0; ok[i]; i++)
        found |= strcmp(kind, ok[i]) == 0;
    if (!found || strlen(name) >= DNSMAP_NAME_MAX || !name[0])
        c->bad++;
    c->names++;
}

static const struct dissect_cb cb = {on_field, on_name, NULL, NULL, NULL};

struct seed {
    uint8_t *p;
    size_t n;
    uint16_t port;
    int udp, dir;
};

static void add_seed(struct seed *s, size_t *ns, const void *p, size_t n, uint16_t port,
                     int udp, int dir)
{
    s[*ns].p = malloc(n);
    memcpy(s[*ns].p, p, n);
    s[*ns].n = n;
    s[*ns].port = port;
    s[*ns].udp = udp;
    s[*ns].dir = dir;
    (*ns)++;
}

static void t_mutations(void)
{
    struct seed seeds[8];
    size_t ns = 0;
    const char *req =
        "GET /a?imei=%38%36&x=+%zz HTTP/1.1\r\nHost: [::1]:80\r\nCookie: a=b; c\r\n\r\n"
        "POST /j HTTP/1.1\r\nContent-Type: application/json\r\nContent-Length: 40\r\n\r\n"
        "{\"a\":[\"\\ud83d\\ude00\",{\"b\":\"\\u00\"}],\"c\":-1e5}"
        "POST /f HTTP/1.1\r\nContent-Type: application/x-www-form-urlencoded\r\n"
        "Transfer-Encoding: chunked\r\n\r\n5\r\na=b&c\r\n3;x\r\n=%4\r\n0\r\n\r\n";
    add_seed(seeds, &ns, req, strlen(req), 80, 0, 0);
    uint8_t gz[512];
    z_stream z = {0};
    deflateInit2(&z, 9, Z_DEFLATED, 31, 8, Z_DEFAULT_STRATEGY);
    const char *js = "{\"oaid\":\"1f2e3d4c-aaaa-bbbb-cccc-0123456789ab\",\"n\":[1,2,3]}";
    z.next_in = (Bytef *)(uintptr_t)js;
    z.avail_in = (uInt)strlen(js);
    z.next_out = gz;
    z.avail_out = sizeof gz;
    deflate(&z, Z_FINISH);
    size_t gzl = z.total_out;
    deflateEnd(&z);
    char resp[1024];
    int rl = snprintf(resp, sizeof resp,
                      "HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: %zu\r\n\r\n",
                      gzl);
    memcpy(resp + rl, gz, gzl);
    memcpy(resp + rl + gzl, "HTTP/1.1 200 OK\r\nContent-Encoding: deflate\r\n\r\n", 46);
    add_seed(seeds, &ns, resp, (size_t)rl + gzl + 46, 80, 0, 1);
    char path[1024];
    size_t n;
    snprintf(path, sizeof path, "%s/tests/data/dissectors/clienthello.bin", LW_SOURCE_DIR);
    uint8_t *b = (uint8_t *)tu_slurp(path, &n);
    CU_ASSERT_FATAL(b != NULL);
    add_seed(seeds, &ns, b, n, 443, 0, 0);
    free(b);
    snprintf(path, sizeof path, "%s/tests/data/dissectors/tls12_server_flight.bin",
             LW_SOURCE_DIR);
    b = (uint8_t *)tu_slurp(path, &n);
    CU_ASSERT_FATAL(b != NULL);
    add_seed(seeds, &ns, b, n, 443, 0, 1);
    free(b);
    static const uint8_t dns[] = {
        0x12, 0x34, 0x81, 0x80, 0x00, 0x01, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00,
        3, 'a', 'p', 'p', 3, 'c', 'o', 'm', 0, 0x00, 0x01, 0x00, 0x01,
        0xc0, 12, 0x00, 0x05, 0x00, 0x01, 0x00, 0x00, 0x01, 0x2c, 0x00, 5,
        2, 'e', '1', 0xc0, 16,
        0xc0, 37, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x00, 60, 0x00, 4, 1, 2, 3, 4,
    };
    add_seed(seeds, &ns, dns, sizeof dns, 53, 1, 1);

    dnsmap_t *m = dnsmap_new(64);
    struct dissect_env env = {.dns = m};
    struct check c = {0};
    uint8_t *buf = malloc(4096);
    for (int iter = 0; iter < 20000; iter++) {
        const struct seed *s = &seeds[(size_t)iter % ns];
        size_t len = s->n;
        memcpy(buf, s->p, len);
        int muts = iter < 500 ? 0 : 1 + (int)(rnd() % 8);
        for (int k = 0; k < muts; k++) {
            size_t at = rnd() % len;
            switch (rnd() % 4) {
            case 0: buf[at] = (uint8_t)rnd(); break;
            case 1: buf[at] ^= (uint8_t)(1u << (rnd() % 8)); break;
            case 2: buf[at] = (uint8_t)"\r\n:;=&%\"\\{}0f\xff\xc0"[rnd() % 16]; break;
            default: len = at + 1; break; /* truncate */
            }
        }
        dissect_flow_t *f =
            dissect_flow_new(&env, s->udp ? DISSECT_L4_UDP : DISSECT_L4_TCP, 40000, s->port);
        if (s->udp) {
            uint8_t *exact = malloc(len);
            memcpy(exact, buf, len);
            dissect_flow_datagram(f, s->dir, exact, len, &cb, &c);
            free(exact);
        } else {
            for (size_t o = 0; o < len;) {
                size_t k = 1 + rnd() % (iter % 3 ? 64 : 4);
                if (k > len - o)
                    k = len - o;
                uint8_t *exact = malloc(k); /* exact-size piece: overreads trap */
                memcpy(exact, buf + o, k);
                dissect_flow_data(f, s->dir, exact, k, &cb, &c);
                free(exact);
                o += k;
                if (rnd() % 50 == 0)
                    dissect_flow_gap(f, s->dir, 1 + rnd() % 100);
            }
            dissect_flow_close(f, &cb, &c);
        }
        dissect_flow_free(f);
    }
    free(buf);
    for (size_t i = 0; i < ns; i++)
        free(seeds[i].p);
    CU_ASSERT_EQUAL(c.bad, 0);
    /* The unmutated rounds alone produce fields and names of every kind. */
    CU_ASSERT(c.fields > 500);
    CU_ASSERT(c.names > 500);
    CU_ASSERT(env.stats.http_msgs > 0 && env.stats.dns_msgs > 0);
    CU_ASSERT(env.stats.dns_malformed + env.stats.tls_malformed + env.stats.http_bad_start > 0);
    CU_ASSERT(dnsmap_count(m, 0) <= 64);
    dnsmap_free(m);
}

/* ---- decryption: a TLS 1.3 session whose secrets are in a key log ---- */

#include "dissectors/keylog.h"
#include "tests/test_dissectors_tls13.h"

/* Append a record of inner type itype under the secret whose 32 bytes are all v. */
static void seal(uint8_t *o, size_t *on, uint8_t v, uint64_t seq, uint8_t itype,
                 const void *p, size_t n)
{
    uint8_t secret[32];
    memset(secret, v, sizeof secret);
    *on += tls13_seal(o + *on, secret, seq, itype, p, n);
}

static void clear(uint8_t *o, size_t *on, uint8_t type, const void *p, size_t n)
{
    uint8_t *r = o + *on;
    r[0] = type, r[1] = 3, r[2] = 3, r[3] = (uint8_t)(n >> 8), r[4] = (uint8_t)n;
    memcpy(r + 5, p, n);
    *on += 5 + n;
}

/* Secret bytes: CHS 0x21, SHS 0x22, CTS0 0x23, STS0 0x24; client random 0x11.. */
static char *tls_keylog(void)
{
    static const char *const lab[4] = {"CLIENT_HANDSHAKE_TRAFFIC_SECRET",
                                       "SERVER_HANDSHAKE_TRAFFIC_SECRET",
                                       "CLIENT_TRAFFIC_SECRET_0", "SERVER_TRAFFIC_SECRET_0"};
    char *t = malloc(4 * 200), *q = t;
    for (int k = 0; k < 4; k++) {
        q += sprintf(q, "%s ", lab[k]);
        for (int i = 0; i < 32; i++)
            q += sprintf(q, "11");
        *q++ = ' ';
        for (int i = 0; i < 32; i++)
            q += sprintf(q, "%02x", 0x21 + k);
        *q++ = '\n';
    }
    *q = 0;
    return t;
}

static void tls_session(struct seed *s, size_t *ns)
{
    uint8_t c[4096], sv[4096];
    size_t cn = 0, sn = 0;
    uint8_t ch[64] = {1, 0, 0, 0, 3, 3}, sh[64] = {2, 0, 0, 0, 3, 3};
    size_t l = 6;
    memset(ch + l, 0x11, 32);
    l += 32;
    static const uint8_t cht[] = {0, 0, 2, 0x13, 0x01, 1, 0, 0, 4, 0, 42, 0, 0};
    memcpy(ch + l, cht, sizeof cht);
    l += sizeof cht;
    ch[3] = (uint8_t)(l - 4);
    clear(c, &cn, 22, ch, l);
    clear(c, &cn, 20, "\x01", 1);
    l = 6;
    memset(sh + l, 0x33, 32);
    l += 32;
    static const uint8_t sht[] = {0, 0x13, 0x01, 0, 0, 6, 0, 43, 0, 2, 3, 4};
    memcpy(sh + l, sht, sizeof sht);
    l += sizeof sht;
    sh[3] = (uint8_t)(l - 4);
    clear(sv, &sn, 22, sh, l);
    clear(sv, &sn, 20, "\x01", 1);
    static const uint8_t ee_fin[] = {8, 0, 0, 2, 0, 0, 20, 0, 0, 32, [10 + 31] = 0};
    seal(sv, &sn, 0x22, 0, 22, ee_fin, sizeof ee_fin);
    static const uint8_t fin[36] = {20, 0, 0, 32};
    seal(c, &cn, 0x21, 0, 22, fin, sizeof fin);
    static const char req1[] = "POST /t?imei=869012045678914 HTTP/1.1\r\nHost: a.example\r\n"
                               "Content-Type: application/x-www-form-urlencoded\r\n"
                               "Content-Length: 12\r\n\r\n";
    seal(c, &cn, 0x23, 0, 23, req1, sizeof req1 - 1);
    seal(c, &cn, 0x23, 1, 23, "oaid=1&b=2&x", 12);
    static const uint8_t ku[] = {24, 0, 0, 1, 0}; /* KeyUpdate, then the next secret */
    seal(c, &cn, 0x23, 2, 22, ku, sizeof ku);
    seal(c, &cn, 0x23, 3, 23, "junk after rekey", 16); /* fails: new key, on purpose */
    static const char resp[] = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
    seal(sv, &sn, 0x24, 0, 23, resp, sizeof resp - 1);
    add_seed(s, ns, c, cn, 443, 0, 0);
    add_seed(s, ns, sv, sn, 443, 0, 1);
}

/* Mutated client and server streams of one decryptable session, interleaved, with a
 * key log that holds the secrets from the start, that gets them halfway (records wait,
 * then replay), or that never does (records wait until they expire). */
static void t_decrypt_mutations(void)
{
    struct seed s[2];
    size_t ns = 0;
    tls_session(s, &ns);
    char *kt = tls_keylog();
    char path[1024], err[256];
    snprintf(path, sizeof path, "%s", tu_path("follow-keys.txt"));
    CU_ASSERT_FATAL(tu_write(path, "", 0) == 0);
    keylog_t *full = keylog_new();
    CU_ASSERT_EQUAL_FATAL(keylog_add_text(full, kt, strlen(kt)), 4);
    struct dissect_env env = {0};
    struct check c = {0};
    uint8_t *buf[2] = {malloc(4096), malloc(4096)};
    size_t uris = 0;
    for (int iter = 0; iter < 6000; iter++) {
        int mode = iter % 3;
        keylog_t *kl = full;
        if (mode) {
            kl = keylog_new();
            CU_ASSERT_EQUAL_FATAL(keylog_add_file(kl, path, 1, err, sizeof err), 0);
        }
        env.keys = kl;
        size_t len[2], off[2] = {0, 0};
        for (int d = 0; d < 2; d++) {
            len[d] = s[d].n;
            memcpy(buf[d], s[d].p, len[d]);
            int muts = iter < 300 ? 0 : (int)(rnd() % 4);
            for (int k = 0; k < muts; k++) {
                size_t at = rnd() % len[d];
                switch (rnd() % 3) {
                case 0: buf[d][at] = (uint8_t)rnd(); break;
                case 1: buf[d][at] ^= (uint8_t)(1u << (rnd() % 8)); break;
                default: len[d] = at + 1; break;
                }
            }
        }
        size_t fields0 = c.fields;
        dissect_flow_t *f = dissect_flow_new(&env, DISSECT_L4_TCP, 40000, 443);
        /* The ClientHello first (the server answers it), then pieces of either side in
         * random order. */
        for (int step = 0; off[0] < len[0] || off[1] < len[1]; step++) {
            int d = step == 0 ? 0 : (int)(rnd() % 2);
            if (off[d] == len[d])
                d = !d;
            size_t k = step == 0 ? 56 : 1 + rnd() % 200; /* 56: the ClientHello record */
            if (k > len[d] - off[d])
                k = len[d] - off[d];
            uint8_t *exact = malloc(k);
            memcpy(exact, buf[d] + off[d], k);
            dissect_flow_data(f, d, exact, k, &cb, &c);
            free(exact);
            off[d] += k;
            env.now_s += mode == 2 ? 1 : 0;
            if (mode == 1 && step == 3)
                keylog_add_text(kl, kt, strlen(kt));
            if (iter >= 300 && rnd() % 200 == 0)
                dissect_flow_gap(f, d, 1 + rnd() % 100);
        }
        dissect_flow_close(f, &cb, &c);
        dissect_flow_free(f);
        if (iter < 300 && mode != 2)
            uris += c.fields > fields0;
        if (kl != full)
            keylog_free(kl);
        CU_ASSERT_EQUAL(env.tls_wait_bytes, 0);
    }
    free(buf[0]);
    free(buf[1]);
    for (size_t i = 0; i < ns; i++)
        free(s[i].p);
    keylog_free(full);
    free(kt);
    CU_ASSERT_EQUAL(c.bad, 0);
    CU_ASSERT_EQUAL(uris, 200); /* every unmutated round with a key decoded HTTP */
    CU_ASSERT(env.stats.tls_decrypted_records > 0);
    CU_ASSERT(env.stats.tls_waited > 0);
    CU_ASSERT(env.stats.tls_key_updates > 0);
    CU_ASSERT(env.stats.tls_no_key > 0);
    CU_ASSERT(env.stats.tls_auth_failed > 0);
}

int main(void)
{
    static const struct tu_case cases[] = {
        {"seeded mutations with random splits and gaps", t_mutations},
        {"decryption: mutated TLS 1.3 session, keys early, late, never",
         t_decrypt_mutations},
        {NULL, NULL},
    };
    return tu_run("dissectors_fuzz", cases);
}
